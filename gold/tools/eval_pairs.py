#!/usr/bin/env python3
"""The frozen evaluation pairs of gold/eval/ (see gold/eval/README.md). Stdlib only, deterministic.

Usage, from the repository root:

  python3 gold/tools/eval_pairs.py select            writes gold/eval/candidates.jsonl
  python3 gold/tools/eval_pairs.py check [--complete]

`select` implements section 1 of the procedure: the gold claims of gold/0*.jsonl in id order;
a claim's words are the distinct runs of [a-z0-9] of length >= 3 in its lowercased text; for
every claim, its nearest other claim in its own article and its nearest claim in any other
article (highest Jaccard index of the word sets, ties to the smaller claim id); unordered pairs
selected twice are kept once, in the order first selected; `a` is the claim with the smaller id.
Each candidate is {"a_id", "b_id", "doc", "a", "b"}: `doc` is the article id, or "x+y" for a
cross-article pair (a from x, the smaller id's article). No label fields.

`check` validates gold/eval/neighbours.jsonl and gold/eval/written.jsonl (each if present) and
prints the counts per kind as a Markdown table. The selection is recomputed in memory, so the
check does not need candidates.jsonl. neighbours.jsonl must list the selected pairs in selection
order; a file that covers only a prefix of the selection is accepted and reported as a prefix,
unless --complete is given. Exit status 1 on any problem.

Per line: exactly the fields id, doc, a, b, same, kind, a_id, b_id; ids n001.. / w001..
contiguous in file order; a known kind with its one label; a != b; a_id and b_id gold ids.
neighbours.jsonl: the (a_id, b_id) sequence is the selection, doc/a/b are the gold texts,
paraphrase only within one article and cross_article only across two. written.jsonl: a_id ==
b_id, a claim of the sample (every sixth gold id), the gold text on side a at even sample
positions and b at odd ones, the altered kind given by k mod 5, at most one pair of each sort
per sample claim. No (a, b) text pair twice, in either order, across both files.

One exception, because the gold has claims with identical texts in two articles (000-004 and
001-006, for instance): a selected neighbour pair of two such claims has a == b (it must be
labelled same), and two selected pairs may then have the same texts under different gold ids
(they must have the same label and kind, paraphrase and cross_article
counting as one). Both are accepted for neighbours.jsonl only and listed.
"""
import glob
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GOLD = os.path.join(ROOT, "gold")
EVAL = os.path.join(GOLD, "eval")
CANDIDATES = os.path.join(EVAL, "candidates.jsonl")
NEIGHBOURS = os.path.join(EVAL, "neighbours.jsonl")
WRITTEN = os.path.join(EVAL, "written.jsonl")

LABEL = {"paraphrase": True, "cross_article": True, "partial": False, "number": False,
         "negation": False, "name": False, "roles": False, "unrelated": False}
KINDS = list(LABEL)
FIELDS = {"id", "doc", "a", "b", "same", "kind", "a_id", "b_id"}
ALTERED = ["partial", "number", "negation", "name", "roles"]  # by k mod 5
WORD = re.compile(r"[a-z0-9]{3,}")


def load_gold():
    claims = []
    for path in sorted(glob.glob(os.path.join(GOLD, "0*.jsonl"))):
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    claims.append(json.loads(line))
    claims.sort(key=lambda c: c["id"])
    return claims


def words(text):
    return set(WORD.findall(text.lower()))


def jaccard(x, y):
    u = x | y
    return len(x & y) / len(u) if u else 0.0


def select(claims):
    """The selected pairs, as (a_id, b_id) in selection order."""
    ws = [words(c["text"]) for c in claims]
    pairs, seen = [], set()
    for i, c in enumerate(claims):
        for own in (True, False):
            best, best_j = None, -1.0
            for j, d in enumerate(claims):  # id order, so a strict > keeps the smaller id on ties
                if j == i or (d["doc"] == c["doc"]) != own:
                    continue
                s = jaccard(ws[i], ws[j])
                if s > best_j:
                    best, best_j = j, s
            if best is None:
                continue
            key = tuple(sorted((c["id"], claims[best]["id"])))
            if key not in seen:
                seen.add(key)
                pairs.append(key)
    return pairs


def candidate(by_id, a_id, b_id):
    a, b = by_id[a_id], by_id[b_id]
    doc = a["doc"] if a["doc"] == b["doc"] else a["doc"] + "+" + b["doc"]
    return {"a_id": a_id, "b_id": b_id, "doc": doc, "a": a["text"], "b": b["text"]}


