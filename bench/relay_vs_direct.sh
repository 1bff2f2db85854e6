#!/usr/bin/env bash
# Throughput of the relay against the direct path, in the same run (these
# machines are noisy, so only the ratio means something):
#   direct: smtp-source -> smtp-sink
#   relay:  smtp-source -> kizuna -> smtp-sink   (a relay carries every byte twice)
# 1 KB messages, 20 sessions, 20,000 messages per run by default; rounds
# alternate direct/relay and the best of each is reported. Target: ratio >= 0.5.
# Kizuna runs its default pipeline: opt-out lookup per recipient, audit record
# per decision (fsync: always). KIZUNA_BENCH_EXTRA adds config YAML, e.g.
# $'audit:\n  fsync: never'; KIZUNA_THREADS sets threads (default 2).
# Usage: bench/relay_vs_direct.sh [messages] [sessions] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."

messages=${1:-20000}
sessions=${2:-20}
rounds=${3:-3}
source bench/lib.sh

start_sink
start_redis
start_kizuna "${KIZUNA_BENCH_EXTRA:-}"

best_direct=0 best_relay=0
for r in $(seq "$rounds"); do
  dr=$(rate "$(run_source "$sink_port")"); kr=$(rate "$(run_source "$relay_port")")
  printf 'round %d: direct %8.0f msg/s   relay %8.0f msg/s\n' "$r" "$dr" "$kr"
  best_direct=$(max "$dr" "$best_direct"); best_relay=$(max "$kr" "$best_relay")
done
printf 'direct  %8.0f msg/s (smtp-source -> smtp-sink)\n' "$best_direct"
printf 'relay   %8.0f msg/s (smtp-source -> kizuna -> smtp-sink)\n' "$best_relay"
printf 'ratio   %8s (target >= 0.50; %d x 1 KB messages, %d sessions, best of %d)\n' \
  "$(ratio "$best_relay" "$best_direct")" "$messages" "$sessions" "$rounds"
