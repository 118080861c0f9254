#!/usr/bin/env python3
"""Check the hand-labelled gold files gold/<doc>.jsonl against the seeds. Stdlib only.

For every line: valid JSON object, exact field order and types, id `<doc>-<NNN>`
unique and sequential from 001, doc equal to the file's prefix, non-empty text
without mojibake, known category, spans inside the article with start < end,
quote equal to the text of the first span; per doc no two identical texts.
Then prints counts per doc, per category, check-worthy, and the clusters.
A cluster used in one document only is reported as a problem (clusters link
claims across different articles).

Usage: python3 gold/tools/check.py [gold_dir]   (exit status 1 on any problem)
"""
import collections
import glob
import json
import os
import re
import sys

FIELDS = ["id", "doc", "text", "evidence", "quote", "check_worthy", "category", "cluster"]
CATEGORIES = ["event", "statement", "quantity", "position", "background"]
MOJIBAKE = ("\u00e2\u20ac", "\u2020", "\ufffd")
CLUSTER_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def main():
    gold_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    root = os.path.dirname(os.path.abspath(gold_dir))
    problems = []
    per_doc = collections.OrderedDict()
    cluster_docs = collections.defaultdict(set)
    cluster_claims = collections.defaultdict(list)
    files = sorted(glob.glob(os.path.join(gold_dir, "[0-9][0-9][0-9].jsonl")))
    if not files:
        problems.append(f"{gold_dir}: no gold files")
    for path in files:
        name = os.path.basename(path)
        doc = name[:3]
        seeds = glob.glob(os.path.join(root, "seeds", doc + "_*.txt"))
        if len(seeds) != 1:
            problems.append(f"{name}: no unique seed for doc {doc}")
            continue
        with open(seeds[0], encoding="utf-8", newline="") as f:
            article = f.read()
        texts = {}
        cats = collections.Counter()
        worthy = 0
        n = 0
        with open(path, encoding="utf-8", newline="") as f:
            raw = f.read()
        if raw and not raw.endswith("\n"):
            problems.append(f"{name}: last line lacks a newline")
        for lineno, line in enumerate(raw.split("\n")[:-1] if raw.endswith("\n") else raw.split("\n"), 1):
            where = f"{name}:{lineno}"
            try:
                obj = json.loads(line, object_pairs_hook=list)
            except json.JSONDecodeError as e:
                problems.append(f"{where}: invalid JSON: {e}")
                continue
            if not isinstance(obj, list):
                problems.append(f"{where}: not a JSON object")
                continue
            keys = [k for k, _ in obj]
            if keys != FIELDS:
                problems.append(f"{where}: fields {keys} != {FIELDS}")
                continue
            c = dict(obj)
            n += 1
            want_id = f"{doc}-{n:03d}"
            if c["id"] != want_id:
                problems.append(f"{where}: id: {c['id']!r}, expected {want_id!r}")
            if c["doc"] != doc:
                problems.append(f"{where}: doc: {c['doc']!r} != file prefix {doc!r}")
            t = c["text"]
            if not isinstance(t, str) or not t.strip():
                problems.append(f"{where}: text: empty or not a string")
            else:
                if t != t.strip() or "  " in t:
                    problems.append(f"{where}: text: stray whitespace")
                if any(m in t for m in MOJIBAKE):
                    problems.append(f"{where}: text: mojibake")
                if t in texts:
                    problems.append(f"{where}: text: duplicate of line {texts[t]}")
                texts[t] = lineno
            ev = c["evidence"]
            if not isinstance(ev, list) or not ev:
                problems.append(f"{where}: evidence: must be a non-empty list")
                ev = []
            for k, sp in enumerate(ev):
                if not isinstance(sp, list) or [key for key, _ in sp] != ["start", "end"]:
                    problems.append(f"{where}: evidence[{k}]: must be {{start, end}}")
                    continue
                s, e = sp[0][1], sp[1][1]
                if not all(isinstance(x, int) and not isinstance(x, bool) for x in (s, e)):
                    problems.append(f"{where}: evidence[{k}]: offsets must be integers")
                    continue
                if not (0 <= s < e <= len(article)):
                    problems.append(f"{where}: evidence[{k}]: span {s}..{e} out of range 0..{len(article)}")
                    continue
                if k == 0 and article[s:e] != c["quote"]:
                    problems.append(f"{where}: quote: != text of first span {article[s:e]!r}")
                span = article[s:e]
                if span != span.strip():
                    problems.append(f"{where}: evidence[{k}]: span has leading/trailing whitespace")
            if not isinstance(c["quote"], str):
                problems.append(f"{where}: quote: not a string")
            if not isinstance(c["check_worthy"], bool):
                problems.append(f"{where}: check_worthy: not a boolean")
            elif c["check_worthy"]:
                worthy += 1
            if c["category"] not in CATEGORIES:
                problems.append(f"{where}: category: unknown {c['category']!r}")
            else:
                cats[c["category"]] += 1
            cl = c["cluster"]
            if cl is not None:
                if not isinstance(cl, str) or not CLUSTER_RE.match(cl):
                    problems.append(f"{where}: cluster: bad id {cl!r}")
                else:
                    cluster_docs[cl].add(doc)
                    cluster_claims[cl].append(c["id"])
        per_doc[doc] = (n, cats, worthy)
    for cl, docs in sorted(cluster_docs.items()):
        if len(docs) < 2:
            problems.append(f"cluster {cl!r} used in one document only ({', '.join(cluster_claims[cl])})")
    total = collections.Counter()
    print(f"{'doc':<5}{'claims':>7}{'worthy':>7}  " + " ".join(f"{k:>10}" for k in CATEGORIES))
    for doc, (n, cats, worthy) in per_doc.items():
        total.update(cats)
        print(f"{doc:<5}{n:>7}{worthy:>7}  " + " ".join(f"{cats[k]:>10}" for k in CATEGORIES))
    print(f"{'all':<5}{sum(v[0] for v in per_doc.values()):>7}{sum(v[2] for v in per_doc.values()):>7}  "
          + " ".join(f"{total[k]:>10}" for k in CATEGORIES))
    print(f"clusters: {len(cluster_docs)}")
    for cl in sorted(cluster_docs):
        print(f"  {cl}: {' '.join(cluster_claims[cl])}")
    for p in problems:
        print("PROBLEM " + p)
    print(f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
