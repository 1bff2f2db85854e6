#!/usr/bin/env bash
# Builds the libFuzzer targets (if needed) and runs each for a bounded time,
# two at a time, each on a writable copy of its seed corpus (nothing is written
# into the repository). Prints execs, cov and ft per target; exits 1 if any
# target crashed, hit a sanitizer report, an oracle failure, a timeout or OOM.
#
#   tests/fuzz/run.sh [SECONDS_PER_TARGET] [BUILD_DIR]
#
# SECONDS_PER_TARGET defaults to 30, BUILD_DIR to <repo>/build-fuzz.
# Environment:
#   FUZZ_TARGETS   space-separated subset (default: all nine)
#   FUZZ_JOBS      targets run at once (default 2)
#   FUZZ_WORK_DIR  where corpora, logs and crash inputs go (default: a new temp
#                  dir, removed after a clean run, kept after a failure)
#   FUZZ_ARGS      extra libFuzzer flags (e.g. "-dict=..." or "-max_len=100000")
#   CC, CXX        compilers for a fresh configure (default clang-16/clang++-16)
set -euo pipefail

seconds=${1:-30}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${2:-$repo/build-fuzz}
jobs=${FUZZ_JOBS:-2}
all_targets="fuzz_smtp_command fuzz_data_assembler fuzz_mime fuzz_template fuzz_address fuzz_loaders fuzz_admin_http fuzz_resp fuzz_dkim"
targets=${FUZZ_TARGETS:-$all_targets}

# Seed corpus of each target: the repository's fixtures plus small hand-written
# seeds (tests/fuzz/seeds/<target without fuzz_>/).
seeds_of() {
  local name=${1#fuzz_}
  local fx=$repo/tests/fixtures
  [ -d "$repo/tests/fuzz/seeds/$name" ] && echo "$repo/tests/fuzz/seeds/$name"/*
  case $1 in
    fuzz_data_assembler | fuzz_mime | fuzz_dkim) ls "$fx"/mime/*.eml "$fx"/personalize/*.eml ;;
    fuzz_template) ls "$fx"/personalize/*.eml "$fx"/mime/*.eml ;;
    fuzz_loaders)
      find "$fx/config/valid" "$fx/config/invalid" "$fx/policy" "$repo/config" "$repo/policies" \
        -type f \( -name '*.yaml' -o -name '*.yml' \) 2>/dev/null ;;
  esac
}

if [ ! -f "$build/build.ninja" ] && [ ! -f "$build/Makefile" ]; then
  generator=()
  command -v ninja >/dev/null && generator=(-G Ninja)
  CC=${CC:-clang-16} CXX=${CXX:-clang++-16} cmake -S "$repo" -B "$build" "${generator[@]}" \
    -DKIZUNA_FUZZ=ON -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" -j2 --target fuzz_all

if [ -n "${FUZZ_WORK_DIR:-}" ]; then
  work=$FUZZ_WORK_DIR
  mkdir -p "$work"
  keep=1
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/kizuna-fuzz.XXXXXX")
  keep=0
fi

run_one() {
  local t=$1 dir=$work/$1
  mkdir -p "$dir/corpus" "$dir/artifacts"
  local f
  while read -r f; do
    [ -f "$f" ] && cp "$f" "$dir/corpus/seed-$(basename "$f")"
  done < <(seeds_of "$t")
  # A dictionary of the format's tokens when the target has one.
  local dict=()
  [ -f "$repo/tests/fuzz/dicts/${t#fuzz_}.dict" ] && dict=(-dict="$repo/tests/fuzz/dicts/${t#fuzz_}.dict")
  # -timeout: a single input taking 10 s is a hang; -rss_limit_mb: a leak or an
  # allocation a hostile input controls; -reload=0: each target owns its corpus
  # directory, and rereading it every second (the default, for -jobs sharing one)
  # took up to 15% of the slow targets' time. (-use_value_profile=1 in FUZZ_ARGS
  # helps a long run past exact comparisons, at about half the speed.)
  # shellcheck disable=SC2086
  "$build/tests/fuzz/$t" "$dir/corpus" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 \
    -rss_limit_mb=2048 -reload=0 "${dict[@]}" -artifact_prefix="$dir/artifacts/" ${FUZZ_ARGS:-} \
    >"$dir/log" 2>&1
  echo $? >"$dir/status"
}
export -f run_one seeds_of
export work build seconds repo
# Symbolized reports (the default llvm-symbolizer may be another version).
for s in llvm-symbolizer-16 llvm-symbolizer; do
  if command -v "$s" >/dev/null; then export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-$(command -v "$s")}; break; fi
done

printf '%s\n' $targets | xargs -P "$jobs" -I{} bash -c 'run_one {}' || true

failed=0
printf '%-22s %12s %8s %8s %s\n' target execs cov ft result
for t in $targets; do
  dir=$work/$t
  status=$(cat "$dir/status" 2>/dev/null || echo 99)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$dir/log" | grep -E 'cov: [0-9]+' | tail -1 || true)
  # -fork mode prints no stat:: lines: the last status line's count then.
  [ -n "$execs" ] || execs=$(sed -nE 's/^#([0-9]+).*/\1/p' <<<"$last")
  cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")
  ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")
  result=ok
  if [ "$status" != 0 ]; then
    result="FAILED (exit $status): $(ls "$dir"/artifacts/ 2>/dev/null | head -3 | tr '\n' ' ')"
    failed=1
  fi
  printf '%-22s %12s %8s %8s %s\n' "$t" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$result"
done

if [ $failed != 0 ]; then
  for t in $targets; do
    dir=$work/$t
    [ "$(cat "$dir/status" 2>/dev/null || echo 99)" = 0 ] && continue
    echo "=== $t: $dir/log (excerpt)"
    grep -E -A25 'ERROR: (AddressSanitizer|libFuzzer|UndefinedBehaviorSanitizer|LeakSanitizer)|runtime error|oracle failed|==ERROR' \
      "$dir/log" | head -40 || tail -30 "$dir/log"
    echo "    reproduce: $build/tests/fuzz/$t $dir/artifacts/<file>"
  done
  echo "fuzz: failures; inputs, logs and corpora kept in $work"
  exit 1
fi
[ $keep = 1 ] || rm -rf "$work"
echo "fuzz: all targets ran ${seconds}s without a finding"
