#!/usr/bin/env python3
"""Synthetic gold sets and predictions files for claimbench's scale and batch-scoring runs (stdlib only).

    python3 benches/data/make_synthetic.py OUT_DIR --docs 10000 --preds 1000000 --seed 1

writes, under OUT_DIR (which must be outside the repository):

    OUT_DIR/gold/seeds/<id>_synthetic.txt   N articles built from the seed articles' sentences and the gold quotes
    OUT_DIR/gold/gold/<id>.jsonl            their gold claims: valid ids, spans and quotes (`claimbench gold
                                            validate OUT_DIR/gold` passes)
    OUT_DIR/predictions.jsonl               M predicted claims spread evenly over the N documents
    OUT_DIR/synthetic.json                  the settings and counts (documents, gold claims, predictions,
                                            distinct prediction texts, predictions of each kind)

Each article interleaves 1-3 sentences of the seed articles with the quotes of 6-12 gold claims of the
built-in gold set (distinct claim texts per article); each gold claim's evidence is its quote's span in the
new article. Predictions are gold claims of their document, perturbed:

    verbatim   the gold claim as is
    drop       one or two words dropped
    number     every number changed (a word dropped when there is none)
    shuffle    the words in random order
    repeat     an earlier prediction of the same document again (a duplicate)
    junk       a sentence of the seed articles (usually a false alarm)

Everything is a function of the seed (`random.Random(seed)`), the built-in seeds and gold, and the options.
"""

import argparse
import json
import random
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

KINDS = [("verbatim", 25), ("drop", 15), ("number", 10), ("shuffle", 10), ("repeat", 15), ("junk", 25)]
CATEGORIES = ["event", "statement", "quantity", "position", "background"]


def seed_sentences():
    out = []
    for path in sorted((REPO / "seeds").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        for s in re.split(r"(?<=[.!?\"])\s+", text):
            s = " ".join(s.split())
            if 20 <= len(s) <= 400:
                out.append(s)
    return out


def gold_pool():
    out = []
    for path in sorted((REPO / "gold").glob("[0-9]*.jsonl")):
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    c = json.loads(line)
                    out.append((c["text"], c["quote"]))
    return out


def norm(text):
    return " ".join(text.lower().split())


def perturb(rng, kind, text, sentences):
    words = text.split(" ")
    if kind == "drop" or (kind == "number" and not re.search(r"\d", text)):
        for _ in range(rng.choice((1, 2))):
            if len(words) > 3:
                del words[rng.randrange(len(words))]
        return " ".join(words)
    if kind == "number":
        return re.sub(r"\d+", lambda m: str(int(m.group()) + rng.randint(1, 9)), text)
    if kind == "shuffle":
        rng.shuffle(words)
        return " ".join(words)
    if kind == "junk":
        return rng.choice(sentences)
    return text


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path, help="output directory (outside the repository)")
    ap.add_argument("--docs", type=int, default=1000, help="synthetic documents (default 1000)")
    ap.add_argument("--preds", type=int, default=100000, help="predicted claims (default 100000)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--min-claims", type=int, default=6, help="fewest gold claims per document (default 6)")
    ap.add_argument("--max-claims", type=int, default=12, help="most gold claims per document (default 12)")
    args = ap.parse_args()

    out = args.out.resolve()
    if out == REPO or REPO in out.parents:
        sys.exit(f"refusing to write into the repository ({out}); give a directory outside it")
    if args.docs < 1 or args.preds < 0 or not 1 <= args.min_claims <= args.max_claims:
        sys.exit("need --docs >= 1, --preds >= 0 and 1 <= --min-claims <= --max-claims")

    rng = random.Random(args.seed)
    sentences = seed_sentences()
    pool = gold_pool()
    seeds_dir, gold_dir = out / "gold" / "seeds", out / "gold" / "gold"
    seeds_dir.mkdir(parents=True, exist_ok=True)
    gold_dir.mkdir(parents=True, exist_ok=True)

    width = max(5, len(str(args.docs - 1)))
    doc_claims = []
    n_gold = 0
    for d in range(args.docs):
        doc = f"s{d:0{width}d}"
        want = rng.randint(args.min_claims, args.max_claims)
        chosen, seen = [], set()
        while len(chosen) < want:
            text, quote = rng.choice(pool)
            if norm(text) not in seen:
                seen.add(norm(text))
                chosen.append((text, quote))
        parts, length, lines = [], 0, []
        for i, (text, quote) in enumerate(chosen):
            for _ in range(rng.randint(1, 3)):
                s = rng.choice(sentences) + " "
                parts.append(s)
                length += len(s)
            start = length
            parts.append(quote + " ")
            length += len(quote) + 1
            claim = {
                "id": f"{doc}-{i + 1:03d}",
                "doc": doc,
                "text": text,
                "evidence": [{"start": start, "end": start + len(quote)}],
                "quote": quote,
                "check_worthy": rng.random() < 0.7,
                "category": rng.choice(CATEGORIES),
                "cluster": None,
            }
            lines.append(json.dumps(claim, ensure_ascii=False))
        (seeds_dir / f"{doc}_synthetic.txt").write_text("".join(parts), encoding="utf-8", newline="")
        (gold_dir / f"{doc}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")
        doc_claims.append((doc, [t for t, _ in chosen]))
        n_gold += len(chosen)

    names = [k for k, _ in KINDS]
    weights = [w for _, w in KINDS]
    counts = {k: 0 for k in names}
    distinct = set()
    base, extra = divmod(args.preds, args.docs)
    with open(out / "predictions.jsonl", "w", encoding="utf-8", newline="\n") as f:
        for d, (doc, claims) in enumerate(doc_claims):
            made = []
            for _ in range(base + (1 if d < extra else 0)):
                kind = rng.choices(names, weights)[0]
                if kind == "repeat" and not made:
                    kind = "verbatim"
                if kind == "repeat":
                    text = rng.choice(made)
                else:
                    text = perturb(rng, kind, rng.choice(claims), sentences)
                made.append(text)
                counts[kind] += 1
                distinct.add(text)
                f.write(json.dumps({"doc": doc, "text": text, "score": round(rng.random(), 3)}, ensure_ascii=False))
                f.write("\n")

    summary = {
        "seed": args.seed,
        "documents": args.docs,
        "gold_claims": n_gold,
        "predictions": args.preds,
        "distinct_prediction_texts": len(distinct),
        "kinds": counts,
    }
    (out / "synthetic.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
