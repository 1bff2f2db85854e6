// kizuna::daemon — the systemd readiness protocol (sd_notify(3)), hand-written so the
// relay does not depend on libsystemd.
//
// Protocol: systemd passes NOTIFY_SOCKET in the environment, either a filesystem path
// ("/run/systemd/notify") or a Linux abstract-namespace name ("@/org/freedesktop/...").
// A notification is one AF_UNIX SOCK_DGRAM datagram of newline-separated VAR=VALUE
// assignments. Other address forms (e.g. "vsock:", systemd 254+) are not supported and
// are treated as "not under systemd".
//
// How `kizuna serve` uses it (unit: systemd/kizuna.service, Type=notify):
//   - notify_ready()      once config is loaded and every listener is bound;
//   - on SIGHUP:          notify_reloading(), reload, then notify_ready() again — also when
//                         the reload is refused (old config kept), after notify_status(why);
//   - on SIGTERM:         notify_stopping(), then drain.
//
// Errors: none escape. Every function is noexcept; a missing or unusable NOTIFY_SOCKET
// or a failed send is reported only by notify()'s return value, since a relay must
// keep working when started outside systemd or when the manager is gone.
// Thread-safety: safe from any thread, as long as nothing calls setenv() concurrently.
#pragma once

#include <string_view>

namespace kizuna::daemon {

// Sends `state` (e.g. "READY=1" or "STATUS=...\nERRNO=5") as one datagram to
// $NOTIFY_SOCKET. Returns false when NOTIFY_SOCKET is unset, empty, unsupported or
// too long for sockaddr_un, or when the datagram could not be sent whole.
bool notify(std::string_view state) noexcept;

// "READY=1": start-up or a reload has finished.
void notify_ready() noexcept;

// "RELOADING=1\nMONOTONIC_USEC=<CLOCK_MONOTONIC µs>": a reload has begun. systemd 253+
// requires the timestamp for Type=notify-reload; older versions ignore it.
// Must be followed by notify_ready() when the reload ends, whatever its outcome.
void notify_reloading() noexcept;

// "STOPPING=1": shutdown (drain) has begun.
void notify_stopping() noexcept;

// "STATUS=<text>": the one-line status shown by `systemctl status`. Newlines in `text`
// become spaces (they would start a new assignment); text past 1 KiB is cut at a UTF-8
// character boundary.
void notify_status(std::string_view text) noexcept;

}  // namespace kizuna::daemon
