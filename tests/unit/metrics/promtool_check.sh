#!/bin/sh
# `promtool check metrics` (Debian package prometheus) over the sample scrape
# of the whole catalogue printed by metrics_tool: the exposition parses and
# follows Prometheus' naming lints. Exit 77 (CTest SKIP) without promtool.
# Usage: promtool_check.sh <metrics_tool>
set -eu
tool=$1
if ! command -v promtool >/dev/null 2>&1; then
  echo "promtool not installed (apt-get install prometheus): skipped" >&2
  exit 77
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$tool" >"$out"
grep -q '^kizuna_build_info{version="[^"]*"} 1$' "$out"
promtool check metrics <"$out"
