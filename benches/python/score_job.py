# The Python side of issue 7's whole-process comparison: one scoring job, start-up and model load
# included. Time the whole process from outside, e.g. `/usr/bin/time -v VENV/bin/python ...`.
#
# How to run (a throwaway venv outside the repository):
#   python3 -m venv VENV
#   VENV/bin/pip install torch==2.15.0 sentence-transformers==6.2.0 transformers==5.23.0 \
#       scipy==1.17.1 numpy==2.4.6
#   VENV/bin/python benches/python/score_job.py --model-dir models/all-minilm-l6-v2
#
# The job: --n (default 500) predicted claims against --n gold claims. Predicted: the seed sentences
# (seeds/*.txt, naive split) in file order, cycled to n; gold: the "text" of every claim in
# gold/NNN.jsonl (000.jsonl, 001.jsonl, ...; not pairs.jsonl) in file order, cycled to n.
# --pred FILE / --gold FILE (one text a line) replace them, so that claimbench can be run on
# exactly the same texts. Both sides are embedded with sentence-transformers (batch 32,
# normalised by the model), the n x n cosine matrix is computed,
# scipy.optimize.linear_sum_assignment(maximize=True) gives the one-to-one matching, pairs with
# cosine >= threshold (default 0.5) count as true positives.
# Prints one JSON line to stdout:
#   {"pred": n, "gold": n, "threshold": t, "tp": k, "precision": p, "recall": r, "f1": f}
# and phase timings (import, load, embed, match) to stderr.

import time

T0 = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from scipy.optimize import linear_sum_assignment  # noqa: E402
from sentence_transformers import SentenceTransformer  # noqa: E402

T_IMPORT = time.perf_counter()


def seed_sentences(repo_root):
    paths = sorted((repo_root / "seeds").glob("*.txt"))
    if not paths:
        sys.exit(f"no seeds/*.txt under {repo_root}")
    out = []
    for path in paths:
        for para in re.split(r"\n+", path.read_text(encoding="utf-8")):
            parts = re.split(r"(?<=[.!?])(?<![A-Z]\.)([\"”’]?)\s+", para.strip())
            for i in range(0, len(parts), 2):
                s = (parts[i] + (parts[i + 1] if i + 1 < len(parts) else "")).strip()
                if s:
                    out.append(s)
    return out


def gold_claims(repo_root):
    out = []
    for path in sorted((repo_root / "gold").glob("[0-9][0-9][0-9].jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(json.loads(line)["text"])
    if not out:
        sys.exit(f"no claims in gold/NNN.jsonl under {repo_root}")
    return out


def lines(path):
    return [l for l in path.read_text(encoding="utf-8").splitlines() if l.strip()]


def cycle(xs, n):
    return (xs * (n // len(xs) + 1))[:n]


def main():
    here = Path(__file__).resolve().parent
    repo_root = here.parents[1]
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", type=Path, default=repo_root / "models" / "all-minilm-l6-v2")
    ap.add_argument("--pred", type=Path)
    ap.add_argument("--gold", type=Path)
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()

    pred = cycle(lines(args.pred) if args.pred else seed_sentences(repo_root), args.n)
    gold = cycle(lines(args.gold) if args.gold else gold_claims(repo_root), args.n)

    t_load0 = time.perf_counter()
    model = SentenceTransformer(str(args.model_dir), device=args.device)
    t_load = time.perf_counter()
    p = model.encode(pred, batch_size=args.batch_size, convert_to_numpy=True)
    g = model.encode(gold, batch_size=args.batch_size, convert_to_numpy=True)
    t_embed = time.perf_counter()

    # Rows are unit vectors (the model's Normalize module); normalise again to be safe.
    p = p / np.maximum(np.linalg.norm(p, axis=1, keepdims=True), 1e-12)
    g = g / np.maximum(np.linalg.norm(g, axis=1, keepdims=True), 1e-12)
    sim = p @ g.T
    rows, cols = linear_sum_assignment(sim, maximize=True)
    tp = int((sim[rows, cols] >= args.threshold).sum())
    t_match = time.perf_counter()

    precision = tp / len(pred) if pred else 0.0
    recall = tp / len(gold) if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    print(json.dumps({"pred": len(pred), "gold": len(gold), "threshold": args.threshold, "tp": tp,
                      "precision": round(precision, 6), "recall": round(recall, 6),
                      "f1": round(f1, 6)}))
    print(
        f"import {T_IMPORT - T0:.3f}s, load {t_load - t_load0:.3f}s, embed {t_embed - t_load:.3f}s, "
        f"match {t_match - t_embed:.3f}s, total in-process {t_match - T0:.3f}s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
