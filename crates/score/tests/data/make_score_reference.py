# Makes the score crate's reference data with the real Python libraries:
#   rouge_reference.json     ROUGE-L from rouge-score (RougeScorer(["rougeL"], use_stemmer=False))
#   token_f1_reference.json  token F1 with the SQuAD v1.1 evaluation script's definition
#   lsa_reference.json       scipy.optimize.linear_sum_assignment(m, maximize=True)
#
# How to run (a throwaway venv outside the repository):
#   python3 -m venv VENV
#   VENV/bin/pip install rouge-score==0.1.2 nltk==3.10.4 scipy==1.17.1 numpy==2.4.6
#   VENV/bin/python crates/score/tests/data/make_score_reference.py
# Options: --repo-root (default: the repository root, four folders above this script; the pairs
# are made from its seeds/*.txt), --out-dir (default: this script's folder).
# Deterministic: seeded RNGs only, so a rerun gives byte-identical files.
#
# Formats:
#   rouge:    {"generator", "use_stemmer": false, "cases": [{"pred", "gold", "precision", "recall", "fmeasure"}]}
#   token f1: {"generator", "cases": [{"pred", "gold", "f1"}]}
#   lsa:      {"generator", "cases": [{"rows", "cols", "matrix", "maximize": true, "row_ind", "col_ind", "total"}]}
# The matrix is row-major, float64; total = sum of matrix[row_ind[k]][col_ind[k]] in float64.
# With ties (the rounded matrices) another optimal assignment may differ in row_ind/col_ind but
# never in total: compare totals (and check the assignment is one-to-one and of size min(rows, cols)).

import argparse
import json
import platform
import random
import re
import string
import sys
from collections import Counter
from pathlib import Path

import nltk
import numpy as np
import scipy
from rouge_score import rouge_scorer
from scipy.optimize import linear_sum_assignment

try:
    from importlib.metadata import version as _pkg_version
except ImportError:  # pragma: no cover
    _pkg_version = None


def pkg_version(name):
    try:
        return _pkg_version(name)
    except Exception:
        return "unknown"


# --- SQuAD v1.1 token F1, written from the evaluation script's definition -----------------------


def normalize_answer(s):
    """Lower case, remove punctuation (string.punctuation), remove the articles a/an/the as whole
    words, collapse whitespace."""
    s = s.lower()
    exclude = set(string.punctuation)
    s = "".join(ch for ch in s if ch not in exclude)
    s = re.sub(r"\b(a|an|the)\b", " ", s)
    return " ".join(s.split())


def squad_f1(prediction, ground_truth):
    pred_tokens = normalize_answer(prediction).split()
    gold_tokens = normalize_answer(ground_truth).split()
    common = Counter(pred_tokens) & Counter(gold_tokens)
    num_same = sum(common.values())
    if num_same == 0:
        return 0.0
    precision = num_same / len(pred_tokens)
    recall = num_same / len(gold_tokens)
    return (2 * precision * recall) / (precision + recall)


# --- pairs from the seeds ---------------------------------------------------------------------


def read_sentences(repo_root):
    paths = sorted((repo_root / "seeds").glob("*.txt"))
    if not paths:
        sys.exit(f"no seeds/*.txt under {repo_root}")
    out = []  # (doc index, sentence)
    for di, path in enumerate(paths):
        text = path.read_text(encoding="utf-8")
        for para in re.split(r"\n+", text):
            para = para.strip()
            if not para:
                continue
            parts = re.split(r"(?<=[.!?])(?<![A-Z]\.)([\"”’]?)\s+", para)
            for i in range(0, len(parts), 2):
                s = parts[i] + (parts[i + 1] if i + 1 < len(parts) else "")
                s = s.strip()
                if s:
                    out.append((di, s))
    # Dedupe, keep order.
    seen = set()
    uniq = []
    for di, s in out:
        if s not in seen:
            seen.add(s)
            uniq.append((di, s))
    return uniq


def change_numbers(s, rng):
    def repl(m):
        n = int(m.group(0))
        return str(n + rng.choice([1, 2, 10, -1]) if n > 1 else n + 3)

    return re.sub(r"\d+", repl, s, count=1)


