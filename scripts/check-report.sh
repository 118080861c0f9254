#!/usr/bin/env bash
# Render a claimbench HTML report in headless Chromium and fail on a load error, a page error or a console error.
#   scripts/check-report.sh REPORT.html [SCREENSHOT.png]
# Needs Debian's chromium (installed here with apt-get when missing and we are root) and Node.js; playwright-core
# (which drives the system Chromium; it downloads no browser) is installed once into ~/.cache/claimbench/node.
set -euo pipefail
html=$(realpath "${1:?usage: check-report.sh REPORT.html [SCREENSHOT.png]}")
png=${2:+$(realpath -m "$2")}
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v chromium >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing Debian's chromium" >&2
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "error: chromium is not installed (Debian: apt-get install chromium)" >&2
    exit 2
  fi
fi
node_dir=${CLAIMBENCH_NODE_DIR:-$HOME/.cache/claimbench/node}
if [ ! -d "$node_dir/node_modules/playwright-core" ]; then
  mkdir -p "$node_dir"
  (cd "$node_dir" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund playwright-core@1 >/dev/null)
fi
NODE_PATH="$node_dir/node_modules" node "$here/check-report.cjs" "$html" "$png"
