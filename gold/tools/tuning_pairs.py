#!/usr/bin/env python3
"""Tuning pairs selected like the frozen neighbours, one rank further (gold/tuning/README.md).

Usage, from the repository root:

  python3 gold/tools/tuning_pairs.py select    writes gold/tuning/candidates.jsonl
  python3 gold/tools/tuning_pairs.py check     validates gold/tuning/neighbours.jsonl

`select`: the gold claims in id order, their words and Jaccard index as in eval_pairs.py. For
every claim, its *second* nearest other claim in its own article and its second nearest claim in
any other article (ties to the smaller claim id). A pair of identical texts is left out, and so
is a pair whose two texts, in either order, are those of a pair the frozen selection (the nearest
neighbours, gold/eval/) holds or of a pair selected before it (the gold has claims with identical
texts in two articles, so two id pairs can be one text pair); `a` is the claim with the smaller
id. Stdlib only, deterministic.

`check`: neighbours.jsonl lists exactly the selection, in order, with ids t001.. contiguous, the
gold texts, and a known kind with its one label (the kinds and rules of gold/PAIRS.md).
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from eval_pairs import (  # noqa: E402
    LABEL, ROOT, candidate, jaccard, load_gold, select, words, write_candidates,
)

TUNING = os.path.join(ROOT, "gold", "tuning")
CANDIDATES = os.path.join(TUNING, "candidates.jsonl")
NEIGHBOURS = os.path.join(TUNING, "neighbours.jsonl")
FIELDS = {"id", "doc", "a", "b", "same", "kind", "a_id", "b_id"}


def select_second(claims):
    """The second-nearest pairs, as (a_id, b_id) in selection order, frozen pairs left out."""
    by_id = {c["id"]: c for c in claims}
    text_pair = lambda key: frozenset(by_id[i]["text"] for i in key)  # noqa: E731
    seen = {text_pair(key) for key in select(claims)}
    ws = [words(c["text"]) for c in claims]
    pairs = []
    for i, c in enumerate(claims):
        for own in (True, False):
            ranked = sorted(
                (j for j, d in enumerate(claims) if j != i and (d["doc"] == c["doc"]) == own),
                key=lambda j: (-jaccard(ws[i], ws[j]), claims[j]["id"]),
            )
            if len(ranked) < 2:
                continue
            d = claims[ranked[1]]
            key = tuple(sorted((c["id"], d["id"])))
            if c["text"] == d["text"] or text_pair(key) in seen:
                continue
            seen.add(text_pair(key))
            pairs.append(key)
    return pairs


def cmd_select():
    write_candidates(CANDIDATES, select_second)


def cmd_check():
    claims = load_gold()
    by_id = {c["id"]: c for c in claims}
    want = select_second(claims)
    problems, counts = [], {}
    with open(NEIGHBOURS, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    if len(rows) != len(want):
        problems.append(f"{len(rows)} lines, the selection has {len(want)} pairs")
    for n, (r, key) in enumerate(zip(rows, want), 1):
        where = f"gold/tuning/neighbours.jsonl:{n}"
        if set(r) != FIELDS:
            problems.append(f"{where}: fields {sorted(r)}")
            continue
        if r["id"] != f"t{n:03}":
            problems.append(f"{where}: id: {r['id']}, expected t{n:03}")
        if (r["a_id"], r["b_id"]) != key:
            problems.append(f"{where}: a_id/b_id: {r['a_id']}/{r['b_id']}, selection has {key}")
            continue
        c = candidate(by_id, *key)
        for field in ("doc", "a", "b"):
            if r[field] != c[field]:
                problems.append(f"{where}: {field}: not the gold text")
        if r["kind"] not in LABEL or LABEL[r["kind"]] != r["same"]:
            problems.append(f"{where}: kind/same: {r['kind']}/{r['same']}")
        if r["kind"] == "paraphrase" and "+" in r["doc"]:
            problems.append(f"{where}: kind: paraphrase across two articles is cross_article")
        if r["kind"] == "cross_article" and "+" not in r["doc"]:
            problems.append(f"{where}: kind: cross_article within one article")
        counts[r["kind"]] = counts.get(r["kind"], 0) + 1
    for p in problems:
        print(p, file=sys.stderr)
    print("| kind | pairs |\n|---|---:|")
    for k in LABEL:
        print(f"| `{k}` | {counts.get(k, 0)} |")
    print(f"| **total** | {sum(counts.values())} |")
    return 1 if problems else 0


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "select":
        cmd_select()
    elif cmd == "check":
        sys.exit(cmd_check())
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
