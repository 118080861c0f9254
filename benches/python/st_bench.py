# Times sentence-transformers (PyTorch) embedding throughput, the Python side of issue 7's comparison.
#
# How to run (a throwaway venv outside the repository):
#   python3 -m venv VENV
#   VENV/bin/pip install torch==2.15.0 sentence-transformers==6.2.0 transformers==5.23.0 numpy==2.4.6
#   VENV/bin/python benches/python/st_bench.py --model-dir models/all-minilm-l6-v2
#
# Inputs: the seed sentences (seeds/*.txt, naive split, or --sentences FILE, one a line, so that
# claimbench can be timed on exactly the same texts) repeated to --n (default 2000).
# For each batch size (default 1, 8, 32, 64): one warm-up pass, then --runs (default 5) timed
# passes over all inputs; prints one JSON line per batch size to stdout:
#   {"batch": b, "sentences_per_s": x}
# x = n / median(run seconds). Details (versions, threads, mean tokens) go to stderr.

import argparse
import json
import platform
import re
import statistics
import sys
import time
from pathlib import Path


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


def main():
    here = Path(__file__).resolve().parent
    repo_root = here.parents[1]
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", type=Path, default=repo_root / "models" / "all-minilm-l6-v2")
    ap.add_argument("--sentences", type=Path, help="one text a line (default: seed sentences)")
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--batches", default="1,8,32,64")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()

    import torch
    from sentence_transformers import SentenceTransformer

    if args.threads > 0:
        torch.set_num_threads(args.threads)
    if args.sentences:
        base = [l for l in args.sentences.read_text(encoding="utf-8").splitlines() if l.strip()]
    else:
        base = seed_sentences(repo_root)
    texts = (base * (args.n // len(base) + 1))[: args.n]

    model = SentenceTransformer(str(args.model_dir), device=args.device)
    model.eval()
    ntok = [len(model.tokenizer(t, truncation=True, max_length=model.max_seq_length)["input_ids"]) for t in base]
    import sentence_transformers

    print(
        f"python {platform.python_version()}, torch {torch.__version__}, sentence-transformers "
        f"{sentence_transformers.__version__}, threads {torch.get_num_threads()}, device {args.device}, "
        f"{len(texts)} texts ({len(base)} distinct, mean {sum(ntok) / len(ntok):.1f} tokens)",
        file=sys.stderr,
    )
    with torch.inference_mode():
        for b in [int(x) for x in args.batches.split(",")]:
            model.encode(texts[: max(b * 4, 64)], batch_size=b, convert_to_numpy=True)  # warm-up
            times = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                model.encode(texts, batch_size=b, convert_to_numpy=True)
                times.append(time.perf_counter() - t0)
            med = statistics.median(times)
            print(json.dumps({"batch": b, "sentences_per_s": round(len(texts) / med, 2)}), flush=True)
            print(f"batch {b}: runs {[round(t, 3) for t in times]} s", file=sys.stderr)


if __name__ == "__main__":
    main()
