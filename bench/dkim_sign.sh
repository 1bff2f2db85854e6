#!/usr/bin/env bash
# Issue 12: what DKIM signing costs the relay, against what a signature costs
# OpenSSL on the same core, in the same run. For RSA-2048 and Ed25519, bodies of
# 1 KB and 20 KB:
#   floor:      `openssl speed` on the relay's core: us per signature ("sign"), and
#               that plus SHA-256 of the body once ("sign+bh": DKIM hashes the body
#               once per copy; openssl speed -bytes SIZE sha256). Rates are per CPU
#               second (openssl counts user time), so they hold on a busy box.
#               Measured before the loads and after each round; the lowest
#               figure of each is the floor (a neighbour only ever slows a run).
#   extra CPU:  three kizuna processes, identical but for `dkim` (off: no dkim
#               section; rsa: one RSA-2048 key; ed: one Ed25519 key, both for
#               example.com, the From of the load), each with its own Redis, all
#               relaying to one smtp-sink. Same load for each: bench/tools/smtp_blast
#               sending a plain-text message (From: sender@example.com) to 50
#               recipients per message, so per-message work amortizes and CPU per copy is
#               per-copy work. CPU = utime + stime of the kizuna process
#               (/proc/PID/stat) over the run, divided by the copies relayed (audit
#               outcome records). extra = on - off; printed as a ratio to the floors.
#               Target (DESIGN.md): extra <= 1.15 x the raw signature cost. Each
#               thread's CPU is read too, to say where the extra goes: the signing
#               thread against the floor, the I/O thread against the one without dkim.
#   tight loop: dkim::sign alone (bench/tools/sign_cost) on the relay's CPU, for
#               each key and body: the least signing can add per copy, with no
#               I/O and warm caches; against sign+bh it says how much of the 1.15
#               the DKIM bookkeeping itself leaves for the relay.
#   throughput: RSA-2048 copies/s (copies relayed / wall time of the load, several
#               sessions: saturation) against what raw signing allows on the cores
#               the relay has (openssl sign/s per core x cores). Target >= 0.8.
#               Printed with how busy the relay's core was and the ceiling its CPU
#               per copy allows (1 / CPU per copy x cores).
#   stall:      during an RSA load (signing on) and the same load on the off
#               process, a light client on its own connection sends a 1-recipient
#               small message (From light@example.org: no key, on_missing_key:
#               unsigned) every few ms and times MAIL .. the reply to the final dot;
#               p50/p99 reported, no target.
# The relay gets its own core: kizuna runs under `taskset -c 1` with threads: 1 (its
# I/O thread and its one signing thread share that core); this script, hence
# smtp_blast, Redis, smtp-sink and the python client, runs on core 0 (taskset on
# itself). openssl speed runs on core 1 too. Only meaningful with >= 2 cores.
# Checks, failing loudly (they are setup failures, not targets): every copy of the
# load was relayed (one outcome per copy), every relayed copy of a signing process
# has the signature in its audit relay record (`"dkim":"d=example.com s=rsa1"`),
# and one copy delivered by a fourth kizuna (both keys) to a dumping smtp-sink
# carries both DKIM-Signature fields, which dkimpy and Mail::DKIM verify
# (tests/integration/dkim_verifiers.py, when they are installed). Targets are
# reported, not enforced.
# Rounds alternate the order of the processes; per-copy CPU is the lowest of the
# rounds (noise only adds CPU), copies/s the best. Each run prints how the relay's
# core was shared (kizuna : other processes : idle): on a box shared with niced
# fuzzers, CPU per copy still moves by 5-10% between runs (caches, the sibling
# core), more than the 1.15 target's margin; instruction counts (callgrind) do not.
# Knobs (environment): DKIM_BENCH_COPIES (10000 copies per run), DKIM_BENCH_RCPTS
# (50), DKIM_BENCH_SESSIONS (8), DKIM_BENCH_ROUNDS (2), DKIM_BENCH_SPEED_SECONDS
# (2, per openssl speed test), DKIM_BENCH_STALL_SECONDS (8, per side),
# DKIM_BENCH_RELAY_CPUS (1; a taskset list; threads = its size), DKIM_BENCH_LOAD_CPUS
# (0), KIZUNA_BINARY, SMTP_BLAST_BINARY (build/bench/smtp_blast), SIGN_COST_BINARY (build/bench/sign_cost). About 90 s with the
# defaults on the 2-core box.
# Usage: bench/dkim_sign.sh
set -euo pipefail
cd "$(dirname "$0")/.."

