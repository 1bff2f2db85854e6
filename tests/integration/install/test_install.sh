#!/usr/bin/env bash
# install_steps_work: the install steps of docs/admin-guide.md (the block between
# <!-- install-steps --> and <!-- /install-steps -->) run as written, in a scratch
# root instead of /, and end with `kizuna check` passing on the installed example
# and `systemd-analyze verify` clean on the installed unit (issue 13: the old steps
# left `policies: ../policies/*.yaml` pointing at /etc/policies).
#
# What changes to keep the machine untouched, and nothing else:
#   cmake --install build      -> DESTDIR=$root cmake --install $KIZUNA_BUILD_DIR
#   systemd-sysusers/-tmpfiles -> with --root=$root
#   /etc/kizuna, /usr/local    -> under $root
#   -g kizuna                  -> the group's id in $root/etc/group (the host has no such group)
#   runuser -u kizuna --       -> setpriv to that uid/gid (same effect: check runs unprivileged)
#   systemd-analyze verify     -> on the installed unit, its ExecStart program under $root
#   systemctl ...              -> not run (no service manager here)
# Needs root (tmpfiles chowns, the copies get group kizuna); exit 77 (skip) otherwise.
set -euo pipefail
fail() { echo "FAIL: $*" >&2; exit 1; }

src="${KIZUNA_SOURCE_DIR:?}"
build="${KIZUNA_BUILD_DIR:?}"
[[ $EUID -eq 0 ]] || { echo "SKIP: needs root"; exit 77; }
for t in systemd-sysusers systemd-tmpfiles systemd-analyze setpriv; do
  command -v "$t" >/dev/null || { echo "SKIP: $t not installed"; exit 77; }
done

steps="$(sed -n '/<!-- install-steps -->/,/<!-- \/install-steps -->/p' "$src/docs/admin-guide.md" | sed '1d;$d')"
[[ $(grep -c . <<<"$steps") -eq 8 ]] || fail "expected 8 install steps in docs/admin-guide.md, got:
$steps"

root="$(mktemp -d "${TMPDIR:-/tmp}/kizuna-install-XXXXXX")"
trap 'rm -rf "$root"' EXIT
chmod 0755 "$root"  # mktemp makes it 0700: user kizuna must reach /etc/kizuna inside
mkdir -p "$root/etc"

run() { echo "+ $*"; bash -euo pipefail -c "$*"; }
n=0
while IFS= read -r line; do
  line="${line#"${line%%[![:space:]]*}"}"   # the doc indents code by four spaces
  line="${line%%#*}"                        # and comments after the command
  [[ -n "${line// }" ]] || continue
  n=$((n + 1))
  case "$line" in
    "cmake --install build"*)
      run "DESTDIR='$root' cmake --install '$build' >/dev/null" ;;
    systemd-sysusers*)
      line="${line//systemd-sysusers/systemd-sysusers --root=$root}"
      line="${line//systemd-tmpfiles --create/systemd-tmpfiles --root=$root --create}"
      run "$line"
      gid="$(awk -F: '$1 == "kizuna" {print $3}' "$root/etc/group")"
      uid="$(awk -F: '$1 == "kizuna" {print $3}' "$root/etc/passwd")"
      [[ -n "$gid" && -n "$uid" ]] || fail "sysusers made no user/group kizuna" ;;
    install*)
      line="${line//-g kizuna/-g $gid}"
      line="${line//\/etc\/kizuna/$root/etc/kizuna}"
      line="${line//\/usr\/local/$root/usr/local}"
      run "$line" ;;
    "runuser -u kizuna -- "*)
      line="${line#runuser -u kizuna -- }"
      line="${line//\/etc\/kizuna/$root/etc/kizuna}"
      line="${line//\/usr\/local/$root/usr/local}"
      out="$(run "setpriv --reuid=$uid --regid=$gid --clear-groups $line" 2>&1)" || fail "kizuna check failed:
$out"
      echo "$out"
      grep -q ": ok (" <<<"$out" || fail "kizuna check did not say ok" ;;
    "systemd-analyze verify kizuna.service")
      unit="$root/usr/local/lib/systemd/system/kizuna.service"
      [[ -f "$unit" ]] || fail "no unit installed at $unit"
      mkdir -p "$root/verify"
      sed "s|^ExecStart=/usr/local/bin/kizuna |ExecStart=$root/usr/local/bin/kizuna |" "$unit" >"$root/verify/kizuna.service"
      out="$(cd "$root/verify" && systemd-analyze verify --man=no kizuna.service 2>&1)" || fail "verify failed: $out"
      [[ -z "$out" ]] || fail "systemd-analyze verify complained: $out" ;;
    systemctl*) echo "(not run here: $line)" ;;
    *) fail "an install step this test does not know: $line" ;;
  esac
done <<<"$steps"
[[ $n -eq 8 ]] || fail "ran $n steps"

# What the steps left: group-readable config for user kizuna, the state dir.
[[ "$(stat -c '%a %g' "$root/etc/kizuna/kizuna.yaml")" == "640 $gid" ]] || fail "kizuna.yaml mode/group"
[[ "$(stat -c '%a %u' "$root/var/lib/kizuna")" == "750 $uid" ]] || fail "/var/lib/kizuna mode/owner"
[[ -f "$root/usr/local/lib/sysusers.d/kizuna.conf" && -f "$root/usr/local/lib/tmpfiles.d/kizuna.conf" ]] \
  || fail "sysusers/tmpfiles entries not installed"
echo "PASS: the admin guide's install steps work"
