#!/usr/bin/env bash
# Issue 11, acceptance 5: kizuna with full policy, the write-ahead audit record and
# the delivery ledger, against a HAProxy TCP pass-through in the same run:
#   haproxy: smtp-source -> haproxy (mode tcp) -> smtp-sink
#   relay:   smtp-source -> kizuna (shipped policies, footers, unsubscribe links,
#            audit fsync: always, ledger) -> smtp-sink
# A pass-through forwards bytes; a relay speaks both halves of SMTP, decides,
# records and personalizes each copy, so the ratio says what all of that costs over
# the cheapest proxy an admin could put there. 1 KB messages, 20 sessions,
# alternating rounds, best of each. Target: ratio >= 0.80; floor 0.60.
# Also checks that nothing was held and every copy has its relay and outcome records.
# KIZUNA_BINARY: another build (e.g. the previous release, for a before/after in the
# same conditions); KIZUNA_BENCH_EXTRA: extra config YAML (e.g. $'audit:\n  fsync: never').
# Usage: bench/relay_vs_haproxy.sh [messages] [sessions] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."

messages=${1:-20000}
sessions=${2:-20}
rounds=${3:-3}
command -v haproxy >/dev/null || { echo "bench: needs haproxy (apt-get install haproxy)" >&2; exit 1; }
source bench/lib.sh

setup_full_policy

start_sink
start_redis
start_kizuna "$policy_yaml
${KIZUNA_BENCH_EXTRA:-}"

proxy_port=$(free_port)
cat > "$tmp/haproxy.cfg" <<CFG
global
  maxconn 1000
defaults
  mode tcp
  timeout connect 5s
  timeout client 60s
  timeout server 60s
frontend smtp
  bind 127.0.0.1:$proxy_port
  default_backend sink
backend sink
  server sink 127.0.0.1:$sink_port
CFG
haproxy -q -f "$tmp/haproxy.cfg" -db & pids+=($!)
wait_port "$proxy_port"

h=0 k=0
for r in $(seq "$rounds"); do
  # Fresh recipients each run, or the newsletter cap (3 a week) would drop them.
  rcpt="h${r}@example.com"; xh=$(rate "$(run_source "$proxy_port")"); h=$(max "$xh" "$h")
  rcpt="k${r}@example.com"; xk=$(rate "$(run_source "$relay_port")"); k=$(max "$xk" "$k")
  printf 'round %d: haproxy %8.0f msg/s   kizuna %8.0f msg/s\n' "$r" "$xh" "$xk"
done

# The figure means something only if the copies were relayed, not held or deferred.
"$kizuna" hold list --config "$tmp/kizuna.yaml" > "$tmp/held.txt"
grep -qi '^no held copies' "$tmp/held.txt" || { echo "bench: copies were held:" >&2; head -5 "$tmp/held.txt" >&2; exit 1; }
relayed=$(grep -c '"decision":"outcome"' "$tmp/state/audit.jsonl" || true)
intents=$(grep -c '"decision":"relay"' "$tmp/state/audit.jsonl" || true)
printf 'haproxy %8.0f msg/s (smtp-source -> haproxy mode tcp -> smtp-sink)\n' "$h"
printf 'kizuna  %8.0f msg/s (smtp-source -> kizuna full policy, write-ahead audit, ledger -> smtp-sink)\n' "$k"
printf 'ratio   %8s (target >= 0.80, floor 0.60; %d x 1 KB messages, %d sessions, best of %d)\n' \
  "$(ratio "$k" "$h")" "$messages" "$sessions" "$rounds"
printf 'audit: %s write-ahead relay records, %s outcomes (expected %s each)\n' "$intents" "$relayed" \
  "$((messages * rounds))"
