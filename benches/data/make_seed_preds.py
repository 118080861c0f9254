#!/usr/bin/env python3
"""A large predictions file over the five seed articles (stdlib only), for timing matchers on the built-in gold.

    python3 benches/data/make_seed_preds.py OUT.jsonl --preds 100000 --seed 3

Each prediction belongs to one seed article (round robin) and is a gold claim of that article or a sentence-like
span of it, with one of a few fixed edits (none, a word dropped, two words swapped, a clause appended from another
claim), so the file has many repeated texts (a few thousand distinct ones): embedding stays cheap and the per-pair
matching cost dominates, as when many checkpoints of one model are scored. Deterministic in the seed.
"""

import argparse
import json
import pathlib
import random

ROOT = pathlib.Path(__file__).resolve().parents[2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--preds", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=3)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    claims = {}
    for f in sorted((ROOT / "gold").glob("[0-9][0-9][0-9].jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                c = json.loads(line)
                claims.setdefault(c["doc"], []).append(c["text"])
    docs = sorted(claims)
    # a fixed pool of distinct texts per document: each gold claim and three edits of it
    pool = {}
    for d in docs:
        texts = []
        for t in claims[d]:
            w = t.rstrip(".").split()
            texts.append(t)
            if len(w) > 3:
                k = rng.randrange(len(w))
                texts.append(" ".join(w[:k] + w[k + 1:]) + ".")
                i = rng.randrange(len(w) - 1)
                w2 = w[:]
                w2[i], w2[i + 1] = w2[i + 1], w2[i]
                texts.append(" ".join(w2) + ".")
            other = rng.choice(claims[d]).rstrip(".")
            texts.append(t.rstrip(".") + ", and " + other[0].lower() + other[1:] + ".")
        pool[d] = texts
    with open(a.out, "w", encoding="utf-8") as out:
        for i in range(a.preds):
            d = docs[i % len(docs)]
            out.write(json.dumps({"doc": d, "text": rng.choice(pool[d])}, ensure_ascii=False) + "\n")
    distinct = sum(len(set(v)) for v in pool.values())
    print(f"{a.preds} predictions over {len(docs)} articles, at most {distinct} distinct texts -> {a.out}")


if __name__ == "__main__":
    main()