copies=${DKIM_BENCH_COPIES:-10000}
rcpts=${DKIM_BENCH_RCPTS:-50}
sessions=${DKIM_BENCH_SESSIONS:-8}
rounds=${DKIM_BENCH_ROUNDS:-2}
speed_s=${DKIM_BENCH_SPEED_SECONDS:-2}
stall_s=${DKIM_BENCH_STALL_SECONDS:-8}
relay_cpus=${DKIM_BENCH_RELAY_CPUS:-1}
load_cpus=${DKIM_BENCH_LOAD_CPUS:-0}
sizes=(1024 20480)
blast=${SMTP_BLAST_BINARY:-build/bench/smtp_blast}
[ -x "$blast" ] || { echo "bench: build first (scripts/quickstart bench)" >&2; exit 1; }
for tool in smtp-sink redis-server redis-cli openssl taskset python3; do
  command -v "$tool" >/dev/null || { echo "bench: needs $tool" >&2; exit 1; }
done
messages=$(( (copies + rcpts - 1) / rcpts ))
copies=$((messages * rcpts))

read -r load1 load5 load15 _ < /proc/loadavg
ncores=$(nproc --all)
printf 'load average at start: %s %s %s on %d cores' "$load1" "$load5" "$load15" "$ncores"
hogs=$(ps -eo ni=,pcpu=,comm= --sort=-pcpu | awk '$2 >= 20 { printf "%s%s (nice %s, %s%%)", n++ ? ", " : "", $3, $1, $2 }')
printf '%s\n' "${hogs:+; busy (ps %cpu): $hogs}"

# Pin this shell (and so every peer it starts) to the load CPUs; kizuna and
# openssl speed go to the relay CPUs.
relay_cpu_list=$(python3 -c 'import os, sys; print(*sorted(os.sched_getaffinity(0) & set(
  c for part in sys.argv[1].split(",") for c in range(int(part.split("-")[0]), int(part.split("-")[-1]) + 1))))' "$relay_cpus")
relay_threads=$(wc -w <<< "$relay_cpu_list")
[ "$relay_threads" -ge 1 ] || { echo "bench: relay CPUs $relay_cpus not available" >&2; exit 1; }
taskset -pc "$load_cpus" $$ >/dev/null || { echo "bench: cannot pin to CPUs $load_cpus" >&2; exit 1; }
export KIZUNA_THREADS=$relay_threads
source bench/lib.sh
real_kizuna=$(readlink -f "$kizuna")
printf '#!/bin/sh\nexec taskset -c %s %s "$@"\n' "$relay_cpus" "$real_kizuna" > "$tmp/kizuna-pinned"
chmod +x "$tmp/kizuna-pinned"
kizuna=$tmp/kizuna-pinned

