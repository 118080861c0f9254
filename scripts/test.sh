#!/usr/bin/env bash
# Every check claimbench has, the code's own first: formatting, lints, the whole test suite (release mode: candle
# is unusably slow in debug); then the end-to-end steps: a `claimbench eval` whose HTML report is rendered in
# headless Chromium, sharded scoring on a one-node Slurm cluster (scripts/slurm-up.sh installs and starts it; needs
# root and Debian's mirrors), and the Python wheel with its tests.
# Each step reports its own pass or failure and every step runs even when an earlier one failed; the script exits
# non-zero when any step failed. The last line counts cargo test's results: `total: N passed, N failed`.
# Tests that need all-MiniLM-L6-v2 fetch it on first use (PyPI, then hashes verified).
set -uo pipefail
cd "$(dirname "$0")/.."

target="${CARGO_TARGET_DIR:-target}"
mkdir -p "$target"
results=() # "PASS name" or "FAIL name", in step order
failed=0

# step NAME COMMAND...: run COMMAND in a subshell with `set -e` (a plain command: as an `if` condition or in an
# `||` list bash would ignore `set -e` inside it), record whether it passed.
step() {
    local name=$1 rc=0
    shift
    printf '\n== %s\n' "$name" >&2
    (set -e; "$@")
    rc=$?
    if [ "$rc" = 0 ]; then
        results+=("PASS  $name")
        printf '== PASS: %s\n' "$name" >&2
    else
        results+=("FAIL  $name (exit $rc)")
        failed=$((failed + 1))
        printf '== FAIL (exit %s): %s\n' "$rc" "$name" >&2
    fi
}

cargo_test() {
    cargo test --workspace --release --locked --no-fail-fast 2>&1 | tee "$target/test-output.txt"
}

end_to_end() {
    cargo build --release --locked -p claimbench-cli
    local out="$target/ci-e2e"
    rm -rf "$out"
    "$target/release/claimbench" eval --runs-dir "$out" --name run >"$out.txt"
    cat "$out.txt"
    "$target/release/claimbench" report "$out/run" --html "$out/report.html"
    scripts/check-report.sh "$out/report.html" "$out/report.png"
    # The same run against a baseline whose `sentences` system is the clause splitter: the changes section.
    "$target/release/claimbench" eval --extractor sentences=clauses --runs-dir "$out" --name base >/dev/null
    "$target/release/claimbench" report "$out/run" --baseline "$out/base" --html "$out/report-diff.html"
    scripts/check-report.sh "$out/report-diff.html" "$out/report-diff.png"
}

slurm() {
    local rc=0
    scripts/slurm-up.sh || rc=$?
    [ "$rc" != 0 ] || scripts/slurm-test.sh || rc=$?
    scripts/slurm-down.sh || true
    return "$rc"
}

python_wheel() {
    # Same target dir and release profile as above: only pyo3 and the bindings are compiled here.
    local venv="$target/ci-venv"
    rm -rf "$venv" "$target/ci-wheels"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "maturin>=1.5,<2" pytest pandas # pandas: load_run(as_frame=True)
    "$venv/bin/maturin" build --release --locked --manifest-path crates/python/Cargo.toml --out "$target/ci-wheels"
    "$venv/bin/pip" install --quiet "$target"/ci-wheels/claimbench-*.whl
    export CLAIMBENCH_MODELS_DIR="${CLAIMBENCH_MODELS_DIR:-$PWD/models}"
    "$venv/bin/claimbench" eval --extractor sentences --bootstrap 100 --runs-dir "$target/ci-python-runs" --name run
    local repo=$PWD python
    python=$(cd "$venv" && pwd)/bin/python
    (cd "$target" && "$python" -m pytest -q "$repo/crates/python/tests")
}

: >"$target/test-output.txt"
step "cargo fmt --check" cargo fmt --all -- --check
step "cargo clippy -D warnings" cargo clippy --workspace --all-targets --release --locked -- -D warnings
step "cargo test" cargo_test
step "end-to-end: claimbench eval, then its HTML report in headless Chromium" end_to_end
step "Slurm: a one-node cluster on localhost; sbatch --array=0-3 shards, an afterok merge, byte-identical run" slurm
step "Python: the claimbench wheel (maturin) in a fresh venv: the command, then pytest on crates/python/tests" \
    python_wheel

printf '\n== summary\n' >&2
printf '%s\n' "${results[@]}"
# One closing line for all test binaries (cargo's own last line is a doc-test run that is often empty).
awk '/^test result:/ {p += $4; f += $6} END {printf "total: %d passed, %d failed\n", p, f}' \
    "$target/test-output.txt"
[ "$failed" = 0 ]
