#!/usr/bin/env python3
"""Issue 14's cross-encoder candidate, measured before anything is built in Rust.

A cross-encoder reads both claims in one sequence ("[CLS] a [SEP] b [SEP]"), so every token of one
claim attends to every token of the other: the candidate that could see which parts of two claims
correspond, where align only compares two sets of token vectors. This script says whether it is
worth building (with candle) by the procedure below, fixed before the first run:

* Start from all-minilm-l6-v2 (the project's model; `--model-dir` holds its Hugging Face files), add
  one linear layer on the mean of the last hidden states, train everything with binary cross-entropy,
  AdamW (lr 2e-5, weight decay 0.01, linear warm-up over 10 % of the steps, then linear decay),
  batch 16, 4 epochs, seed 0. Each pair is shown in both orders; its score is the mean of the two
  orders' probabilities (so it is symmetric), "same" at 0.5.
* Tuning data only: gold/pairs.jsonl and gold/tuning/*.jsonl. Held out by article: one fold per
  article, each fold's model trained on the pairs that do not mention it and tested on the pairs that
  do (a pair across two articles is tested in both of its folds, and its score is the mean of the
  two). fit_align's folds (one per distinct set of articles, 15 here) would be 15 trainings of about
  4 minutes each on two cores; these are 5.
* Then one model trained on all tuning pairs, scored once on the frozen pairs (gold/eval/).
* Each figure is printed twice: the cross-encoder alone, and with align's guards (a pair on which
  `claimbench similarity --matcher align` reports a guard is "different"), which is how claimbench
  would run it. `--guards-tuning` / `--guards-frozen` are that command's `--json` output over the
  same pairs (identical texts then score 1.0, as in claimbench; align's own figures print beside).

Procedure B (fixed 2026-12-02, before its first run), for the two reasons procedure A learned next to
nothing (about 250 optimiser steps; 82 % of the pairs "different"): the same model and data,
`--epochs 10 --lr 3e-5 --pos-weight balanced` (each "same" example weighted by the training set's
ratio of "different" to "same" examples in the binary cross-entropy), and `--skip-folds` (one
training of about 12 minutes on two cores: the all-tuning model, scored once on the frozen pairs).
Rule fixed with it: if the frozen figures with align's guards meet issue 14's three targets
(accuracy >= 0.90, every kind >= 0.80, AUC >= 0.95), the next step is a cross-encoder trained by
claimbench itself with candle (its weights can't be committed, and no hub is reachable); otherwise
the figures stand in CANDIDATES.md as a measured candidate.

Procedure C's first half (fixed 2026-12-02, before its run; see combine_trial.py): procedure B's
settings without `--skip-folds` and with `--skip-final`, so the five by-article folds alone, giving
held-out scores for every tuning pair (the all-tuning model's frozen scores are procedure B's, which
is deterministic: seed 0 and `torch.use_deterministic_algorithms`).

Output: one JSON object (per-pair scores and the summary tables) on stdout; progress on stderr.
Needs torch, transformers, scikit-learn (a throwaway venv). Not part of the test suite.
"""

import argparse
import json
import math
import random
import sys
from collections import defaultdict
from pathlib import Path

import torch
from sklearn.metrics import cohen_kappa_score, roc_auc_score
from transformers import AutoModel, AutoTokenizer

ROOT = Path(__file__).resolve().parents[3]
TUNING = ["gold/pairs.jsonl", "gold/tuning/neighbours.jsonl", "gold/tuning/written.jsonl"]
FROZEN = ["gold/eval/neighbours.jsonl", "gold/eval/written.jsonl"]