# ---------------------------------------------------------------------------
# Floors: openssl speed on the relay's CPUs (user CPU time per operation).
speed() { taskset -c "$relay_cpus" openssl speed -mr -seconds "$speed_s" "$@" 2>/dev/null; }
declare -A hash_us sign_us
# Lowest us per operation over the calls (once before the loads and once after
# each round: a neighbour's burst during one openssl run only slows that run).
keep_lowest() { awk -v a="$1" -v b="${2:-1e18}" 'BEGIN { printf "%.2f", (a < b ? a : b) }'; }
measure_floors() {
  local rsa_s ed_s bps size
  rsa_s=$(speed rsa2048 | awk -F: '$1 == "+F2" && $3 == 2048 { print $4 }')
  ed_s=$(speed ed25519 | awk -F: '$1 ~ /^\+F[0-9]+$/ && $4 == "Ed25519" { print $5 }')
  if [ -z "$rsa_s" ] || [ -z "$ed_s" ]; then echo "bench: could not read openssl speed's sign rates" >&2; exit 1; fi
  sign_us[rsa]=$(keep_lowest "$(awk -v r="$rsa_s" 'BEGIN { print 1e6 / r }')" "${sign_us[rsa]:-}")
  sign_us[ed]=$(keep_lowest "$(awk -v r="$ed_s" 'BEGIN { print 1e6 / r }')" "${sign_us[ed]:-}")
  for size in "${sizes[@]}"; do
    bps=$(speed -bytes "$size" sha256 | awk -F: '$1 == "+F" && $3 == "sha256" { print $4 }')
    [ -n "$bps" ] || { echo "bench: could not read openssl speed's sha256 rate" >&2; exit 1; }
    hash_us[$size]=$(keep_lowest "$(awk -v b="$bps" -v s="$size" 'BEGIN { print s * 1e6 / b }')" "${hash_us[$size]:-}")
  done
}
measure_floors
print_floors() {
  printf 'openssl speed -seconds %s on CPU %s (%s), %s: RSA-2048 %s us per signature, Ed25519 %s us, SHA-256 of 1 KB %s us, of 20 KB %s us\n' \
    "$speed_s" "$relay_cpus" "$(openssl version | cut -d' ' -f1-2)" "$1" "${sign_us[rsa]}" "${sign_us[ed]}" "${hash_us[1024]}" \
    "${hash_us[20480]}"
}
print_floors "before the loads"

# ---------------------------------------------------------------------------
# Keys, messages, peers.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/rsa.pem" 2>/dev/null
openssl genpkey -algorithm ED25519 -out "$tmp/ed.pem" 2>/dev/null
chmod 600 "$tmp/rsa.pem" "$tmp/ed.pem"

# A plain-text newsletter of about SIZE bytes of body (words, single spaces, lines
# under 78 characters), LF line ends (smtp_blast sends CRLF).
make_message() {
  python3 - "$1" "$2" "$3" "$4" <<'PY'
import email.utils, random, sys
path, size, sender, to = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
rng = random.Random(12)
words = "relay copy sign canonical header body signature domain selector message newsletter the of and to a in".split()
lines, n = [], 0
while n < size:
    line = ""
    while len(line) < 66:
        line += (" " if line else "") + rng.choice(words)
    lines.append(line)
    n += len(line) + 2
head = [f"From: Bench Sender <{sender}>", f"To: <{to}>", "Subject: DKIM signing benchmark",
        f"Date: {email.utils.formatdate(localtime=False)}", f"Message-ID: <bench-{size}@{sender.split('@')[1]}>",
        "MIME-Version: 1.0", "Content-Type: text/plain; charset=us-ascii", "Content-Transfer-Encoding: 7bit"]
open(path, "w").write("\n".join(head) + "\n\n" + "\n".join(lines) + "\n")
PY
}
for size in "${sizes[@]}"; do make_message "$tmp/msg$size.eml" "$size" sender@example.com list@example.com; done

# The least a signed copy can cost: dkim::sign alone in a tight loop on the relay's
# CPU (bench/tools/sign_cost: body and header canonicalization, hashes, signature,
# base64, folding; warm caches, no I/O), for the same keys and messages.
sign_cost=${SIGN_COST_BINARY:-build/bench/sign_cost}
declare -A tight
if [ -x "$sign_cost" ]; then
  for v in rsa ed; do
    for size in "${sizes[@]}"; do
      read -r whole _ < <(taskset -c "$relay_cpus" "$sign_cost" "$tmp/$v.pem" "$tmp/msg$size.eml" "$speed_s") ||
        { echo "bench: sign_cost failed" >&2; exit 1; }
      tight[$v,$size]=$whole
    done
  done
