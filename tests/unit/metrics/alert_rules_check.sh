#!/bin/sh
# contrib/prometheus/kizuna-alerts.yml: `promtool check rules` (syntax, PromQL)
# and `promtool test rules` (kizuna-alerts.test.yml: each alert fires on its
# series after its `for`, and not on healthy or quiet ones). Exit 77 (CTest
# SKIP) without promtool (Debian package prometheus).
# Usage: alert_rules_check.sh <source dir>
set -eu
src=$1
if ! command -v promtool >/dev/null 2>&1; then
  echo "promtool not installed (apt-get install prometheus): skipped" >&2
  exit 77
fi
promtool check rules "$src/contrib/prometheus/kizuna-alerts.yml"
cd "$src/tests/unit/metrics"
promtool test rules kizuna-alerts.test.yml
