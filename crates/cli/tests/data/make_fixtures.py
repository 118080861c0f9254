#!/usr/bin/env python3
"""Write the predictions fixtures of the claimbench CLI tests from the built-in gold (stdlib only).

    python3 crates/cli/tests/data/make_fixtures.py          # rewrite the fixtures next to this script
    python3 crates/cli/tests/data/make_fixtures.py --check  # exit 1 if a fixture is out of date

The fixtures are deterministic functions of `gold/000.jsonl`..`gold/004.jsonl`, so they stay in sync with
the gold set (the tests run `--check` when python3 is present, and re-derive the expected counts from the
gold files either way).

preds_small.jsonl  per document: 3 gold claims verbatim (first, middle, last), 2 junk claims and one gold
                   claim with a word dropped; in documents 000 and 003 also the second gold claim
                   lowercased with its spaces tripled (equal to the gold claim after exact-match
                   normalisation); in document 001 the first verbatim claim once more (a duplicate).
                   Under `--matcher exact`: TP 17, FP 16, FN 243 (260 gold claims).
preds_gold.jsonl   every gold claim verbatim (F1 1.0 under `--matcher exact`).
preds_worse.jsonl  per document: the first gold claim verbatim and 4 junk claims (TP 5, FP 20, FN 255).
bad_lines.jsonl    40 lines, 4 of them bad (10%): invalid JSON, an unknown document, an empty text, a span
                   past the end of its article; the last line is also truncated (no closing brace, no
                   newline), so 5 bad lines in all and 35 good ones.
"""

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[3]
DOCS = ["000", "001", "002", "003", "004"]

JUNK = [
    "The weather in the capital was pleasant for most of the week.",
    "A local bakery introduced a new kind of sourdough bread.",
    "The football season opened with a surprising draw.",
    "Several museums extended their opening hours for the summer.",
    "A new species of beetle was catalogued by volunteers.",
    "The railway timetable changes on the first Sunday of the month.",
    "An orchestra rehearsed a symphony in an empty concert hall.",
    "Gardeners reported an early bloom of cherry trees.",
    "A chess tournament drew players from twelve countries.",
    "The library digitised a collection of old maps.",
]


def gold(doc):
    with open(REPO / "gold" / f"{doc}.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def line(doc, text, score=None):
    obj = {"doc": doc, "text": text}
    if score is not None:
        obj["score"] = score
    return json.dumps(obj, ensure_ascii=False)


def drop_word(text):
    """The text without its longest word of the middle half (ties: the first)."""
    words = text.split(" ")
    lo, hi = len(words) // 4, max(len(words) // 4 + 1, (3 * len(words)) // 4)
    best = max(range(lo, hi), key=lambda i: (len(words[i]), -i))
    return " ".join(words[:best] + words[best + 1:])


def small():
    out = []
    j = 0
    for doc in DOCS:
        g = gold(doc)
        texts = [c["text"] for c in g]
        picks = [texts[0], texts[len(texts) // 2], texts[-1]]
        for t in picks:
            out.append(line(doc, t, 0.9))
        if doc in ("000", "003"):
            variant = texts[1].lower().replace(" ", "   ")
            out.append(line(doc, variant, 0.8))
        if doc == "001":
            out.append(line(doc, texts[0], 0.7))
        out.append(line(doc, drop_word(texts[2]), 0.6))
        for _ in range(2):
            out.append(line(doc, JUNK[j % len(JUNK)], 0.1))
            j += 1
    return out


def all_gold():
    return [line(doc, c["text"]) for doc in DOCS for c in gold(doc)]


def worse():
    out = []
    j = 0
    for doc in DOCS:
        out.append(line(doc, gold(doc)[0]["text"]))
        for _ in range(4):
            out.append(line(doc, JUNK[j % len(JUNK)]))
            j += 1
    return out


def bad_lines():
    """40 lines; lines 7, 15, 23 and 31 are bad, and line 40 is truncated."""
    good = []
    for doc in DOCS:
        for c in gold(doc)[:8]:
            good.append(line(doc, c["text"]))
    lines = good[:40]
    lines[6] = '{"doc": "000", "text": "unterminated string}'
    lines[14] = line("999", "A claim about a document the gold set lacks.")
    lines[22] = line("002", "   ")
    lines[30] = json.dumps(
        {"doc": "001", "text": "A claim with a span past the end.", "evidence": [{"start": 10, "end": 999999}]}
    )
    lines[39] = lines[39][: len(lines[39]) // 2]
    return "\n".join(lines)  # no final newline: the last line is cut off


def files():
    return {
        "preds_small.jsonl": "\n".join(small()) + "\n",
        "preds_gold.jsonl": "\n".join(all_gold()) + "\n",
        "preds_worse.jsonl": "\n".join(worse()) + "\n",
        "bad_lines.jsonl": bad_lines(),
    }


def main():
    check = "--check" in sys.argv[1:]
    stale = []
    for name, text in files().items():
        path = HERE / name
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8", newline="\n")
    if stale:
        print("out of date (rerun make_fixtures.py): " + ", ".join(stale), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
