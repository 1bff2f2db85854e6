#!/usr/bin/env bash
# Throughput of the relay against the direct path, in the same run (these
# machines are noisy, so only the ratio means something):
#   direct: smtp-source -> smtp-sink
#   relay:  smtp-source -> kizuna -> smtp-sink   (a relay carries every byte twice)
# 1 KB messages, 20 sessions, 20,000 messages per run by default; rounds
# alternate direct/relay and the best of each is reported. Target: ratio >= 0.5.
# Usage: bench/relay_vs_direct.sh [messages] [sessions] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."

messages=${1:-20000}
sessions=${2:-20}
rounds=${3:-3}
kizuna=${KIZUNA_BINARY:-build/relay/kizuna}
[ -x "$kizuna" ] || { echo "bench: build first (scripts/quickstart bench)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/kizuna-bench-XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 500); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.02; done; return 1; }

sink_port=$(free_port)
user=$([ "$(id -u)" -eq 0 ] && echo root || id -un)
smtp-sink -u "$user" -m 1000 "127.0.0.1:$sink_port" 1024 & pids+=($!)
wait_port "$sink_port"

redis-server --port 0 --unixsocket "$tmp/redis.sock" --save "" --appendonly no --dir "$tmp" \
  --logfile "$tmp/redis.log" & pids+=($!)
for _ in $(seq 500); do redis-cli -s "$tmp/redis.sock" ping >/dev/null 2>&1 && break; sleep 0.02; done

relay_port=$(free_port)
cat > "$tmp/kizuna.yaml" <<YAML
threads: ${KIZUNA_THREADS:-2}
listen:
  - address: 127.0.0.1:$relay_port
downstream:
  host: 127.0.0.1
  port: $sink_port
  max_connections: 32
redis:
  address: unix:$tmp/redis.sock
state_dir: $tmp/state
${KIZUNA_BENCH_EXTRA:-}
YAML
"$kizuna" serve --config "$tmp/kizuna.yaml" 2>"$tmp/kizuna.log" & pids+=($!)
wait_port "$relay_port"

# Seconds (float) for one smtp-source run against a port.
run() {
  local start end
  start=$(date +%s.%N)
  smtp-source -s "$sessions" -m "$messages" -l 1024 -d -N -t rcpt@example.com -f bench@example.org \
    "127.0.0.1:$1" >/dev/null
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { print b - a }'
}

best_direct=0 best_relay=0
for r in $(seq "$rounds"); do
  d=$(run "$sink_port"); k=$(run "$relay_port")
  dr=$(awk -v m="$messages" -v t="$d" 'BEGIN { print m / t }')
  kr=$(awk -v m="$messages" -v t="$k" 'BEGIN { print m / t }')
  printf 'round %d: direct %8.0f msg/s   relay %8.0f msg/s\n' "$r" "$dr" "$kr"
  best_direct=$(awk -v a="$dr" -v b="$best_direct" 'BEGIN { print (a > b ? a : b) }')
  best_relay=$(awk -v a="$kr" -v b="$best_relay" 'BEGIN { print (a > b ? a : b) }')
done
ratio=$(awk -v a="$best_relay" -v b="$best_direct" 'BEGIN { print a / b }')
printf 'direct  %8.0f msg/s (smtp-source -> smtp-sink)\n' "$best_direct"
printf 'relay   %8.0f msg/s (smtp-source -> kizuna -> smtp-sink)\n' "$best_relay"
printf 'ratio   %8.2f (target >= 0.50; %d x 1 KB messages, %d sessions, best of %d)\n' "$ratio" "$messages" "$sessions" "$rounds"
