# The PyTorch side of benches/compare_python.sh (issue 7): sentence-transformers embedding speed,
# wall clock AND process CPU time, so that a run on a busy machine still gives a usable figure.
#
# Run it from a throwaway venv outside the repository (compare_python.sh makes one):
#   VENV/bin/pip install torch==2.15.0 sentence-transformers==6.2.0 transformers==5.23.0 numpy==2.4.6
#   VENV/bin/python benches/python/st_speed.py --model-dir models/all-minilm-l6-v2 --sentences FILE
#
# Inputs: FILE (one text a line; compare_python.sh writes the seed sentences there, the same file
# the Rust side reads) cycled to --n texts. For each batch size: one warm-up pass over the first
# max(4 * batch, 64) texts, then --runs timed passes over all n; prints one JSON line per batch:
#   {"impl": "pytorch", "batch": b, "sentences_per_s": n / median wall s,
#    "sentences_per_cpu_s": n / median CPU s, "runs_s": [wall s of each run]}
# --threads sets torch's intra-op threads (0: torch's default, the core count). --dtype bf16 moves
# the model to torch.bfloat16 (what a user after speed would try: oneDNN uses AMX or avx512_bf16
# where the CPU has them) and names the row "pytorch-bf16".

import argparse
import json
import statistics
import sys
import time
from pathlib import Path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", type=Path, required=True)
    ap.add_argument("--sentences", type=Path, required=True)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--batches", default="1,8,32,64")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--dtype", choices=["f32", "bf16"], default="f32")
    args = ap.parse_args()

    import torch
    from sentence_transformers import SentenceTransformer

    if args.threads > 0:
        torch.set_num_threads(args.threads)
    base = [l for l in args.sentences.read_text(encoding="utf-8").splitlines() if l.strip()]
    texts = (base * (args.n // len(base) + 1))[: args.n]
    model = SentenceTransformer(str(args.model_dir), device="cpu")
    model.eval()
    name = "pytorch"
    if args.dtype == "bf16":
        model = model.to(torch.bfloat16)
        name = "pytorch-bf16"
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, {len(texts)} texts, "
          f"{args.dtype}", file=sys.stderr)
    with torch.inference_mode():
        for b in [int(x) for x in args.batches.split(",")]:
            model.encode(texts[: max(b * 4, 64)], batch_size=b, convert_to_numpy=True)
            walls, cpus = [], []
            for _ in range(args.runs):
                c0, t0 = time.process_time(), time.perf_counter()
                model.encode(texts, batch_size=b, convert_to_numpy=True)
                walls.append(time.perf_counter() - t0)
                cpus.append(time.process_time() - c0)
            print(json.dumps({
                "impl": name, "batch": b,
                "sentences_per_s": round(len(texts) / statistics.median(walls), 2),
                "sentences_per_cpu_s": round(len(texts) / statistics.median(cpus), 2),
                "runs_s": [round(t, 3) for t in walls],
            }), flush=True)


if __name__ == "__main__":
    main()
