// The validated configuration snapshot (SPEC §3). Built once by config::load(),
// then only read: the daemon holds it as shared_ptr<const settings> and swaps the
// pointer on SIGHUP, so a session keeps the snapshot it started with.
//
// Each key is documented once here as `name (default)`, with its bounds; the
// loader enforces the bounds and reports violations as file:line:col.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "relay/core/cidr.hpp"
#include "relay/core/endpoint.hpp"
#include "relay/dkim/key_table.hpp"

namespace kizuna::config {

enum class protocol { smtp, lmtp };

struct tls_settings {
  std::filesystem::path cert;  // cert: PEM chain (required)
  std::filesystem::path key;   // key: PEM private key (required)
  bool require = false;        // require (false): refuse MAIL before STARTTLS
};

struct listener_settings {
  endpoint address;                   // address: "host:port" or "unix:/path" (required)
  protocol proto = protocol::smtp;    // protocol (smtp): smtp | lmtp
  std::optional<tls_settings> tls;    // tls: STARTTLS on this listener (absent: off)
  std::filesystem::path auth_users;   // auth: users file with hashed passwords (absent: no AUTH)
  std::string category;               // category (none): every message on this listener has this
                                      //   category (X-Kizuna-Category is ignored there), so opt-outs
                                      //   are decided at RCPT; e.g. a marketing-only port
  std::vector<cidr> allow_clients;    // allow_clients ([127.0.0.1/32, ::1/128]): who may relay
                                      //   without AUTH; unix sockets are always local
};

enum class downstream_tls { none, starttls, starttls_required, implicit };

struct downstream_settings {
  // Exactly one of host (SMTP relay) or maildir is set.
  std::string host;                          // host: downstream MTA name or IP
  uint16_t port = 25;                        // port (25): 1..65535
  downstream_tls tls = downstream_tls::none; // tls (none): none | starttls | starttls-required | implicit
  std::filesystem::path tls_ca_file;         // tls_ca_file (system CAs): PEM file of the CAs that verify the
                                             //   downstream certificate (starttls-required, implicit)
  std::filesystem::path auth_file;           // auth: file with "user:password" for AUTH PLAIN (absent: no AUTH)
  unsigned max_connections = 16;             // max_connections (16): 1..1024 per thread
  std::filesystem::path maildir;             // maildir: directory; each copy is one file, written atomically
  unsigned connect_timeout_s = 30;           // connect_timeout_s (30): 1..600
  unsigned command_timeout_s = 60;           // command_timeout_s (60): 1..3600, per reply
  unsigned data_timeout_s = 300;             // data_timeout_s (300): 1..3600, for the end-of-data reply
  std::optional<unsigned> remember_delivered_s;  // remember_delivered_s: the older name of
                                                //   ledger.window_s (used when that is absent)
  bool is_maildir() const { return !maildir.empty(); }
};

struct redis_settings {
  endpoint address;                       // address: "host:port" or "unix:/path" (required unless embedded)
  bool embedded = false;                  // embedded (false): supervise a private redis-server
                                          //   on state_dir/redis/redis.sock, AOF on
  std::filesystem::path password_file;    // password_file: first line is the AUTH password
  unsigned timeout_ms = 250;              // timeout_ms (250): 10..60000, per round trip; past it
                                          //   the recipient is deferred (fail closed)
  std::string key_prefix = "kizuna:";     // key_prefix (kizuna:)
  std::string server_binary = "redis-server";  // server_binary (redis-server): for embedded
};

struct limit_settings {
  uint64_t max_message_bytes = 25u << 20;  // max_message_bytes (26214400): 1024..1073741824; past it 552 5.3.4
  unsigned max_recipients = 1000;          // max_recipients (1000): 1..100000; past it 452 4.5.3
  unsigned max_connections = 1000;         // max_connections (1000): 1..100000, all listeners
  unsigned max_connections_per_client = 50;  // max_connections_per_client (50): 1..100000, per IP
  unsigned command_timeout_s = 300;        // command_timeout_s (300): 1..3600 (RFC 5321 §4.5.3.2: 5 min),
                                           //   per command line from when it is awaited; bytes don't extend it
  unsigned data_timeout_s = 600;           // data_timeout_s (600): 1..3600, the longest DATA stall;
                                           //   with min_data_rate the DATA deadline (smtp/read_deadline.hpp)
  uint64_t min_data_rate = 500;            // min_data_rate (500, Postfix smtpd_min_data_rate): 0..1000000000
                                           //   bytes/s; each DATA byte earns 1/rate s, so a client below it
                                           //   runs out of data_timeout_s (0: data_timeout_s bounds all of DATA)
  unsigned max_refused_connections = 100;  // max_refused_connections (100): 0..100000 clients refused at the
                                           //   greeting (554) held at once, apart from max_connections;
                                           //   beyond it they get the 554 and are closed at once
  unsigned refused_grace_s = 5;            // refused_grace_s (5): 1..60; a client refused at the greeting
                                           //   is closed (421 4.4.2) this long after connecting
  unsigned max_line_bytes = 65536;         // max_line_bytes (65536): 1000..1048576, longest text
                                           //   line in DATA; commands are held to RFC 5321's 512
  bool reject_bare_newline = false;        // bare_newline (normalize): normalize | reject; a bare CR
                                           //   or LF or a NUL in DATA: normalize = each bare CR and LF
                                           //   becomes CRLF, NULs are dropped; reject = 554 5.6.0
  unsigned max_junk_commands = 100;        // max_junk_commands (100): 1..100000 NOOP/RSET/VRFY/HELP
                                           //   between two DATA; each further one is an error
                                           //   (503 5.7.0), so max_errors ends the session
                                           //   (Postfix smtpd_junk_command_limit)
  unsigned max_errors = 10;                // max_errors (10): 1..1000; then 421 4.7.0 and close
  unsigned drain_timeout_s = 30;           // drain_timeout_s (30): 1..3600; on SIGTERM, how long
                                           //   in-flight transactions may take to finish
};

enum class ledger_in_doubt { assume_delivered, resend };

// The delivery ledger (issue 11, SPEC §8 "exactly once per recipient").
struct ledger_config {
  unsigned window_s = 604800;  // window_s (604800 = 7 days): 60..31536000; how long a delivered or
                               //   refused (message, recipient) pair is remembered
  ledger_in_doubt in_doubt = ledger_in_doubt::assume_delivered;  // in_doubt (assume_delivered):
                               //   assume_delivered | resend; a copy whose final "." may have
                               //   reached the downstream with no verdict seen
};

struct audit_settings {
  std::filesystem::path path;  // path (state_dir/audit.jsonl)
  bool fsync_always = true;    // fsync (always): always | never
};

// The admin HTTP server (SPEC §3, §10): /healthz and the unsubscribe endpoint.
// Its limits are fixed (admin/limits.hpp); behind a reverse proxy every request
// comes from the proxy's address, which then shares one rate-limit bucket.
struct admin_http_settings {
  endpoint listen;  // listen (required): "host:port" or "[v6]:port" (TCP; port 0 = any free
                    //   port, for tests); changes take effect after a restart
};

// Unsubscribe tokens (SPEC §10): HMAC-signed, carried in List-Unsubscribe URLs
// and mailto addresses.
struct unsubscribe_settings {
  std::string base_url;                // base_url (required): absolute http(s) URL the admin
                                       //   server is reached at from outside, no query or fragment;
                                       //   links are <base_url>/u/<token> (a trailing '/' is dropped)
  std::string mailto_domain;           // mailto_domain (none): domain of unsubscribe+<token>@<domain>
                                       //   (A-labels); absent: no mailto link
  std::filesystem::path secret_file;   // secret_file (required): one key per line, hex or base64,
                                       //   at least 32 bytes each; '#' comments and blank lines skipped.
                                       //   The first key signs, the others still verify (rotation:
                                       //   prepend a new key, reload, remove the old one later)
  std::vector<std::string> keys;       // (derived, not a config key) secret_file decoded, in file order
};

// DKIM signing of relayed copies (issue 12, SPEC §3): each copy is signed after
// personalization with every key of its final From's domain, or of the nearest
// parent domain that has keys (relaxed DMARC alignment).
enum class dkim_missing_key {
  hold,      // hold the copy for review (builtin:dkim-no-key): nothing leaves unsigned or misaligned
  defer,     // 450 4.7.1: the client retries (add the key, reload) and it goes out signed
  relay_unsigned,  // relay it unsigned, audited as such
  sign_default,    // sign with default_domain's keys (DKIM passes, DMARC alignment does not)
};

struct dkim_key_settings {
  std::string domain;                 // domain (required): d=, A-labels, at least two labels
  std::string selector;               // selector (required): s=
  std::filesystem::path key_file;     // key_file (required): PEM, RSA >= 1024 bits or Ed25519; mode 0600/0640
  std::vector<std::string> headers;   // headers (built-in list): field names to sign, lower-case; must include from
};

struct dkim_settings {
  std::vector<dkim_key_settings> keys;  // keys (required, at least one); keys of one domain sign together
  dkim_missing_key on_missing_key = dkim_missing_key::hold;  // on_missing_key (hold): hold | defer | unsigned |
                                      //   default: for a copy whose From domain has no key; a copy with
                                      //   other than one From is held under hold, refused otherwise
  std::string default_domain;         // default_domain: the keyed domain `default` signs with
  std::optional<std::uint64_t> expire_s;  // expire_s (none): x= is t= plus this, 3600..31536000
  std::shared_ptr<const dkim::key_table> table;  // (derived, not a config key) the keys, loaded
};

struct settings {
  std::filesystem::path source;              // the file this snapshot was loaded from
  std::string hostname;                      // hostname (gethostname()): greeting, Received
  unsigned threads = 0;                      // threads (number of cores): 1..256 io_context threads
  std::vector<listener_settings> listeners;           // listen: at least one
  downstream_settings downstream;
  redis_settings redis;
  std::vector<std::string> policies;         // policies ([]): files or globs, relative to the config file
  std::filesystem::path state_dir = "/var/lib/kizuna";  // state_dir (/var/lib/kizuna)
  audit_settings audit;
  limit_settings limits;
  ledger_config ledger;
  std::optional<admin_http_settings> admin_http;     // admin_http (absent: no admin server)
  std::optional<unsubscribe_settings> unsubscribe;   // unsubscribe (absent: no tokens, /u/ is 404)
  std::optional<dkim_settings> dkim;                 // dkim (absent: copies leave unsigned)
  bool metrics = true;  // metrics (true): count and serve /metrics; false: count nothing, /metrics is 404 (read at start)
};

}  // namespace kizuna::config
