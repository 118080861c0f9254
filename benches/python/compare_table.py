# Formats one batch size's rows for benches/compare_python.sh: JSON lines on stdin, the first from
# st_speed.py (PyTorch), the rest from the embed_speed example; argv: peak GFLOP/s.
# PyTorch's GFLOP/s uses the Rust side's FLOP count for the same texts (same tokenizer); a row
# with "min_cosine" (the ONNX Runtime modes) prints it after the table's columns.
import json
import sys

peak = float(sys.argv[1])
rows = [json.loads(line) for line in sys.stdin if line.strip()]
py = rows[0]
rust = next((r for r in rows if "gflop" in r), None)
for r in rows:
    g = r.get("gflop_per_s")
    if g is None and rust is not None:
        g = rust["gflop"] * r["sentences_per_s"] / rust["n"]
    print(f'{r["batch"]:<6} {r["impl"]:<17} {r["sentences_per_s"]:>12.1f} '
          f'{r["sentences_per_s"] / py["sentences_per_s"]:>9.2f} '
          f'{r["sentences_per_cpu_s"]:>11.1f} {r["sentences_per_cpu_s"] / py["sentences_per_cpu_s"]:>9.2f} '
          f'{g or 0:>8.1f} {100 * (g or 0) / peak:>6.0f}%'
          + (f'  lowest cosine to f32 {r["min_cosine"]:.4f}' if "min_cosine" in r else ''))
