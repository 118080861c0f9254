#!/usr/bin/env python3
"""Issue 14's procedure C: align and the cross-encoder (procedure B) combined, measured once.

Procedure B's cross-encoder and align err on close to complementary pairs (align loses partial
overlaps, the cross-encoder loses restatements), so this candidate gives both probabilities to one
monotone logistic calibration. Fixed 2026-12-02, before the combination first ran:

* Inputs: align's score for every pair (`claimbench similarity --pairs F --json`, the committed
  default, over the tuning and the frozen pairs: `--guards-tuning`, `--guards-frozen`); the
  cross-encoder's held-out-by-article scores on the tuning pairs (`cross_encoder_trial.py` with
  procedure B's settings, `--skip-final`: five folds, `--ce-tuning`), and the all-tuning model's
  scores on the frozen pairs (procedure B's committed `results/cross_encoder_b.json`, `--ce-frozen`).
* Features: z_align = logit(align score), z_ce = logit(cross-encoder score), each clipped to
  [1e-4, 1 - 1e-4]. Model: p = sigmoid(w0 + w1 z_align + w2 z_ce) with w1, w2 >= 0 (so p never
  falls when either input rises), fitted by maximum likelihood with an L2 penalty of 1e-3 on w1 and
  w2 (L-BFGS-B, scipy), unweighted, "same" at p >= 0.5.
* Fitted on the pairs of gold/tuning/neighbours.jsonl and gold/tuning/written.jsonl only: align was
  fitted on gold/pairs.jsonl, so its scores there are in-sample; on gold/tuning/ both inputs are
  held out. Pairs a guard vetoes and pairs of identical texts are left out of the fit: claimbench
  decides those before any score (a veto is "different", identical texts are 1.0), and so does this
  script when it scores.
* Then the frozen pairs (gold/eval/), once. Reported beside it, not chosen by: the plain mean of the
  two probabilities (no fitting), and each input alone.
* Rule: if the frozen figures meet issue 14's three targets (accuracy >= 0.90, every kind >= 0.80,
  AUC >= 0.95), the next step is a cross-encoder that claimbench trains itself with candle and this
  combination as the default's calibration; otherwise the figures stand in CANDIDATES.md.

Output: one JSON object on stdout (the weights, the summary tables); needs scipy and scikit-learn
(the throwaway venv of cross_encoder_trial.py). Not part of the test suite.
"""

import argparse
import json
import math
import sys

import numpy as np
from scipy.optimize import minimize

from cross_encoder_trial import FROZEN, TUNING, align_decisions, load, summary

FIT_FILES = {"gold/tuning/neighbours.jsonl", "gold/tuning/written.jsonl"}
EPS = 1e-4
L2 = 1e-3


def logit(p):
    p = min(max(p, EPS), 1 - EPS)
    return math.log(p / (1 - p))


def ce_scores(path, key, rows):
    scores = json.load(open(path))[key]
    out = []
    for r in rows:
        k = r["id"] + "@" + r["file"]
        if k not in scores:
            sys.exit(f"{path}: no {key} score for pair {k}")
        out.append(scores[k])
    return out


def fit(x, y):
    """Monotone logistic regression: weights after the intercept held >= 0."""

    def loss(w):
        z = x @ w[1:] + w[0]
        nll = np.sum(np.logaddexp(0.0, z) - y * z)
        g = x.T @ (1 / (1 + np.exp(-z)) - y)
        return nll + L2 * np.sum(w[1:] ** 2), np.concatenate(
            [[np.sum(1 / (1 + np.exp(-z)) - y)], g + 2 * L2 * w[1:]])

    w0 = np.zeros(x.shape[1] + 1)
    bounds = [(None, None)] + [(0.0, None)] * x.shape[1]
    res = minimize(loss, w0, jac=True, method="L-BFGS-B", bounds=bounds)
    if not res.success:
        sys.exit(f"fit did not converge: {res.message}")
    return res.x


def combined(w, za, zc):
    z = w[0] + w[1] * za + w[2] * zc
    return 1 / (1 + math.exp(-z))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--guards-tuning", required=True)
    ap.add_argument("--guards-frozen", required=True)
    ap.add_argument("--ce-tuning", required=True, help="cross_encoder_trial.py --skip-final output")
    ap.add_argument("--ce-frozen", required=True, help="procedure B's output (results/cross_encoder_b.json)")
    args = ap.parse_args()

    tuning, frozen = load(TUNING), load(FROZEN)
    t_vet, t_same, t_align = align_decisions(args.guards_tuning, tuning)
    f_vet, f_same, f_align = align_decisions(args.guards_frozen, frozen)
    t_ce = ce_scores(args.ce_tuning, "tuning_scores", tuning)
    f_ce = ce_scores(args.ce_frozen, "frozen_scores", frozen)

    idx = [i for i, r in enumerate(tuning)
           if r["file"] in FIT_FILES and r["id"] not in t_vet and r["id"] not in t_same]
    x = np.array([[logit(t_align[i]), logit(t_ce[i])] for i in idx])
    y = np.array([1.0 if tuning[i]["same"] else 0.0 for i in idx])
    w = fit(x, y)
    print(f"fitted on {len(idx)} pairs ({int(y.sum())} same): w0 {w[0]:.4f}, "
          f"w_align {w[1]:.4f}, w_ce {w[2]:.4f}", file=sys.stderr)

    def scores(rows, align, ce, same, how):
        out = []
        for r, a, c in zip(rows, align, ce):
            if r["id"] in same:
                out.append(1.0)
            elif how == "combined":
                out.append(combined(w, logit(a), logit(c)))
            else:
                out.append((a + c) / 2)
        return out

    def refit_align():
        v = fit(x[:, :1], y)
        return [1.0 if r["id"] in t_same else 1 / (1 + math.exp(-(v[0] + v[1] * logit(a))))
                for r, a in zip(tuning, t_align)]

    fit_rows = [r for r in tuning if r["file"] in FIT_FILES]
    keep = [i for i, r in enumerate(tuning) if r["file"] in FIT_FILES]

    def sub(xs):
        return [xs[i] for i in keep]

    result = {
        "procedure": {"features": ["logit(align)", "logit(cross-encoder B)"], "l2": L2, "clip": EPS,
                      "fit_files": sorted(FIT_FILES), "fit_pairs": len(idx)},
        "weights": {"intercept": round(w[0], 6), "align": round(w[1], 6), "cross_encoder": round(w[2], 6)},
        "frozen_combined": summary(frozen, scores(frozen, f_align, f_ce, f_same, "combined"), f_vet),
        "frozen_mean": summary(frozen, scores(frozen, f_align, f_ce, f_same, "mean"), f_vet),
        "frozen_align": summary(frozen, f_align, set()),
        "frozen_ce_guarded": summary(frozen, [1.0 if r["id"] in f_same else c for r, c in zip(frozen, f_ce)],
                                     f_vet),
        "fit_set_combined": summary(fit_rows, sub(scores(tuning, t_align, t_ce, t_same, "combined")), t_vet),
        "fit_set_align": summary(fit_rows, sub(t_align), set()),
        # Added after the one run (tuning pairs only, no frozen figure): align's logit alone, refitted the
        # same way, to show what the cross-encoder's input adds over a new cut on align.
        "fit_set_align_refitted": summary(fit_rows, sub(refit_align()), t_vet),
        "fit_set_ce_guarded": summary(
            fit_rows, sub([1.0 if r["id"] in t_same else c for r, c in zip(tuning, t_ce)]), t_vet),
    }
    json.dump(result, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
