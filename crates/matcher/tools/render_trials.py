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


def main():
    ce = json.load(open(sys.argv[1]))
    mp = json.load(open(sys.argv[2]))
    frozen = [
        row("align (the default, as committed)", ce["frozen_align"]),
        row("cross-encoder, alone", ce["frozen"]),
        row("cross-encoder + align's guards", ce["frozen_guarded"]),
    ]
    tuning = [
        row("align (as committed: fitted on gold/pairs.jsonl, so flattering there)", ce["tuning_align_as_committed"]),
        row("cross-encoder, alone", ce["tuning_held_out"]),
        row("cross-encoder + align's guards", ce["tuning_held_out_guarded"]),
    ]
    if len(sys.argv) > 3:
        b = json.load(open(sys.argv[3]))
        frozen.append(row("cross-encoder B, alone", b["frozen"]))
        frozen.append(row("cross-encoder B + align's guards", b["frozen_guarded"]))
    fit_set = []
    if len(sys.argv) > 4:
        c = json.load(open(sys.argv[4]))
        frozen.append(row("align + cross-encoder B, one monotone calibration (procedure C)", c["frozen_combined"]))
        frozen.append(row("mean of align and cross-encoder B (no fitting; printed beside C)", c["frozen_mean"]))
        fit_set = [
            row("align (as committed; never fitted on these)", c["fit_set_align"]),
            row("cross-encoder B held out by article + align's guards", c["fit_set_ce_guarded"]),
            row("procedure C (in-sample: fitted on these)", c["fit_set_combined"]),
            row("align's logit alone, refitted the same way (in-sample)", c["fit_set_align_refitted"]),
        ]
    if len(sys.argv) > 5:
        f = json.load(open(sys.argv[5]))
        tuning.append(row("cross-encoder B, alone", f["tuning_held_out"]))
        tuning.append(row("cross-encoder B + align's guards", f["tuning_held_out_guarded"]))
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
