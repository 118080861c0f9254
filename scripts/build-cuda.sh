#!/usr/bin/env bash
# Build the CUDA claimbench binary on a machine with no GPU.
#
#   scripts/build-cuda.sh            -> target-cuda/release/claimbench and dist/claimbench-cuda.xz
#
# CUDA 13.0 build tools come from PyPI wheels (nvcc, headers, CCCL, cudart, cublas, curand), installed once into
# $CLAIMBENCH_CUDA_ENV (default: ~/.cache/claimbench/cuda13, about 1.2 GB). The driver library libcuda.so.1 is only
# needed at link time here: a stub is compiled from the symbol names of cudarc's bindings. The real library comes with
# the GPU machine's driver; never ship the stub. CUDA_COMPUTE_CAP defaults to 90 (H100/H200); set it for other GPUs.
# The binary needs libcuda.so.1, libcudart.so.13, libcublas.so.13 and libcurand.so.10 at start (see README, "GPU").
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
env_dir=${CLAIMBENCH_CUDA_ENV:-$HOME/.cache/claimbench/cuda13}
target_dir=${CLAIMBENCH_CUDA_TARGET:-$root/target-cuda}

cargo fetch --locked 2>/dev/null || cargo fetch

if [ ! -f "$env_dir/env.sh" ]; then
  echo "setting up CUDA 13.0 build tools in $env_dir (once)" >&2
  mkdir -p "$env_dir"
  d=$(cd "$env_dir" && pwd)
  python3 -m venv "$d/venv"
  "$d/venv/bin/pip" install -q --disable-pip-version-check \
    nvidia-cuda-nvcc==13.0.88 nvidia-cuda-crt==13.0.88 nvidia-nvvm==13.0.88 nvidia-cuda-cccl==13.0.85 \
    nvidia-cuda-runtime==13.0.96 nvidia-cuda-nvrtc==13.0.88 nvidia-cublas==13.1.0.3 nvidia-curand==10.4.0.35
  n=$(echo "$d"/venv/lib/python3*/site-packages/nvidia/cu13)
  r=$d/cudaroot
  mkdir -p "$r/lib/stubs"
  ln -sfn "$n/bin" "$r/bin"
  ln -sfn "$n/include" "$r/include"
  ln -sfn "$n/nvvm" "$r/nvvm"
  for l in cudart.so.13 nvrtc.so.13 cublas.so.13 cublasLt.so.13 curand.so.10; do
    ln -sfn "$n/lib/lib$l" "$r/lib/lib${l%.so.*}.so"
  done
  # Link-time stub for libcuda.so.1: every cu* entry point of cudarc's driver bindings, returning an error.
  sys=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/cudarc-0.19.*/src/driver/sys/mod.rs | tail -1)
  grep -oE "pub unsafe fn cu[A-Za-z0-9_]+" "$sys" | awk '{print $4}' | sort -u \
    | awk '{print "int " $1 "(void){return 999;}"}' > "$r/lib/stubs/libcuda_stub.c"
  gcc -shared -fPIC -Wl,-soname,libcuda.so.1 -o "$r/lib/stubs/libcuda.so" "$r/lib/stubs/libcuda_stub.c"
  cat > "$d/env.sh" <<EOT
export PATH=$r/bin:\$PATH
export CUDA_HOME=$r CUDA_PATH=$r CUDA_ROOT=$r NVCC=$r/bin/nvcc
export LIBRARY_PATH=$r/lib:$r/lib/stubs:\${LIBRARY_PATH:-}
export CUDA_COMPUTE_CAP=\${CUDA_COMPUTE_CAP:-90}
EOT
fi

# shellcheck disable=SC1091
. "$env_dir/env.sh"
cargo build --release --locked --features cuda -p claimbench-cli --target-dir "$target_dir"
mkdir -p dist
# Debug info stripped from the carried copy (200 MB -> about 70 MB; the xz about 10 MB).
strip --strip-debug -o dist/claimbench-cuda.tmp "$target_dir/release/claimbench"
xz -T2 -6 -c dist/claimbench-cuda.tmp > dist/claimbench-cuda.xz.tmp
rm dist/claimbench-cuda.tmp
mv dist/claimbench-cuda.xz.tmp dist/claimbench-cuda.xz
ls -l "$target_dir/release/claimbench" dist/claimbench-cuda.xz
