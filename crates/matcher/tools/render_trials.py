#!/usr/bin/env python3
"""Tables of the candidate trials (cross_encoder_trial.py, mpnet_trial.py) as Markdown, from their
committed JSON outputs: `python3 render_trials.py results/cross_encoder.json results/mpnet.json
[results/cross_encoder_b.json [results/combined_c.json results/cross_encoder_b_folds.json]]` (procedure
B, frozen pairs only; procedure C, the frozen pairs and its fit set, gold/tuning/; B's by-article folds)."""

import json
import sys

KINDS = ["paraphrase", "cross_article", "partial", "number", "negation", "name", "roles", "unrelated"]


def row(name, s):
    a = s["all"]
    kinds = " | ".join(f"{s[k]['accuracy']:.3f}" if k in s else "" for k in KINDS)
    return f"| {name} | {a['accuracy']:.3f} | {a['kappa']:.3f} | {a['auc']:.3f} | {kinds} |"


def table(title, rows):
    head = "| candidate | accuracy | kappa | AUC | " + " | ".join(KINDS) + " |"
    rule = "|---|---:|---:|---:|" + "---:|" * len(KINDS)
    return "\n".join([f"**{title}**", "", head, rule] + rows + [""])


def rows(d, spec):
    """One row per (label, key) of `spec`, from the trial output `d`."""
    return [row(label, d[key]) for label, key in spec]


def main():
    ce = json.load(open(sys.argv[1]))
    mp = json.load(open(sys.argv[2]))
    frozen = rows(ce, [("align (the default, as committed)", "frozen_align"),
                       ("cross-encoder, alone", "frozen"),
                       ("cross-encoder + align's guards", "frozen_guarded")])
    tuning = rows(ce, [("align (as committed: fitted on gold/pairs.jsonl, so flattering there)",
                        "tuning_align_as_committed"),
                       ("cross-encoder, alone", "tuning_held_out"),
                       ("cross-encoder + align's guards", "tuning_held_out_guarded")])
    fit_set = []
    if len(sys.argv) > 3:
        frozen += rows(json.load(open(sys.argv[3])), [("cross-encoder B, alone", "frozen"),
                                                       ("cross-encoder B + align's guards", "frozen_guarded")])
    if len(sys.argv) > 4:
        c = json.load(open(sys.argv[4]))
        frozen += rows(c, [("align + cross-encoder B, one monotone calibration (procedure C)", "frozen_combined"),
                           ("mean of align and cross-encoder B (no fitting; printed beside C)", "frozen_mean")])
        fit_set = rows(c, [("align (as committed; never fitted on these)", "fit_set_align"),
                           ("cross-encoder B held out by article + align's guards", "fit_set_ce_guarded"),
                           ("procedure C (in-sample: fitted on these)", "fit_set_combined"),
                           ("align's logit alone, refitted the same way (in-sample)", "fit_set_align_refitted")])
    if len(sys.argv) > 5:
        tuning += rows(json.load(open(sys.argv[5])), [("cross-encoder B, alone", "tuning_held_out"),
                                                       ("cross-encoder B + align's guards",
                                                        "tuning_held_out_guarded")])
    for name, m in mp.items():
        t = m["threshold"]
        frozen.append(row(f"{name} cosine >= {t:.4f}", m["frozen"]))
        frozen.append(row(f"{name} cosine >= {t:.4f} + align's guards", m["frozen_guarded"]))
        tuning.append(row(f"{name} cosine >= {t:.4f} (cut chosen on these pairs)", m["tuning"]))
        tuning.append(row(f"{name} cosine >= {t:.4f} + align's guards", m["tuning_guarded"]))
    print(table("Frozen pairs (gold/eval/, 479): the honest figures", frozen))
    print(table("Tuning pairs (gold/pairs.jsonl and gold/tuning/, 673), held out by article", tuning))
    if fit_set:
        print(table("Procedure C's fit set (gold/tuning/, 446)", fit_set))


if __name__ == "__main__":
    main()
