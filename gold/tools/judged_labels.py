"""Rebuild a judged set's labels from its judges' raw answers (gold/judged2/ layout).

    python3 gold/tools/judged_labels.py gold/judged2           # write labels/ and second/
    python3 gold/tools/judged_labels.py gold/judged2 --check   # compare with the committed files

Reads tasks/q_mapping.json (neutral id -> prediction id), tasks/a_q_<doc>.jsonl (judge A, every document) and
tasks/b_q_<doc>.jsonl (judge B, where present), checks each answer (ids in order, the four lists present, a gold
id of the document in at most one list, `stated` one of all/some/none), and writes labels/<system>.jsonl and
second/<system>.jsonl in the predictions' order, each line the prediction plus its labels and the judge.
"""

import json
import sys
from pathlib import Path

LISTS = ["same", "bundles", "part_of", "overlaps"]


def answers(root, judge, mapping):
    out = {}
    for path in sorted((root / "tasks").glob(f"{judge}_q_*.jsonl")):
        doc = path.stem.split("_")[-1]
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        want = sorted(q for q in mapping if q.startswith(f"q{doc}-"))
        if [r["q"] for r in rows] != want:
            sys.exit(f"{path}: the answers' ids are not the task's {len(want)} ids in order")
        for n, r in enumerate(rows, 1):
            ids = [g for k in LISTS for g in r[k]]
            if len(ids) != len(set(ids)) or any(not g.startswith(doc + "-") for g in ids):
                sys.exit(f"{path}:{n}: a gold id twice, or of another document")
            if r["stated"] not in ("all", "some", "none"):
                sys.exit(f"{path}:{n}: stated: {r['stated']!r}")
            out[mapping[r["q"]]] = r
    return out


def lines(root, labels, judge):
    files = {}
    for pred_file in sorted((root / "predictions").glob("*.jsonl")):
        out = []
        for line in pred_file.read_text(encoding="utf-8").splitlines():
            p = json.loads(line)
            r = labels.get(p["id"])
            if r is None:
                continue
            row = {"id": p["id"], "doc": p["doc"], "text": p["text"]}
            row.update({k: r[k] for k in LISTS})
            row.update({"stated": r["stated"], "judge": judge})
            out.append(json.dumps(row, ensure_ascii=False) + "\n")
        files[pred_file.name] = "".join(out)
    return files


def main():
    root = Path(sys.argv[1])
    check = "--check" in sys.argv[2:]
    mapping = json.loads((root / "tasks" / "q_mapping.json").read_text(encoding="utf-8"))
    differ = []
    for sub, judge, letter in [("labels", "A", "a"), ("second", "B", "b")]:
        labels = answers(root, letter, mapping)
        if not labels:
            continue
        for name, text in lines(root, labels, judge).items():
            path = root / sub / name
            if check:
                if not path.exists() or path.read_text(encoding="utf-8") != text:
                    differ.append(str(path))
            else:
                path.parent.mkdir(exist_ok=True)
                path.write_text(text, encoding="utf-8")
    if differ:
        sys.exit("differs from the raw answers: " + ", ".join(differ))
    print("ok" if check else "written")


if __name__ == "__main__":
    main()