def write_candidates(path, select_pairs):
    """Write the pairs `select_pairs(claims)` chooses as unlabelled candidates to `path`."""
    claims = load_gold()
    by_id = {c["id"]: c for c in claims}
    pairs = select_pairs(claims)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for a_id, b_id in pairs:
            f.write(json.dumps(candidate(by_id, a_id, b_id), ensure_ascii=False) + "\n")
    same = sum(1 for a, b in pairs if a[:3] == b[:3])
    print(f"{len(claims)} claims, {len(pairs)} pairs ({same} same-article, {len(pairs) - same} "
          f"cross-article) -> {os.path.relpath(path, ROOT)}")


def cmd_select():
    write_candidates(CANDIDATES, select)


def identical(by_id, r):
    """A selected pair of two gold claims (different articles) whose texts are identical."""
    a, b = by_id.get(r["a_id"]), by_id.get(r["b_id"])
    return bool(a and b) and r["a_id"] != r["b_id"] and a["text"] == b["text"] == r["a"]


def identical_ids(by_id, r, s):
    """Two selected pairs with the same texts but different gold ids (identical gold texts)."""
    return (r["a_id"], r["b_id"]) != (s["a_id"], s["b_id"]) and \
        all(k in by_id for k in (r["a_id"], r["b_id"], s["a_id"], s["b_id"]))


def same_kind(r, s):
    """The same label and kind, counting paraphrase and cross_article as one."""
    k = lambda x: "cross_article" if x["kind"] == "paraphrase" else x["kind"]
    return r["same"] == s["same"] and k(r) == k(s)


def read_pairs(path, prefix, by_id, problems, seen, notes):
    rows = []
    name = os.path.relpath(path, ROOT)
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for n, line in enumerate(lines, 1):
        where = f"{name}:{n}"
        try:
            r = json.loads(line)
        except ValueError as e:
            problems.append(f"{where}: not JSON ({e})")
            continue
        if not isinstance(r, dict) or set(r) != FIELDS:
            problems.append(f"{where}: fields must be exactly {sorted(FIELDS)}")
            continue
        if r["id"] != f"{prefix}{n:03d}":
            problems.append(f"{where}: id {r['id']!r}, expected {prefix}{n:03d}")
        if r["kind"] not in LABEL:
            problems.append(f"{where}: unknown kind {r['kind']!r}")
        elif r["same"] is not LABEL[r["kind"]]:
            problems.append(f"{where}: kind {r['kind']} needs same={LABEL[r['kind']]}")
        for k in ("a", "b", "doc"):
            if not isinstance(r[k], str) or not r[k].strip():
                problems.append(f"{where}: {k} must be a non-empty string")
        if r["a"] == r["b"] and not (prefix == "n" and identical(by_id, r)):
            problems.append(f"{where}: a equals b")
        for k in ("a_id", "b_id"):
            if r[k] not in by_id:
                problems.append(f"{where}: {k} {r[k]!r} is not a gold claim id")
        pair = (r["a"], r["b"])
        if isinstance(r["a"], str) and isinstance(r["b"], str):
            first = seen.get(pair) or seen.get(pair[::-1])
            if first is None:
                seen[pair] = (where, r, prefix)
            elif prefix == "n" and first[2] == "n" and \
                    same_kind(first[1], r) and identical_ids(by_id, first[1], r):
                notes.append(f"{where}: same texts as {first[0]} (gold claims with identical texts), same label")
            else:
                problems.append(f"{where}: pair already occurs (here or in the other file) at {first[0]}")
        rows.append((where, r))
    return rows


def check_neighbours(rows, by_id, expected, problems, complete):
    if len(rows) > len(expected):
        problems.append(f"neighbours: {len(rows)} lines, but the selection has only {len(expected)} pairs")
    for (where, r), (a_id, b_id) in zip(rows, expected):
        if (r["a_id"], r["b_id"]) != (a_id, b_id):
            problems.append(f"{where}: ({r['a_id']}, {r['b_id']}), the selection has ({a_id}, {b_id}) here")
            continue
        c = candidate(by_id, a_id, b_id)
        for k in ("doc", "a", "b"):
            if r[k] != c[k]:
                problems.append(f"{where}: {k} differs from the gold ({c[k]!r})")
        one = "+" not in c["doc"]
        if r["a"] == r["b"] and r["same"] is not True:
            problems.append(f"{where}: two gold claims with identical texts must be labelled same")
        if r["kind"] == "paraphrase" and not one:
            problems.append(f"{where}: paraphrase across two articles (use cross_article)")
        if r["kind"] == "cross_article" and one:
            problems.append(f"{where}: cross_article within one article (use paraphrase)")
    if len(rows) < len(expected):
        msg = f"neighbours.jsonl covers a PREFIX of the selection: {len(rows)} of {len(expected)} pairs labelled"
        if complete:
            problems.append(msg)
        return msg
    return f"neighbours.jsonl: all {len(expected)} selected pairs, in selection order"


