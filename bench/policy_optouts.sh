#!/usr/bin/env bash
# Issue 3's benchmark: the relay with full policy evaluation (the shipped
# policies/*.yaml: opt-outs, exclusions, hold, caps with sent:{} recording,
# quiet hours, segments, consent, personas and footers) against a Redis with
# 1,000 opt-outs and one with 1,000,000, two relays measured in alternating
# rounds with the direct path. Prints both ratios to direct (target >= 0.5) and
# relay(1M)/relay(1k) (target: within 5%). Then where the CPU went, per message and
# process (smtp-source, smtp-sink, redis-server, kizuna), and how much of the
# machine's CPU a relay at ratio 0.5 would have left after the other processes.
# Quiet hours depend on the clock: the policies' default zone is set to one
# where it is now mid-day, so the rules are all evaluated but none defers.
# Usage: bench/policy_optouts.sh [messages] [sessions] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."

messages=${1:-20000}
sessions=${2:-20}
rounds=${3:-3}
source bench/lib.sh

setup_full_policy

# N opt-outs of addresses the load never uses (smtp-source sends to N<rcpt@example.com>).
optout_csv() {
  python3 - "$1" "$2" "$3" <<'PY'
import sys
start, end, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
with open(path, "w") as f:
    f.write("address,scope,source,reason,at\n")
    for i in range(start, end):
        f.write(f"optout{i}@example{i % 997}.net,{'*' if i % 3 else 'newsletter'},bench,,1700000000\n")
PY
}

extra=$policy_yaml

# Two relays, one per Redis (1k and 1M opt-outs), measured in alternation with the
# direct path, so that the machine's drift hits all three series alike.
start_sink
start_redis -1k
redis_1k=$redis_pid
start_redis -1m
start_kizuna "$extra" -1k
port_1k=$relay_port
kizuna_1k=$kizuna_pid
start_kizuna "$extra" -1m
port_1m=$relay_port

optout_csv 0 1000 "$tmp/1k.csv"
optout_csv 1000 1000000 "$tmp/1m.csv"
"$kizuna" optout import "$tmp/1k.csv" --config "$tmp/kizuna-1k.yaml" >/dev/null
"$kizuna" optout import "$tmp/1k.csv" --config "$tmp/kizuna-1m.yaml" >/dev/null
"$kizuna" optout import "$tmp/1m.csv" --config "$tmp/kizuna-1m.yaml" >/dev/null
echo "keys in redis: $(redis-cli -s "$tmp/redis-1k.sock" dbsize) (1k) and $(redis-cli -s "$tmp/redis-1m.sock" dbsize) (1M)"

d=0 r1=0 r2=0
for r in $(seq "$rounds"); do
  # Fresh recipients each run, or the newsletter cap (3 a week) would drop them.
  sink_before=$(cpu_of "$sink_pid")
  rcpt="d${r}@example.com"; xd=$(rate "$(run_source "$sink_port")"); d=$(max "$xd" "$d")
  direct_source=$(us_per_msg 0 "$(cat "$tmp/source.cpu")")
  direct_sink=$(us_per_msg "$sink_before" "$(cpu_of "$sink_pid")")
  # The 1k relay's run also records what each process spent on it, for the budget below.
  before=($(cpu_of "$sink_pid") $(cpu_of "$redis_1k") $(cpu_of "$kizuna_1k"))
  rcpt="k${r}@example.com"; x1=$(rate "$(run_source "$port_1k")"); r1=$(max "$x1" "$r1")
  after=($(cpu_of "$sink_pid") $(cpu_of "$redis_1k") $(cpu_of "$kizuna_1k"))
  cpu_source=$(us_per_msg 0 "$(cat "$tmp/source.cpu")")
  cpu_sink=$(us_per_msg "${before[0]}" "${after[0]}")
  cpu_redis=$(us_per_msg "${before[1]}" "${after[1]}")
  cpu_kizuna=$(us_per_msg "${before[2]}" "${after[2]}")
  rcpt="m${r}@example.com"; x2=$(rate "$(run_source "$port_1m")"); r2=$(max "$x2" "$r2")
  printf 'round %d: direct %8.0f  relay(1k) %8.0f  relay(1M) %8.0f msg/s\n' "$r" "$xd" "$x1" "$x2" >&2
done

# The figures are only meaningful when the copies were relayed, not held.
for name in -1k -1m; do
  "$kizuna" hold list --config "$tmp/kizuna$name.yaml" > "$tmp/held.txt"
  if ! grep -qi '^no held copies' "$tmp/held.txt"; then
    echo "bench: copies were held instead of relayed ($name):" >&2
    head -5 "$tmp/held.txt" >&2
    exit 1
  fi
done

printf '1k opt-outs: direct %8.0f msg/s  relay %8.0f msg/s  ratio %s\n' "$d" "$r1" "$(ratio "$r1" "$d")"
printf '1M opt-outs: direct %8.0f msg/s  relay %8.0f msg/s  ratio %s\n' "$d" "$r2" "$(ratio "$r2" "$d")"
printf 'relay 1M / relay 1k: %s (target: within 5%%); ratio targets >= 0.50\n' "$(ratio "$r2" "$r1")"
printf '(%d x 1 KB messages, %d sessions, best of %d alternating rounds; policies: %s)\n' "$messages" "$sessions" \
  "$rounds" "$(ls "$tmp"/policies | tr '\n' ' ')"

# Where the CPU goes (last round), and what ratio 0.5 would leave the relay: at half
# the direct rate, all processes together get nproc cores / (direct/2) per message.
# A relay speaks both halves of SMTP, the sink's and the source's, before any policy work.
cores=$(nproc)
budget=$(awk -v c="$cores" -v d="$d" 'BEGIN { printf "%.0f", c * 1e6 / (d / 2) }')
printf 'CPU per message in the direct path: smtp-source %s us, smtp-sink %s us\n' "$direct_source" "$direct_sink"
printf 'CPU per message in the relay path: smtp-source %s us, smtp-sink %s us, redis-server %s us, kizuna %s us\n' \
  "$cpu_source" "$cpu_sink" "$cpu_redis" "$cpu_kizuna"
printf 'at ratio 0.50 (%.0f msg/s on %d cores) every process together has %s us per message: %s us are left for kizuna\n' \
  "$(awk -v d="$d" 'BEGIN { print d / 2 }')" "$cores" "$budget" "$((budget - cpu_source - cpu_sink - cpu_redis))"
