# PyTorch's matrix product alone (oneDNN: AMX tiles in bf16 where the CPU has them) at
# all-MiniLM-L6-v2's three product shapes for 768 tokens, to read against the unit's peak that
# `cargo bench -p claimbench-benches -- kernels/matmul/peak` measures (issue 19): how much of the
# unit the best-kept library reaches at these shapes on this machine.
#
# Run it from the venv benches/compare_python.sh makes (torch==2.15.0):
#   VENV/bin/python benches/python/torch_matmul.py [--threads 0] [--runs 5] [--tokens 768]
#
# Prints one JSON line per shape and dtype:
#   {"shape": "MxKxN", "dtype": "bfloat16" | "float32", "ms": median ms of one product,
#    "gflop_per_s": 2 M K N / median s}
# Each timed run is --reps products of the same operands after 20 untimed ones; the median of
# --runs runs is kept. The operands are seeded normal values (torch.manual_seed(0)).

import argparse
import json
import statistics
import time

import torch

# [tokens, k] x [k, n]: QKV, feed-forward up, feed-forward down (the output projection is
# [tokens, 384] x [384, 384])
SHAPES = [(384, 1152), (384, 1536), (1536, 384), (384, 384)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=0, help="intra-op threads (0: the default)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--reps", type=int, default=50)
    ap.add_argument("--tokens", type=int, default=768)
    args = ap.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    m = args.tokens
    for k, n in SHAPES:
        for dtype in (torch.bfloat16, torch.float32):
            a = torch.randn(m, k).to(dtype)
            b = torch.randn(k, n).to(dtype)
            with torch.inference_mode():
                for _ in range(20):
                    a @ b
                runs = []
                for _ in range(args.runs):
                    t = time.perf_counter()
                    for _ in range(args.reps):
                        a @ b
                    runs.append((time.perf_counter() - t) / args.reps)
            s = statistics.median(runs)
            print(json.dumps({
                "shape": f"{m}x{k}x{n}",
                "dtype": str(dtype).removeprefix("torch."),
                "threads": torch.get_num_threads(),
                "ms": round(s * 1e3, 4),
                "gflop_per_s": round(2 * m * k * n / s / 1e9, 1),
            }))


if __name__ == "__main__":
    main()