def load(paths):
    out = []
    for p in paths:
        for n, line in enumerate((ROOT / p).read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                r = json.loads(line)
                r["file"] = p
                r["line"] = n
                r["docs"] = frozenset(r["doc"].split("+"))
                out.append(r)
    return out


class CrossEncoder(torch.nn.Module):
    def __init__(self, model_dir):
        super().__init__()
        self.bert = AutoModel.from_pretrained(model_dir)
        self.head = torch.nn.Linear(self.bert.config.hidden_size, 1)

    def forward(self, ids, mask, types):
        h = self.bert(input_ids=ids, attention_mask=mask, token_type_ids=types).last_hidden_state
        m = mask.unsqueeze(-1).to(h.dtype)
        return self.head((h * m).sum(1) / m.sum(1)).squeeze(-1)


def batches(tok, pairs, size):
    for i in range(0, len(pairs), size):
        chunk = pairs[i : i + size]
        enc = tok([a for a, _, _ in chunk], [b for _, b, _ in chunk], padding=True, truncation=True,
                  max_length=256, return_tensors="pt")
        y = torch.tensor([float(s) for _, _, s in chunk])
        yield enc["input_ids"], enc["attention_mask"], enc["token_type_ids"], y


def train(args, tok, rows):
    torch.manual_seed(0)
    random.seed(0)
    model = CrossEncoder(args.model_dir)
    examples = [(r["a"], r["b"], r["same"]) for r in rows] + [(r["b"], r["a"], r["same"]) for r in rows]
    steps = args.epochs * math.ceil(len(examples) / args.batch)
    decay = [p for n, p in model.named_parameters() if not any(k in n for k in ("bias", "LayerNorm"))]
    rest = [p for n, p in model.named_parameters() if any(k in n for k in ("bias", "LayerNorm"))]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": rest, "weight_decay": 0.0}],
                            lr=args.lr)
    warm = max(1, int(0.1 * steps))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warm if s < warm else max(0.0, (steps - s) / max(1, steps - warm)))
    if args.pos_weight == "balanced":
        pos = sum(1 for *_, y in examples if y)
        weight = torch.tensor((len(examples) - pos) / max(1, pos))
        print(f"pos_weight {weight.item():.3f} ({pos} same of {len(examples)})", file=sys.stderr)
        loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=weight)
    else:
        loss_fn = torch.nn.BCEWithLogitsLoss()
    model.train()
    rng = random.Random(0)
    for _ in range(args.epochs):
        rng.shuffle(examples)
        for ids, mask, types, y in batches(tok, examples, args.batch):
            loss = loss_fn(model(ids, mask, types), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    model.eval()
    return model


@torch.no_grad()
def score(tok, model, rows):
    def probs(pairs):
        out = []
        for ids, mask, types, _ in batches(tok, [(a, b, False) for a, b in pairs], 64):
            out.extend(torch.sigmoid(model(ids, mask, types)).tolist())
        return out

    ab = probs([(r["a"], r["b"]) for r in rows])
    ba = probs([(r["b"], r["a"]) for r in rows])
    return [(x + y) / 2 for x, y in zip(ab, ba)]


def summary(rows, scores, vetoed):
    """Accuracy, kappa and AUC over all pairs and per kind (a kind's kappa and AUC with every pair
    of the other label, as EVAL.md does); `vetoed`: ids a guard decides as different."""
    y = [r["same"] for r in rows]
    s = [0.2 * x if r["id"] in vetoed else x for r, x in zip(rows, scores)]
    d = [x >= 0.5 for x in s]

    def figures(idx):
        yy = [y[i] for i in idx]
        dd = [d[i] for i in idx]
        ss = [s[i] for i in idx]
        acc = sum(a == b for a, b in zip(yy, dd)) / len(idx)
        both = len(set(yy)) == 2
        kappa = cohen_kappa_score(yy, dd) if both and len(set(dd)) > 1 else 0.0
        auc = roc_auc_score(yy, ss) if both else float("nan")
        return {"n": len(idx), "accuracy": round(acc, 3), "kappa": round(kappa, 3), "auc": round(auc, 3)}

    out = {"all": figures(range(len(rows)))}
    by_kind = defaultdict(list)
    for i, r in enumerate(rows):
        by_kind[r["kind"]].append(i)
    for kind, idx in sorted(by_kind.items()):
        label = rows[idx[0]]["same"]
        others = [i for i in range(len(rows)) if rows[i]["same"] != label]
        f = figures(idx + others)
        f["accuracy"] = figures(idx)["accuracy"]
        f["n"] = len(idx)
        out[kind] = f
    return out


def align_decisions(path, rows):
    """align's decisions from `claimbench similarity --matcher align --pairs F --json`: the ids a guard
    vetoes, the ids with identical texts (which score 1.0), and align's own scores."""
    if path is None:
        return set(), set(), None
    by_id = {}
    for x in Path(path).read_text().splitlines():
        if x.strip():
            d = json.loads(x)
            by_id[d["id"]] = d
    vetoed, same_text, scores = set(), set(), []
    for r in rows:
        dec = by_id.get(r["id"])
        if dec is None:
            sys.exit(f"{path}: no decision for pair {r['id']}")
        scores.append(dec["score"])
        if any(not (x.startswith("aligned:") or "same text" in x) for x in dec["reasons"]):
            vetoed.add(r["id"])
        if any("same text" in x for x in dec["reasons"]):
            same_text.add(r["id"])
    return vetoed, same_text, scores


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model-dir", required=True)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=2e-5)
    ap.add_argument("--pos-weight", choices=("none", "balanced"), default="none",
                    help="weight of a 'same' example in the loss: 1, or different/same of the training set")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--guards-tuning", help="claimbench similarity --json over the tuning pairs")
    ap.add_argument("--guards-frozen", help="claimbench similarity --json over the frozen pairs")
    ap.add_argument("--skip-folds", action="store_true", help="only the all-tuning model on the frozen pairs")
    ap.add_argument("--skip-final", action="store_true",
                    help="only the by-article folds (held-out tuning scores); no all-tuning model")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    tok = AutoTokenizer.from_pretrained(args.model_dir)
    tuning = load(TUNING)
    frozen = load(FROZEN)
    result = {"procedure": {k: v for k, v in vars(args).items() if k in ("epochs", "batch", "lr", "pos_weight")}}

    if not args.skip_folds:
        held = [[] for _ in tuning]
        articles = sorted({d for r in tuning for d in r["docs"]})
        for n, doc in enumerate(articles, 1):
            test = [i for i, r in enumerate(tuning) if doc in r["docs"]]
            fit = [r for r in tuning if doc not in r["docs"]]
            print(f"fold {n}/{len(articles)} {doc}: train {len(fit)}, test {len(test)}", file=sys.stderr,
                  flush=True)
            model = train(args, tok, fit)
            for i, x in zip(test, score(tok, model, [tuning[i] for i in test])):
                held[i].append(x)
        held = [sum(x) / len(x) for x in held]
        vet, same, align = align_decisions(args.guards_tuning, tuning)
        held = [1.0 if r["id"] in same else x for r, x in zip(tuning, held)]
        result["tuning_held_out"] = summary(tuning, held, set())
        result["tuning_held_out_guarded"] = summary(tuning, held, vet)
        if align is not None:
            result["tuning_align_as_committed"] = summary(tuning, align, set())
        result["tuning_scores"] = {r["id"] + "@" + r["file"]: round(x, 4) for r, x in zip(tuning, held)}
        print(json.dumps(result["tuning_held_out_guarded"]), file=sys.stderr)

    if args.skip_final:
        json.dump(result, sys.stdout, indent=1)
        print()
        return
    print("all tuning pairs -> frozen pairs", file=sys.stderr, flush=True)
    model = train(args, tok, tuning)
    fs = score(tok, model, frozen)
    vet, same, align = align_decisions(args.guards_frozen, frozen)
    fs = [1.0 if r["id"] in same else x for r, x in zip(frozen, fs)]
    result["frozen"] = summary(frozen, fs, set())
    result["frozen_guarded"] = summary(frozen, fs, vet)
    if align is not None:
        result["frozen_align"] = summary(frozen, align, set())
    result["frozen_scores"] = {r["id"] + "@" + r["file"]: round(x, 4) for r, x in zip(frozen, fs)}
    json.dump(result, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
