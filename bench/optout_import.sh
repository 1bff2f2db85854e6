#!/usr/bin/env bash
# Speed of `kizuna optout import` (a benchmark, not a test): generates a CSV of
# N rows (default 1,000,000: ASCII addresses, every 10th with a Japanese IDN
# domain, every 7th for the newsletter scope, some quoted reasons with commas),
# starts a private redis-server on a unix socket, imports the file, checks the
# row count in Redis and prints the time and rows/s. Then times an export of
# the same data. Build with -DCMAKE_BUILD_TYPE=RelWithDebInfo first.
# Usage: bench/optout_import.sh [rows]   (KIZUNA_BINARY=path/to/kizuna)
set -euo pipefail
cd "$(dirname "$0")/.."

rows=${1:-1000000}
kizuna=${KIZUNA_BINARY:-build/relay/kizuna}
[ -x "$kizuna" ] || { echo "bench: build first (cmake --build build)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/kizuna-optout-bench-XXXXXX)
redis_pid=
cleanup() { [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

python3 - "$rows" "$tmp/optouts.csv" <<'PY'
import sys
rows, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w", encoding="utf-8", newline="") as f:
    f.write("address,scope,source,reason,at\r\n")
    for i in range(rows):
        domain = f"例え{i % 100}.jp" if i % 10 == 0 else f"example{i % 1000}.com"
        scope = "newsletter" if i % 7 == 0 else "*"
        reason = '"bounced, hard"' if i % 5 == 0 else "unsubscribed"
        f.write(f"User.{i}@{domain},{scope},crm,{reason},{1700000000 + i}\r\n")
PY
echo "generated $rows rows ($(du -h "$tmp/optouts.csv" | cut -f1))"

redis-server --port 0 --unixsocket "$tmp/redis.sock" --save "" --appendonly no --dir "$tmp" \
  --logfile "$tmp/redis.log" & redis_pid=$!
for _ in $(seq 500); do redis-cli -s "$tmp/redis.sock" ping >/dev/null 2>&1 && break; sleep 0.02; done

mkdir -p "$tmp/maildir"
cat > "$tmp/kizuna.yaml" <<YAML
listen:
  - address: 127.0.0.1:0
downstream:
  maildir: $tmp/maildir
redis:
  address: unix:$tmp/redis.sock
state_dir: $tmp/state
YAML

start=$(date +%s.%N)
"$kizuna" optout import --config "$tmp/kizuna.yaml" "$tmp/optouts.csv" </dev/null
end=$(date +%s.%N)
keys=$(redis-cli -s "$tmp/redis.sock" dbsize)
python3 -c "t=$end-$start; print(f'import: {$rows} rows in {t:.2f} s = {$rows/t:,.0f} rows/s; {$keys} keys in redis')"

start=$(date +%s.%N)
"$kizuna" optout export --config "$tmp/kizuna.yaml" "$tmp/export.csv"
end=$(date +%s.%N)
exported=$(($(wc -l < "$tmp/export.csv") - 1))
python3 -c "t=$end-$start; print(f'export: {$exported} rows in {t:.2f} s = {$exported/t:,.0f} rows/s')"
