#!/usr/bin/env python3
"""Issue 14's all-mpnet-base-v2 candidate: does a larger sentence encoder earn its cost?

Procedure: the cosine of the two claims' sentence vectors (sentence-transformers, normalised), with
the threshold that gives the best Cohen's kappa on the tuning pairs (gold/pairs.jsonl and
gold/tuning/*.jsonl; ties: the lowest). The first run took the best accuracy instead: with 82 % of
the tuning pairs different, that cut (0.9985) called only identical texts the same, for both models,
so the rule became kappa before any further run. Then that threshold on the frozen
pairs (gold/eval/), alone and with align's guards, exactly as cross_encoder_trial.py reports. The same
for all-minilm-l6-v2, for comparison. Output: JSON on stdout.
"""

import argparse
import json
import sys

import numpy as np
import torch
from sentence_transformers import SentenceTransformer
from sklearn.metrics import cohen_kappa_score

from cross_encoder_trial import FROZEN, TUNING, align_decisions, load, summary


def cosines(model, rows):
    texts = sorted({t for r in rows for t in (r["a"], r["b"])})
    vec = dict(zip(texts, model.encode(texts, batch_size=32, normalize_embeddings=True)))
    return [float(np.dot(vec[r["a"]], vec[r["b"]])) for r in rows]


def best_threshold(rows, scores):
    y = [r["same"] for r in rows]

    def kappa(t):
        d = [s >= t for s in scores]
        return cohen_kappa_score(y, d) if len(set(d)) > 1 else 0.0

    return max(sorted(set(scores)), key=lambda t: (kappa(t), -t))


def rescale(scores, t):
    """Map [t, 1] to [0.5, 1] and [-1, t) to [0, 0.5), so `summary`'s 0.5 cut is the threshold."""
    return [0.5 + 0.5 * (s - t) / (1 - t) if s >= t else 0.5 * (s + 1) / (t + 1) for s in scores]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", action="append", required=True, help="NAME=DIR (repeatable)")
    ap.add_argument("--guards-tuning")
    ap.add_argument("--guards-frozen")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    tuning, frozen = load(TUNING), load(FROZEN)
    vt, st, _ = align_decisions(args.guards_tuning, tuning)
    vf, sf, _ = align_decisions(args.guards_frozen, frozen)
    out = {}
    for spec in args.model:
        name, path = spec.split("=", 1)
        print(f"{name}: encoding", file=sys.stderr, flush=True)
        model = SentenceTransformer(path, device="cpu")
        ct = [1.0 if r["id"] in st else x for r, x in zip(tuning, cosines(model, tuning))]
        cf = [1.0 if r["id"] in sf else x for r, x in zip(frozen, cosines(model, frozen))]
        t = best_threshold(tuning, ct)
        out[name] = {
            "threshold": round(t, 4),
            "tuning": summary(tuning, rescale(ct, t), set()),
            "tuning_guarded": summary(tuning, rescale(ct, t), vt),
            "frozen": summary(frozen, rescale(cf, t), set()),
            "frozen_guarded": summary(frozen, rescale(cf, t), vf),
        }
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
