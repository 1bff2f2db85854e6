# Shared pieces of the relay benchmarks (sourced, not run): private peers on
# loopback, started in $tmp and ended by PID on exit. Sourcing it checks that
# $kizuna (KIZUNA_BINARY, default build/relay/kizuna) is built, makes a fresh
# $tmp and arranges the cleanup.

kizuna=${KIZUNA_BINARY:-build/relay/kizuna}
[ -x "$kizuna" ] || { echo "bench: build first (scripts/quickstart bench)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/kizuna-bench-XXXXXX)
pids=()
bench_cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap bench_cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 500); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.02; done; return 1; }

# Postfix's smtp-sink on $sink_port (process $sink_pid).
start_sink() {
  sink_port=$(free_port)
  local user; user=$([ "$(id -u)" -eq 0 ] && echo root || id -un)
  smtp-sink -u "$user" -m 1000 "127.0.0.1:$sink_port" 1024 & pids+=($!)
  sink_pid=$!
  wait_port "$sink_port"
}

# A private redis-server on $tmp/redis$1.sock ($1: an optional name, for several),
# process $redis_pid.
start_redis() {
  local name=${1:-}
  redis-server --port 0 --unixsocket "$tmp/redis$name.sock" --save "" --appendonly no --dir "$tmp" \
    --dbfilename "dump$name.rdb" --logfile "$tmp/redis$name.log" & pids+=($!)
  redis_pid=$!
  for _ in $(seq 500); do redis-cli -s "$tmp/redis$name.sock" ping >/dev/null 2>&1 && break; sleep 0.02; done
}

# kizuna relaying to the sink, listening on $relay_port; extra YAML in $1; $2: an
# optional name, for several (config $tmp/kizuna$2.yaml, Redis $tmp/redis$2.sock);
# process $kizuna_pid.
start_kizuna() {
  local name=${2:-}
  relay_port=$(free_port)
  cat > "$tmp/kizuna$name.yaml" <<YAML
threads: ${KIZUNA_THREADS:-2}
listen:
  - address: 127.0.0.1:$relay_port
downstream:
  host: 127.0.0.1
  port: $sink_port
  max_connections: 32
redis:
  address: unix:$tmp/redis$name.sock
state_dir: $tmp/state$name
${1:-}
YAML
  "$kizuna" serve --config "$tmp/kizuna$name.yaml" 2>"$tmp/kizuna$name.log" & pids+=($!)
  kizuna_pid=$!
  wait_port "$relay_port"
}

# Seconds (float) for one smtp-source run of $messages 1 KB messages over $sessions sessions,
# to N$rcpt (N = 1..messages; default rcpt@example.com). The CPU seconds smtp-source
# itself used (user + system) are left in $tmp/source.cpu.
run_source() {
  python3 - "$tmp/source.cpu" smtp-source -s "$sessions" -m "$messages" -l 1024 -d -N -t "${rcpt:-rcpt@example.com}" \
    -f bench@example.org "127.0.0.1:$1" <<'PY'
import resource, subprocess, sys, time
start = time.monotonic()
subprocess.run(sys.argv[2:], check=True, stdout=subprocess.DEVNULL)
wall = time.monotonic() - start
used = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write(f"{used.ru_utime + used.ru_stime}\n")
print(wall)
PY
}

# CPU seconds (user + system) a running process has used so far.
cpu_of() { awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$1/stat"; }
# Microseconds per message of a CPU-seconds difference.
us_per_msg() { awk -v a="$1" -v b="$2" -v m="$messages" 'BEGIN { printf "%.0f", (b - a) * 1e6 / m }'; }

rate() { awk -v m="$messages" -v t="$1" 'BEGIN { print m / t }'; }
max() { awk -v a="$1" -v b="$2" 'BEGIN { print (a > b ? a : b) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# The shipped policies (opt-outs, exclusions, hold, caps, quiet hours, segments,
# consent, personas, footers) with unsubscribe links: copies them to $tmp/policies,
# sets their default zone to one where it is mid-day now (quiet hours are all
# evaluated, none defers), makes an unsubscribe key, and sets $policy_yaml to the
# config YAML that loads them (without unsubscribe links every marketing copy would
# be held).
setup_full_policy() {
  mkdir -p "$tmp/policies"
  cp policies/*.yaml "$tmp/policies/"
  local zone
  zone=$(python3 -c 'import datetime; o=(13-datetime.datetime.now(datetime.timezone.utc).hour)%24; o=o-24 if o>14 else o; print("UTC" if o==0 else "Etc/GMT%s%d" % ("-" if o>0 else "+", abs(o)))')
  sed -i "s|default: Asia/Tokyo|default: $zone|" "$tmp/policies/10-categories.yaml"
  openssl rand -hex 32 > "$tmp/unsubscribe.keys"
  policy_yaml="policies: [$tmp/policies/*.yaml]
unsubscribe:
  base_url: https://u.example.com
  mailto_domain: example.com
  secret_file: $tmp/unsubscribe.keys"
}