fi

dkim_yaml() {
  printf 'dkim:\n  keys:\n'
  for k in "$@"; do
    case $k in
      rsa) printf '    - {domain: example.com, selector: rsa1, key_file: %s/rsa.pem}\n' "$tmp" ;;
      ed) printf '    - {domain: example.com, selector: ed1, key_file: %s/ed.pem}\n' "$tmp" ;;
    esac
  done
  printf '  on_missing_key: unsigned\n'
}

start_sink
declare -A port pid
for v in off rsa ed; do
  start_redis "$v"
  if [ "$v" = off ]; then extra=""; else extra=$(dkim_yaml "$v"); fi
  start_kizuna "$extra" "$v" || { echo "bench: kizuna ($v) did not start:" >&2; cat "$tmp/kizuna$v.log" >&2; exit 1; }
  kill -0 "$kizuna_pid" 2>/dev/null || { echo "bench: kizuna ($v) exited:" >&2; cat "$tmp/kizuna$v.log" >&2; exit 1; }
  port[$v]=$relay_port pid[$v]=$kizuna_pid
done
printf 'pinning: kizuna on CPU %s with threads: %d (its I/O thread and its signing thread share the core); smtp_blast, redis, smtp-sink and the python client on CPU %s\n' \
  "$relay_cpus" "$relay_threads" "$load_cpus"

# Outcome records of process $1 (of recipients starting with $2, when given).
outcomes() { grep -F "\"rcpt\":\"${2:-}" "$tmp/state$1/audit.jsonl" 2>/dev/null | grep -c '"decision":"outcome"' || true; }
signed_as() { grep '"decision":"relay"' "$tmp/state$1/audit.jsonl" 2>/dev/null | grep -c "\"dkim\":\"$2\"" || true; }

# Ticks of the relay's CPUs (/proc/stat): "total idle" (idle counts iowait).
core_ticks() {
  awk -v cpus=" $relay_cpu_list " '$1 ~ /^cpu[0-9]+$/ && index(cpus, " " substr($1, 4) " ") {
    for (i = 2; i <= NF; i++) t += $i; idle += $5 + $6 } END { print t, idle }' /proc/stat
}

