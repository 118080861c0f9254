#!/usr/bin/env python3
"""Turn a hand-written claim sheet (gold/tools/claims/<doc>.txt) into gold/<doc>.jsonl.

The sheet is written by hand; this script only computes the evidence offsets
(Unicode code points, end exclusive) from the quotes the annotator picked and
writes the JSON lines. Stdlib only.

Sheet format, one block per claim, blocks separated by a blank line:

    Q: <exact text of the first evidence span, copied from the seed>
    T: <the claim text>
    K: <category> <y|n check-worthy> <cluster id or ->
    E: <exact text of a further evidence span>      (optional, repeatable)

A quote must occur exactly once in the article, unless it is written as
`Q@N:` / `E@N:` which picks the N-th occurrence (1-based).
Lines starting with `#` are comments.

Usage: python3 gold/tools/build.py 000 [001 ...]
"""
import glob
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CATEGORIES = {"event", "statement", "quantity", "position", "background"}


def seed_text(doc):
    paths = glob.glob(os.path.join(ROOT, "seeds", doc + "_*.txt"))
    if len(paths) != 1:
        sys.exit(f"{doc}: expected one seed, found {paths}")
    with open(paths[0], encoding="utf-8", newline="") as f:
        return f.read()


def locate(text, quote, nth, where):
    hits = []
    i = text.find(quote)
    while i != -1:
        hits.append(i)
        i = text.find(quote, i + 1)
    if not hits:
        sys.exit(f"{where}: quote not found: {quote!r}")
    if nth is None:
        if len(hits) != 1:
            sys.exit(f"{where}: quote occurs {len(hits)} times, use @N: {quote!r}")
        nth = 1
    if nth > len(hits):
        sys.exit(f"{where}: only {len(hits)} occurrences: {quote!r}")
    start = hits[nth - 1]
    return {"start": start, "end": start + len(quote)}


def parse_tag(line):
    tag, _, rest = line.partition(":")
    nth = None
    if "@" in tag:
        tag, n = tag.split("@", 1)
        nth = int(n)
    return tag, nth, rest[1:] if rest.startswith(" ") else rest


def build(doc):
    text = seed_text(doc)
    sheet = os.path.join(ROOT, "gold", "tools", "claims", doc + ".txt")
    with open(sheet, encoding="utf-8") as f:
        lines = f.read().split("\n")
    blocks, cur = [], []
    for no, line in enumerate(lines, 1):
        if line.startswith("#"):
            continue
        if not line.strip():
            if cur:
                blocks.append(cur)
                cur = []
            continue
        cur.append((no, line))
    if cur:
        blocks.append(cur)
    out = []
    for k, block in enumerate(blocks, 1):
        where = f"{sheet}:{block[0][0]}"
        claim = {"id": f"{doc}-{k:03d}", "doc": doc, "text": None, "evidence": [],
                 "quote": None, "check_worthy": None, "category": None, "cluster": None}
        for no, line in block:
            tag, nth, rest = parse_tag(line)
            w = f"{sheet}:{no}"
            if tag in ("Q", "E"):
                span = locate(text, rest, nth, w)
                if tag == "Q":
                    if claim["evidence"]:
                        sys.exit(f"{w}: Q must come first")
                    claim["quote"] = rest
                claim["evidence"].append(span)
            elif tag == "T":
                claim["text"] = rest.strip()
            elif tag == "K":
                parts = rest.split()
                if len(parts) != 3 or parts[0] not in CATEGORIES or parts[1] not in ("y", "n"):
                    sys.exit(f"{w}: bad K line: {rest!r}")
                claim["category"] = parts[0]
                claim["check_worthy"] = parts[1] == "y"
                claim["cluster"] = None if parts[2] == "-" else parts[2]
            else:
                sys.exit(f"{w}: unknown tag {tag!r}")
        if claim["quote"] is None or not claim["text"] or claim["category"] is None:
            sys.exit(f"{where}: incomplete claim block")
        out.append(claim)
    dest = os.path.join(ROOT, "gold", doc + ".jsonl")
    tmp = dest + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        for c in out:
            f.write(json.dumps(c, ensure_ascii=False) + "\n")
    os.replace(tmp, dest)
    print(f"{doc}: {len(out)} claims -> gold/{doc}.jsonl")


if __name__ == "__main__":
    for d in sys.argv[1:]:
        build(d)