def check_written(rows, claims, by_id, problems):
    ids = [c["id"] for c in claims]
    sample = {ids[p]: p // 6 for p in range(0, len(ids), 6)}
    got = {}
    for where, r in rows:
        g = r["a_id"]
        if r["a_id"] != r["b_id"]:
            problems.append(f"{where}: a_id and b_id must be the same gold id")
            continue
        if g not in sample:
            problems.append(f"{where}: {g} is not in the sample (every sixth gold claim)")
            continue
        k = sample[g]
        gold_side, new_side = ("a", "b") if k % 2 == 0 else ("b", "a")
        if r[gold_side] != by_id[g]["text"]:
            problems.append(f"{where}: sample position {k}: `{gold_side}` must be the gold text of {g}")
        if r[new_side] == by_id[g]["text"]:
            problems.append(f"{where}: the written claim equals the gold claim")
        if r["doc"] != by_id[g]["doc"]:
            problems.append(f"{where}: doc must be {by_id[g]['doc']}")
        want = "paraphrase" if r["same"] is True else ALTERED[k % 5]
        if r["kind"] != want:
            problems.append(f"{where}: sample position {k}: kind {r['kind']!r}, the procedure gives {want!r}")
        slot = "paraphrase" if r["same"] is True else "altered"
        if (g, slot) in got:
            problems.append(f"{where}: second {slot} pair for {g} (first at {got[(g, slot)]})")
        got[(g, slot)] = where
    done = sum(1 for g in sample if (g, "paraphrase") in got and (g, "altered") in got)
    return f"written.jsonl: {done} of {len(sample)} sample claims have both their pairs"


def table(files):
    """Markdown counts: per kind, same, n per file, total."""
    names = [n for n, _ in files]
    head = "| kind | same | " + " | ".join(f"`{n}`" for n in names) + " | total |"
    out = [head, "|---|---|" + "---|" * len(names) + "---|"]
    for kind in KINDS:
        ns = [sum(1 for _, r in rows if r["kind"] == kind) for _, rows in files]
        out.append(f"| `{kind}` | {str(LABEL[kind]).lower()} | " + " | ".join(map(str, ns)) + f" | {sum(ns)} |")
    cells = []
    for _, rows in files + [("total", [x for _, rs in files for x in rs])]:
        t = sum(1 for _, r in rows if r["same"] is True)
        cells.append(f"{len(rows)} ({t} true / {len(rows) - t} false)")
    out.append("| **total** | | " + " | ".join(cells) + " |")
    return "\n".join(out)


def cmd_check(complete):
    claims = load_gold()
    by_id = {c["id"]: c for c in claims}
    problems, seen, files, notes = [], {}, [], []
    if os.path.exists(NEIGHBOURS):
        rows = read_pairs(NEIGHBOURS, "n", by_id, problems, seen, notes)
        notes.append(check_neighbours(rows, by_id, select(claims), problems, complete))
        files.append(("neighbours.jsonl", rows))
    if os.path.exists(WRITTEN):
        rows = read_pairs(WRITTEN, "w", by_id, problems, seen, notes)
        notes.append(check_written(rows, claims, by_id, problems))
        files.append(("written.jsonl", rows))
    if not files:
        problems.append("neither gold/eval/neighbours.jsonl nor gold/eval/written.jsonl exists")
    for note in notes:
        print(note)
    if files:
        print()
        print(table(files))
        print()
    for p in problems:
        print("PROBLEM:", p)
    print(f"{len(problems)} problems")
    return 1 if problems else 0


def main():
    args = sys.argv[1:]
    if args == ["select"]:
        cmd_select()
        return 0
    if args and args[0] == "check" and set(args[1:]) <= {"--complete"}:
        return cmd_check("--complete" in args)
    print("usage: python3 gold/tools/eval_pairs.py select | check [--complete]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