# CPU ticks (utime + stime) of each thread of process $1: "tid ticks" lines.
thread_ticks() {
  awk '{ s = $0; sub(/^.*\) /, "", s); split(s, f, " "); n = split(FILENAME, p, "/"); print p[n - 1], f[12] + f[13] }' \
    /proc/"$1"/task/*/stat 2>/dev/null || true
}

# One load run: $3 messages of $rcpts recipients of the message of size $2 to process
# $1, $sessions sessions (smtp_blast, pipelining). Recipients are new in every run
# (r<run>-<n>@example.net), or the delivery ledger would find the (Message-ID,
# recipient) pairs already delivered. Once every copy has its outcome record, prints
# "wall_seconds cpu_seconds copies threads core": core is how the relay's CPUs spent
# the run, "kizuna%:others%:idle%" (others: the neighbours, e.g. niced fuzzers);
# threads is the CPU of each thread of
# kizuna in us per copy, "io:sign:audit:other" (labels by start order, server.cpp:
# main, audit writer, the signing pool's threads, the I/O workers, later ones;
# main and later ones are "other"), or "-" if the process has fewer threads.
load() {
  local v=$1 size=$2 n=$3 c0 c1 out after runs
  runs=$(($(cat "$tmp/runs" 2>/dev/null || echo 0) + 1))  # a file: load runs in subshells
  echo "$runs" > "$tmp/runs"
  thread_ticks "${pid[$v]}" > "$tmp/threads0"
  c0=$(cpu_of "${pid[$v]}")
  read -r k0 i0 < <(core_ticks)
  out=$("$blast" --to "127.0.0.1:${port[$v]}" --message "$tmp/msg$size.eml" --messages "$n" --sessions "$sessions" \
    --rcpts "$rcpts" --rcpt-pattern "r$runs-%d@example.net" --from sender@example.com) ||
    { echo "bench: smtp_blast failed against kizuna ($v)" >&2; return 1; }
  case $out in
    *" failures=0"*) ;;
    *) echo "bench: smtp_blast against kizuna ($v): $out" >&2; return 1 ;;
  esac
  for _ in $(seq 200); do
    after=$(outcomes "$v" "r$runs-")
    [ "$after" -ge $((n * rcpts)) ] && break
    sleep 0.05
  done
  c1=$(cpu_of "${pid[$v]}")
  read -r k1 i1 < <(core_ticks)
  thread_ticks "${pid[$v]}" > "$tmp/threads1"
  [ "$after" -eq $((n * rcpts)) ] ||
    { echo "bench: kizuna ($v) relayed $after copies of $((n * rcpts))" >&2; return 1; }
  local threads
  threads=$(sort -n "$tmp/threads0" | awk -v c="$((n * rcpts))" -v hz="$(getconf CLK_TCK)" -v t="$relay_threads" '
    NR == FNR { t0[$1] = $2; next }
    { i++; d = ($2 - t0[$1]) * 1e6 / hz / c
      if (i >= 3 && i < 3 + t) sign += d; else if (i >= 3 + t && i < 3 + 2 * t) io += d
      else if (i == 2) audit += d; else other += d }
    END { if (i < 2 + 2 * t) { print "-"; exit }; printf "%.1f:%.1f:%.1f:%.1f", io, sign, audit, other }' \
    - <(sort -n "$tmp/threads1"))
  awk -v o="$out" -v a="$c0" -v b="$c1" -v c="$((n * rcpts))" -v t="$threads" -v hz="$(getconf CLK_TCK)" \
    -v total=$((k1 - k0)) -v idle=$((i1 - i0)) 'BEGIN {
    match(o, /seconds=[0-9.e+-]+/)
    k = (b - a) * hz; if (total <= 0) total = 1; if (k > total - idle) k = total - idle
    printf "%s %s %d %s %.0f:%.0f:%.0f\n", substr(o, RSTART + 8, RLENGTH - 8), b - a, c, t,
      k * 100 / total, (total - idle - k) * 100 / total, idle * 100 / total }'
}

# Warm-up: downstream connections, Redis, first-use allocations.
for v in off rsa ed; do
  for size in "${sizes[@]}"; do load "$v" "$size" 4 >/dev/null; done
done

# ---------------------------------------------------------------------------
# Measured rounds.
declare -A cpu rate threads busy
for r in $(seq "$rounds"); do
  if [ $((r % 2)) -eq 1 ]; then order=(off rsa ed); else order=(ed rsa off); fi
  for size in "${sizes[@]}"; do
    for v in "${order[@]}"; do
      read -r wall used n per_thread core < <(load "$v" "$size" "$messages") || exit 1
      us=$(awk -v u="$used" -v n="$n" 'BEGIN { printf "%.1f", u * 1e6 / n }')
      x=$(awk -v n="$n" -v w="$wall" 'BEGIN { printf "%.0f", n / w }')
      k="$v,$size"
      if awk -v a="$us" -v b="${cpu[$k]:-1e18}" 'BEGIN { exit !(a < b) }'; then cpu[$k]=$us threads[$k]=$per_thread; fi
      if [ "$x" -gt "${rate[$k]:-0}" ]; then rate[$k]=$x busy[$k]=$core; fi
      printf 'round %d %3s %2dK: %6s us CPU/copy (io:sign:audit:other threads %s), %5s copies/s, relay core kizuna:others:idle %s%%\n' \
        "$r" "$v" $((size / 1024)) "$us" "$per_thread" "$x" "$core"
    done
  done
  measure_floors
done
print_floors "lowest of $((rounds + 1)) runs"

# Every copy of a signing process was signed with its key (relay records carry it).
for v in rsa ed; do
  sel=$([ "$v" = rsa ] && echo rsa1 || echo ed1)
  total=$(outcomes "$v") signed=$(signed_as "$v" "d=example.com s=$sel")
  [ "$signed" -eq "$total" ] ||
    { echo "bench: kizuna ($v): $signed of $total relay records carry d=example.com s=$sel" >&2; exit 1; }
done

# ---------------------------------------------------------------------------
# Stall check: a light client next to an RSA load (rsa process) and the same load
# without signing (off process), each sized to last about $stall_s seconds.
light_client() {
  python3 - "$1" "$2" "$3" <<'PY'
import os, smtplib, sys, time
port, stop, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
msg = ("From: Light <light@example.org>\r\nTo: <light@example.net>\r\nSubject: light\r\n"
       "Message-ID: <light-{}-{}@example.org>\r\n\r\nA small transactional message.\r\n")
s = smtplib.SMTP("127.0.0.1", port, local_hostname="light.example.org", timeout=60)
s.ehlo()
lat, bad = [], 0
while not os.path.exists(stop):
    t0 = time.perf_counter()
    r = s.mail("light@example.org")
    if r[0] == 250:
        r = s.rcpt("light@example.net")
    if r[0] == 250:
        try:
            r = s.data(msg.format(port, len(lat) + bad).encode())
        except smtplib.SMTPDataError as e:
            r = (e.smtp_code, e.smtp_error)
    if r[0] == 250:
        lat.append((time.perf_counter() - t0) * 1000)
    else:
        if not bad:
            print("light client: first failure:", r, file=sys.stderr)
        bad += 1
        s.rset()
    time.sleep(0.01)
s.quit()
lat.sort()
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] if lat else float("nan")
open(out, "w").write(f"{len(lat)} {q(0.5):.2f} {q(0.99):.2f} {lat[-1] if lat else float('nan'):.2f} {bad}\n")
PY
}
declare -A stall
for v in off rsa; do
  n=$(awk -v x="${rate[$v,1024]}" -v s="$stall_s" -v r="$rcpts" 'BEGIN { n = int(x * s / r); print (n < 1 ? 1 : n) }')
  rm -f "$tmp/stop"
  light_client "${port[$v]}" "$tmp/stop" "$tmp/light$v.txt" & light=$!
  sleep 0.5
  load "$v" 1024 "$n" >/dev/null || exit 1
  touch "$tmp/stop"
  wait "$light" || { echo "bench: the light client failed against kizuna ($v)" >&2; exit 1; }
  stall[$v]=$(cat "$tmp/light$v.txt")
done
unsigned_light=$(grep '"decision":"relay"' "$tmp/statersa/audit.jsonl" | grep '"rcpt":"light@example.net"' |
  grep -c '"dkim":"unsigned' || true)

# ---------------------------------------------------------------------------
# One delivered copy, signed with both keys, verified offline.
check_port=$(free_port)
smtp-sink -u "$([ "$(id -u)" -eq 0 ] && echo root || id -un)" -d "$tmp/dump/%M." "127.0.0.1:$check_port" 16 & pids+=($!)
wait_port "$check_port"
saved_sink=$sink_port sink_port=$check_port
start_redis check
start_kizuna "$(dkim_yaml rsa ed)" check
sink_port=$saved_sink
"$blast" --to "127.0.0.1:$relay_port" --message "$tmp/msg1024.eml" --messages 1 --sessions 1 --rcpts 1 \
  --rcpt-pattern 'check%d@example.net' --from sender@example.com >/dev/null
for _ in $(seq 100); do [ -n "$(ls "$tmp/dump" 2>/dev/null)" ] && break; sleep 0.05; done
copy=$(ls "$tmp"/dump/* 2>/dev/null | head -1)
[ -n "$copy" ] || { echo "bench: the check copy did not reach the sink" >&2; exit 1; }
sigs=$(grep -c '^DKIM-Signature:' "$copy" || true)
[ "$sigs" -eq 2 ] || { echo "bench: the check copy has $sigs DKIM-Signature fields, expected 2" >&2; exit 1; }
verified="not verified (tests/integration/dkim_verifiers.py or dkimpy missing)"
if [ -f tests/integration/dkim_verifiers.py ] && [ -d /usr/lib/python3/dist-packages/dkim ]; then
  records=()
  while read -r rec; do records+=(--key-record "$rec"); done < <("$real_kizuna" dkim dns --config "$tmp/kizunacheck.yaml" |
    python3 -c 'import re, sys
text = sys.stdin.read()
for name, body in re.findall(r"^(\S+)\s+(?:\d+\s+)?(?:IN\s+)?TXT\s+\(?\s*((?:\"[^\"]*\"\s*)+)\)?", text, re.M):
    print(name.rstrip(".") + "=" + "".join(re.findall(r"\"([^\"]*)\"", body)))')
  python3 -c 'import sys; d = open(sys.argv[1], "rb").read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"); open(sys.argv[2], "wb").write(d)' \
    "$copy" "$tmp/check.eml"
  if python3 tests/integration/dkim_verifiers.py --no-opendkim "${records[@]}" "$tmp/check.eml" > "$tmp/verify.txt" 2>&1; then
    verified="verified: $(tr '\n' ';' < "$tmp/verify.txt" | sed 's/;$//; s/;/; /g')"
  else
    echo "bench: the check copy does not verify:" >&2; cat "$tmp/verify.txt" >&2; exit 1
  fi
fi

# ---------------------------------------------------------------------------
# The floor "sign+bh" of key $1 for body size $2 (us), and the key's name.
floor_bh() { awk -v a="${sign_us[$1]}" -v b="${hash_us[$2]}" 'BEGIN { printf "%.1f", a + b }'; }
key_name() { if [ "$1" = rsa ]; then echo RSA-2048; else echo Ed25519; fi; }

echo
printf 'DKIM signing, %d copies per run (%d messages x %d recipients, %d sessions), best of %d rounds, kizuna %s\n' \
  "$copies" "$messages" "$rcpts" "$sessions" "$rounds" "$real_kizuna"
printf '%-8s %5s | %9s %9s %9s | %9s %9s | %9s %9s | %9s %9s\n' key body "off" "on" extra \
  "sign" "sign+bh" "x sign" "x sign+bh" "off/s" "on/s"
printf '%-8s %5s | %29s | %19s | %19s | %19s\n' "" "" "kizuna CPU us per copy" "floor us (openssl)" \
  "extra / floor" "copies/s"
for v in rsa ed; do
  name=$(key_name "$v")
  for size in "${sizes[@]}"; do
    off=${cpu[off,$size]} on=${cpu[$v,$size]}
    extra=$(awk -v a="$on" -v b="$off" 'BEGIN { printf "%.1f", a - b }')
    f1=${sign_us[$v]} f2=$(floor_bh "$v" "$size")
    printf '%-8s %4dK | %9s %9s %9s | %9s %9s | %8sx %8sx | %9s %9s\n' "$name" $((size / 1024)) "$off" "$on" \
      "$extra" "$f1" "$f2" "$(ratio "$extra" "$f1")" "$(ratio "$extra" "$f2")" "${rate[off,$size]}" "${rate[$v,$size]}"
  done
done
echo "target: extra <= 1.15 x the raw signature cost (x sign+bh: the signature and one SHA-256 of the body)"
if [ -n "${tight[rsa,1024]:-}" ]; then
  echo "dkim::sign alone in a tight loop on the relay's CPU (bench/tools/sign_cost; no I/O, warm caches: the least"
  echo "a signed copy can add), against the floor sign+bh:"
  for v in rsa ed; do
    name=$(key_name "$v")
    for size in "${sizes[@]}"; do
      f2=$(floor_bh "$v" "$size")
      printf '%-8s %4dK: %7.1f us = %sx sign+bh (%+.1f us of canonicalization, header hash, base64, folding)\n' "$name" \
        $((size / 1024)) "${tight[$v,$size]}" "$(ratio "${tight[$v,$size]}" "$f2")" \
        "$(awk -v a="${tight[$v,$size]}" -v b="$f2" 'BEGIN { print a - b }')"
    done
  done
fi
echo "where the extra goes, us per copy (per-thread CPU of the lowest-CPU run; signing thread against the floor"
echo "sign+bh, the other threads against the same thread of the process without dkim):"
for v in rsa ed; do
  name=$(key_name "$v")
  for size in "${sizes[@]}"; do
    f2=$(floor_bh "$v" "$size")
    if [ "${threads[$v,$size]}" = - ] || [ "${threads[off,$size]}" = - ]; then
      printf '%-8s %4dK: (threads not identified)\n' "$name" $((size / 1024)); continue
    fi
    IFS=: read -r io sg au ot <<< "${threads[$v,$size]}"
    IFS=: read -r io0 sg0 au0 ot0 <<< "${threads[off,$size]}"
    awk -v n="$name" -v k=$((size / 1024)) -v f="$f2" -v io="$io" -v sg="$sg" -v au="$au" -v ot="$ot" \
      -v io0="$io0" -v sg0="$sg0" -v au0="$au0" -v ot0="$ot0" 'BEGIN {
      printf "%-8s %4dK: signing thread %6.1f (floor %6.1f, %+6.1f = %.2fx); I/O thread %+6.1f (%.1f -> %.1f); audit %+5.1f; other %+5.1f\n",
        n, k, sg - sg0, f, sg - sg0 - f, (sg - sg0) / f, io - io0, io0, io, au - au0, ot - ot0 }'
  done
done
allowed=$(awk -v u="${sign_us[rsa]}" -v c="$relay_threads" 'BEGIN { printf "%.0f", 1e6 / u * c }')
for size in "${sizes[@]}"; do
  ceiling=$(awk -v u="${cpu[rsa,$size]}" -v c="$relay_threads" 'BEGIN { printf "%.0f", c * 1e6 / u }')
  IFS=: read -r ck co ci <<< "${busy[rsa,$size]}"
  printf 'RSA-2048 throughput, %2dK body: %s copies/s signed vs %s/s raw signing on %d core(s) (openssl sign/s x cores) = %s (target >= 0.80)\n' \
    $((size / 1024)) "${rate[rsa,$size]}" "$allowed" "$relay_threads" "$(ratio "${rate[rsa,$size]}" "$allowed")"
  printf '    the relay core meanwhile: kizuna %s%%, other processes %s%%, idle %s%%; kizuna'"'"'s CPU per copy allows %s/s (%s) on a core of its own\n' \
    "$ck" "$co" "$ci" "$ceiling" "$(ratio "$ceiling" "$allowed")"
done
for v in off rsa; do
  read -r n p50 p99 worst bad <<< "${stall[$v]}"
  printf 'stall check, signing %-3s: light 1-rcpt transaction MAIL..final reply p50 %6s ms  p99 %7s ms  max %7s ms (%d transactions, %d failed) during %s load\n' \
    "$([ "$v" = rsa ] && echo on || echo off)" "$p50" "$p99" "$worst" "$n" "$bad" \
    "$([ "$v" = rsa ] && echo "an RSA-2048 signing" || echo "the same unsigned")"
done
printf 'light copies relayed unsigned by the signing process: %d (on_missing_key: unsigned)\n' "$unsigned_light"
printf 'check copy (both keys, via a dumping smtp-sink): %d DKIM-Signature fields, %s\n' "$sigs" "$verified"
