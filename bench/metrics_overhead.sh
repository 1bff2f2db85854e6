#!/usr/bin/env bash
# Issue 13, acceptance 4: what counting costs. Two kizuna processes in the same run,
# identical (shipped policies, footers, unsubscribe links, audit fsync: always,
# ledger, each its own Redis) except for the config key `metrics`:
#   on:  metrics: true (the default), /metrics served on admin_http
#   off: metrics: false (no thread counts anything, /metrics is 404)
# smtp-source -> kizuna -> smtp-sink, 1 KB messages, alternating rounds, best of
# each. Prints both rates and the relative difference; target: within 3%.
# Checks that the "on" process counted every copy (kizuna_recipients_total
# {decision="relay"} on /metrics) and that the "off" one serves no /metrics, so the
# figures compare what they say they compare.
# On a shared 2-core box the rate of one round moves by 10-20% with the neighbours'
# load, more than the 3% asked, so the script also counts what does not move:
# instructions. With valgrind installed, both relays are started again under
# callgrind, warmed up, zeroed, sent CALLGRIND_MESSAGES (1000) messages over 4
# sessions and dumped; it prints instructions per message, every thread of the
# process summed, and their relative difference (set CALLGRIND_MESSAGES=0 to skip).
# KIZUNA_BINARY: another build; KIZUNA_BENCH_EXTRA: extra config YAML for both.
# Usage: bench/metrics_overhead.sh [messages] [sessions] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."

messages=${1:-20000}
sessions=${2:-20}
rounds=${3:-3}
source bench/lib.sh

setup_full_policy
common="$policy_yaml
${KIZUNA_BENCH_EXTRA:-}"

# Both relays (names on and off: config, Redis, state dir), each with its admin server.
start_pair() {
  local suffix=${1:-}
  start_redis "on$suffix"
  start_redis "off$suffix"
  admin_on=$(free_port) admin_off=$(free_port)
  start_kizuna "$common
admin_http:
  listen: 127.0.0.1:$admin_on
metrics: true" "on$suffix"
  port_on=$relay_port pid_on=$kizuna_pid
  start_kizuna "$common
admin_http:
  listen: 127.0.0.1:$admin_off
metrics: false" "off$suffix"
  port_off=$relay_port pid_off=$kizuna_pid
  wait_port "$admin_on"
  wait_port "$admin_off"
}

start_sink
start_pair

# One run against the relay named $1 (on/off): sets x$1 (msg/s) and cpu$1 (us CPU per
# message of that kizuna process).
measure() {
  local port pid c0 c1
  if [ "$1" = on ]; then port=$port_on pid=$pid_on; else port=$port_off pid=$pid_off; fi
  # Fresh recipients each run, or the newsletter cap (3 a week) would drop them.
  rcpt="$1${r}@example.com"; c0=$(cpu_of "$pid")
  printf -v "x$1" '%s' "$(rate "$(run_source "$port")")"
  c1=$(cpu_of "$pid")
  printf -v "cpu$1" '%s' "$(us_per_msg "$c0" "$c1")"
}

on=0 off=0 cpu_on_sum=0 cpu_off_sum=0
for r in $(seq "$rounds"); do
  # Alternating which goes first, so a warm-up or a neighbour's burst does not
  # always land on the same side.
  if [ $((r % 2)) -eq 1 ]; then measure off; measure on; else measure on; measure off; fi
  off=$(max "$xoff" "$off"); on=$(max "$xon" "$on")
  cpu_off_sum=$((cpu_off_sum + cpuoff)) cpu_on_sum=$((cpu_on_sum + cpuon))
  printf 'round %d: metrics off %8.0f msg/s (%s us CPU/msg)   metrics on %8.0f msg/s (%s us CPU/msg)\n' \
    "$r" "$xoff" "$cpuoff" "$xon" "$cpuon"
done

# The "on" process counted every relayed copy; the "off" one serves no metrics.
expected=$((messages * rounds))
counted=$(curl -s "http://127.0.0.1:$admin_on/metrics" |
  awk '/^kizuna_recipients_total\{/ && /decision="relay"/ { n += $NF } END { printf "%d", n }')
[ "$counted" -eq "$expected" ] ||
  { echo "bench: metrics on counted $counted relayed recipients, expected $expected" >&2; exit 1; }
status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$admin_off/metrics")
[ "$status" = 404 ] || { echo "bench: metrics off still serves /metrics ($status)" >&2; exit 1; }
for name in on off; do
  outcomes=$(grep -c '"decision":"outcome"' "$tmp/state$name/audit.jsonl" || true)
  [ "$outcomes" -eq "$expected" ] ||
    { echo "bench: metrics $name relayed $outcomes copies, expected $expected" >&2; exit 1; }
done

printf 'metrics off %8.0f msg/s, %d us CPU/msg in kizuna (mean of rounds)\n' "$off" "$((cpu_off_sum / rounds))"
printf 'metrics on  %8.0f msg/s, %d us CPU/msg in kizuna (mean of rounds)\n' "$on" "$((cpu_on_sum / rounds))"
printf 'difference  %+7.1f%% (on vs off; target within 3%%; %d x 1 KB messages, %d sessions, best of %d, full policy)\n' \
  "$(awk -v a="$on" -v b="$off" 'BEGIN { print (a - b) * 100 / b }')" "$messages" "$sessions" "$rounds"

# Instructions per message under callgrind (see the header).
cg_messages=${CALLGRIND_MESSAGES:-1000}
if [ "$cg_messages" -gt 0 ] && command -v valgrind >/dev/null && command -v callgrind_control >/dev/null; then
  kill "$pid_on" "$pid_off"
  wait "$pid_on" "$pid_off" 2>/dev/null || true
  real_kizuna=$(readlink -f "$kizuna")
  printf '#!/bin/sh\nexec valgrind --tool=callgrind --callgrind-out-file=%s/callgrind.%%p.out %s "$@"\n' \
    "$tmp" "$real_kizuna" > "$tmp/kizuna-callgrind"
  chmod +x "$tmp/kizuna-callgrind"
  kizuna=$tmp/kizuna-callgrind messages=$cg_messages sessions=4 r=cg
  start_pair -cg
  declare -A ir
  for name in off on; do
    if [ "$name" = on ]; then port=$port_on pid=$pid_on; else port=$port_off pid=$pid_off; fi
    rcpt="warm-$name@example.com"; run_source "$port" >/dev/null  # connections, caches, Redis
    callgrind_control -z "$pid" >/dev/null 2>&1
    rcpt="cg-$name@example.com"; run_source "$port" >/dev/null
    callgrind_control -d "$pid" >/dev/null 2>&1
    for _ in $(seq 200); do [ -s "$tmp/callgrind.$pid.out.1" ] && break; sleep 0.05; done
    ir[$name]=$(awk '/^summary:/ { print $2 }' "$tmp/callgrind.$pid.out.1")
    [ -n "${ir[$name]}" ] || { echo "bench: no callgrind dump for metrics $name" >&2; exit 1; }
  done
  printf 'callgrind: metrics off %d instructions/msg, metrics on %d instructions/msg, difference %+.2f%% (%d messages, 4 sessions, after a warm-up)\n' \
    "$((ir[off] / cg_messages))" "$((ir[on] / cg_messages))" \
    "$(awk -v a="${ir[on]}" -v b="${ir[off]}" 'BEGIN { print (a - b) * 100 / b }')" "$cg_messages"
fi