def make_pairs(sents, rng):
    texts = [s for _, s in sents]
    mid = [s for s in texts if 6 <= len(s.split()) <= 40]
    with_digits = [s for s in mid if re.search(r"\d", s)]
    non_ascii = [s for s in texts if any(ord(c) > 127 for c in s)]
    pairs = []

    # Identical strings.
    for s in rng.sample(mid, 14):
        pairs.append((s, s))
    # Dropped words (pred is the gold with 1-4 words removed), and the other way round.
    for k, s in enumerate(rng.sample(mid, 26)):
        w = s.split()
        drop = set(rng.sample(range(len(w)), min(len(w) - 1, 1 + k % 4)))
        short = " ".join(x for i, x in enumerate(w) if i not in drop)
        pairs.append((short, s) if k % 2 == 0 else (s, short))
    # Reordered words or clauses.
    for k, s in enumerate(rng.sample(mid, 16)):
        w = s.split()
        if k % 2 == 0:
            w2 = w[:]
            rng.shuffle(w2)
        else:
            cut = len(w) // 2
            w2 = w[cut:] + w[:cut]
        pairs.append((" ".join(w2), s))
    # Changed numbers.
    for s in rng.sample(with_digits, min(len(with_digits), 14)):
        pairs.append((change_numbers(s, rng), s))
    # Prefixes and suffixes (partial overlap).
    for k, s in enumerate(rng.sample(mid, 12)):
        w = s.split()
        part = " ".join(w[: len(w) // 2] if k % 2 == 0 else w[len(w) // 3 :])
        pairs.append((part, s))
    # Unrelated sentences (different documents where possible).
    for _ in range(20):
        (da, a), (db, b) = rng.sample(sents, 2)
        pairs.append((a, b))
    # Same document, different sentences.
    by_doc = {}
    for d, s in sents:
        by_doc.setdefault(d, []).append(s)
    for d in sorted(by_doc):
        if len(by_doc[d]) >= 2:
            a, b = rng.sample(by_doc[d], 2)
            pairs.append((a, b))
    # Case and punctuation variants.
    for k, s in enumerate(rng.sample(mid, 10)):
        if k % 3 == 0:
            v = s.lower()
        elif k % 3 == 1:
            v = s.upper()
        else:
            v = "".join(c for c in s if c not in string.punctuation)
        pairs.append((v, s))
    # Non-ASCII from the seeds (curly quotes, dashes, bullets, mojibake, no-break space),
    # against themselves and against ASCII-folded variants.
    fold = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "—": "-", "\u00a0": " ", "•": "*"})
    for k, s in enumerate(non_ascii[:: max(1, len(non_ascii) // 12)][:12]):
        ascii_s = s.translate(fold).encode("ascii", "ignore").decode()
        pairs.append((ascii_s, s) if k % 2 == 0 else (s, s))
    # Hand-written edge cases.
    a = mid[0]
    b = mid[1]
    pairs += [
        ("", ""),
        ("", a),
        (a, ""),
        (" ", " "),
        ("   \t\n ", a),
        (a, "\n\n"),
        ("...", a),
        (a, "?!"),
        ("...", "..."),
        ("!!!", "???"),
        (",", ""),
        ("--", "—"),
        ("\"'()[]{}", "\"'()[]{}"),
        ("the", "the"),
        ("a an the", "the the"),
        ("The", "a"),
        ("an apple", "the apple"),
        ("A", "a"),
        ("Theatre then anthem", "the atre then an them"),
        ("the cat the cat", "cat"),
        ("cat cat cat", "cat dog"),
        ("dog cat", "cat dog"),
        ("a b c d e f", "f e d c b a"),
        ("20%", "20 %"),
        ("10,000 residents", "10000 residents"),
        ("U.S.", "US"),
        ("U.S. officials", "u s officials"),
        ("state-run Mir television", "state run Mir television"),
        ("It's absurd", "Its absurd"),
        ("It’s absurd", "It's absurd"),
        ("“quite absurd”", '"quite absurd"'),
        ("Café in Zürich", "Cafe in Zurich"),
        ("naïve résumé", "naive resume"),
        ("Владимир Путин встретился с Тиллерсоном", "Vladimir Putin met Tillerson"),
        ("Владимир Путин", "Владимир Путин"),
        ("普京会见蒂勒森", "普京会见蒂勒森"),
        ("Putin — Tillerson", "Putin Tillerson"),
        ("Putin\u00a0Tillerson", "Putin Tillerson"),
        ("59 cruise missiles", "fifty-nine cruise missiles"),
        ("87 people", "89 people"),
        ("Assad did not order the attack", "Assad ordered the attack"),
        (a + " " + b, a),
        (a, a + " " + b),
        (b + " " + a, a + " " + b),
        ("x", "x"),
        ("x", "y"),
        ("1", "1"),
        ("1 2 3", "3 2 1"),
    ]
    return pairs


# --- linear sum assignment cases ----------------------------------------------------------------


def lsa_cases(rng):
    shapes = [(1, 1), (1, 2), (2, 1), (1, 7), (7, 1), (2, 2), (3, 3), (2, 5), (5, 2), (4, 4),
              (3, 8), (8, 3), (6, 6), (5, 9), (9, 5), (10, 10), (7, 12), (12, 7), (15, 15),
              (11, 20), (20, 11), (16, 24), (24, 16), (25, 25), (30, 18), (18, 30), (33, 33),
              (40, 25), (25, 40), (40, 40)]
    cases = []
    for k, (r, c) in enumerate(shapes):
        cases.append(rng.random((r, c)))  # uniform [0, 1)
    # Many ties: values rounded to one decimal.
    for k, (r, c) in enumerate(shapes[::2]):
        cases.append(np.round(rng.random((r, c)), 1))
    # Some zero rows (predictions that match nothing) and zero columns.
    for k, (r, c) in enumerate(shapes[3::3]):
        m = rng.random((r, c))
        zr = rng.choice(r, size=max(1, r // 3), replace=False)
        m[zr, :] = 0.0
        if k % 2 == 1:
            zc = rng.choice(c, size=max(1, c // 4), replace=False)
            m[:, zc] = 0.0
        cases.append(m)
    # Random shapes, tall and wide.
    for k in range(12):
        r, c = int(rng.integers(1, 41)), int(rng.integers(1, 26))
        if k % 2 == 1:
            r, c = c, r
        cases.append(rng.random((r, c)))
    # Degenerate: all zeros, all equal, one-hot permutation, sparse.
    cases.append(np.zeros((4, 6)))
    cases.append(np.full((5, 3), 0.5))
    cases.append(np.eye(6)[rng.permutation(6)])
    m = rng.random((12, 9))
    m[m < 0.8] = 0.0
    cases.append(m)
    m = np.round(rng.random((20, 14)), 1)
    m[rng.choice(20, size=6, replace=False), :] = 0.0
    cases.append(m)
    out = []
    for m in cases:
        m = np.asarray(m, dtype=np.float64)
        ri, ci = linear_sum_assignment(m, maximize=True)
        out.append({
            "rows": int(m.shape[0]),
            "cols": int(m.shape[1]),
            "matrix": [[float(x) for x in row] for row in m],
            "maximize": True,
            "row_ind": [int(x) for x in ri],
            "col_ind": [int(x) for x in ci],
            "total": float(m[ri, ci].sum()),
        })
    return out


def dump(path, doc):
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=None) + "\n", encoding="utf-8")
    print(f"wrote {path.name}: {len(doc['cases'])} cases", file=sys.stderr)


def main():
    here = Path(__file__).resolve().parent
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo-root", type=Path, default=here.parents[3])
    ap.add_argument("--out-dir", type=Path, default=here)
    args = ap.parse_args()

    base = f"make_score_reference.py; python {platform.python_version()}"
    sents = read_sentences(args.repo_root)
    pairs = make_pairs(sents, random.Random(20261121))
    assert len(pairs) >= 150, len(pairs)

    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)
    rouge_cases = []
    for pred, gold in pairs:
        sc = scorer.score(target=gold, prediction=pred)["rougeL"]
        rouge_cases.append({"pred": pred, "gold": gold, "precision": float(sc.precision),
                            "recall": float(sc.recall), "fmeasure": float(sc.fmeasure)})
    dump(args.out_dir / "rouge_reference.json", {
        "generator": f"{base}, rouge-score {pkg_version('rouge-score')}, nltk {nltk.__version__}; "
                     "RougeScorer(['rougeL'], use_stemmer=False).score(target=gold, prediction=pred)",
        "use_stemmer": False,
        "cases": rouge_cases,
    })

    f1_cases = [{"pred": p, "gold": g, "f1": float(squad_f1(p, g))} for p, g in pairs]
    dump(args.out_dir / "token_f1_reference.json", {
        "generator": f"{base}; SQuAD v1.1 normalize_answer + token F1 (Counter overlap), "
                     "written from the definition in this script",
        "cases": f1_cases,
    })

    lsa = lsa_cases(np.random.default_rng(20261121))
    assert len(lsa) >= 60, len(lsa)
    dump(args.out_dir / "lsa_reference.json", {
        "generator": f"{base}, scipy {scipy.__version__}, numpy {np.__version__}; "
                     "scipy.optimize.linear_sum_assignment(m, maximize=True), "
                     "np.random.default_rng(20261121)",
        "cases": lsa,
    })


if __name__ == "__main__":
    main()
