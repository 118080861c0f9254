#!/usr/bin/env bash
# Prepare everything the GPU check needs, on a machine without a GPU, into .device/ (git-ignored, under 64 MiB):
#   the CUDA binary (xz), all-MiniLM-L6-v2 converted to f16, the seed sentences, CPU f32 reference embeddings and
#   a CPU reference run. Then carry .device to the GPU machine and run scripts/gpu-check.sh there.
#   scripts/gpu-prepare.sh            (needs scripts/build-cuda.sh to have run: dist/claimbench-cuda.xz)
set -euo pipefail
cd "$(dirname "$0")/.."
out=.device
rm -rf "$out" && mkdir -p "$out"
[ -f dist/claimbench-cuda.xz ] || { echo "error: dist/claimbench-cuda.xz is missing: run scripts/build-cuda.sh" >&2; exit 2; }
cp dist/claimbench-cuda.xz "$out/"
cargo build --release --locked -p claimbench-cli
cb=target/release/claimbench
$cb models convert all-minilm-l6-v2 --dtype f16 --out "$out/minilm-f16"
# The seed sentences, one a line (the `sentences` extractor's output).
$cb eval --extractor sentences --extractor minilm-worthy --runs-dir "$out" --name cpu-run --bootstrap 200 --no-cache >/dev/null
python3 -c 'import json,sys
for l in open(sys.argv[1]): print(json.loads(l)["text"])' "$out/cpu-run/predictions/sentences.jsonl" > "$out/sentences.txt"
$cb embed --file "$out/sentences.txt" --no-cache > "$out/cpu_f32.jsonl"
du -sh "$out"
