#!/usr/bin/env python3
"""Token vectors of every text of the pair sets, from a sentence-transformers model, for fit_align.

For each distinct text of gold/pairs.jsonl, gold/tuning/*.jsonl and gold/eval/*.jsonl, one JSON line:
the text, its word pieces (special tokens left out) with their word index and byte span, the
last layer's vector of each piece (unit length), and the sentence vector as the sentence-transformers
pipeline computes it. `fit_align --token-vectors FILE` reads this file instead of running
all-MiniLM-L6-v2 through candle, so align's fitting procedure can be run unchanged over another
encoder (issue 14: all-mpnet-base-v2). One text at a time, so no padding reaches any vector.

    python token_vectors.py --model DIR > vectors.jsonl
"""

import argparse
import glob
import json
import os

import torch
from sentence_transformers import SentenceTransformer

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")


def texts():
    files = [os.path.join(ROOT, "gold", "pairs.jsonl")]
    files += sorted(glob.glob(os.path.join(ROOT, "gold", "tuning", "*.jsonl")))
    files += sorted(glob.glob(os.path.join(ROOT, "gold", "eval", "*.jsonl")))
    out = set()
    for f in files:
        with open(f, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    r = json.loads(line)
                    out.update((r["a"], r["b"]))
    return sorted(out)


def byte_offset(text, i):
    return len(text[:i].encode("utf-8"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True, help="a sentence-transformers model directory")
    args = ap.parse_args()
    torch.manual_seed(0)
    model = SentenceTransformer(args.model, device="cpu")
    model.eval()
    tok = model.tokenizer
    for text in texts():
        enc = tok(text, return_offsets_mapping=True, truncation=True, max_length=model.max_seq_length)
        features = {
            "input_ids": torch.tensor([enc["input_ids"]]),
            "attention_mask": torch.tensor([enc["attention_mask"]]),
        }
        with torch.no_grad():
            out = model(features)
        rows = torch.nn.functional.normalize(out["token_embeddings"][0], dim=-1)
        pieces, vectors = [], []
        for k, (wid, (s, e)) in enumerate(zip(enc.word_ids(), enc["offset_mapping"])):
            if wid is None:
                continue
            piece = tok.convert_ids_to_tokens(enc["input_ids"][k])
            pieces.append({"piece": piece, "word": wid, "span": [byte_offset(text, s), byte_offset(text, e)]})
            vectors.extend(float(x) for x in rows[k])
        last = max((p["span"][1] for p in pieces), default=0)
        truncated = len(enc["input_ids"]) >= model.max_seq_length
        print(json.dumps({
            "text": text,
            "tokens": pieces,
            "vectors": vectors,
            "sentence": [float(x) for x in out["sentence_embedding"][0]],
            "truncated": truncated,
            "read_len": last if truncated else len(text.encode("utf-8")),
        }))


if __name__ == "__main__":
    main()
