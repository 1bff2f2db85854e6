// `kizuna optout` internals: the parsed options and one function per
// subcommand (optout_edit.cpp: add/remove/check, optout_import.cpp,
// optout_export.cpp). Keys (SPEC §4): <prefix>optout:{<normalized address>}
// and <prefix>optout-domain:<A-label domain>, hashes of scope -> "at|source|reason"
// (core/optout_entry.hpp). In CSV files and on the command line, "@domain"
// names a domain opt-out.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "relay/cli/exit_status.hpp"
#include "relay/cli/redis_session.hpp"

namespace kizuna::cli {

struct optout_options {
  std::string subcommand;
  std::optional<std::string> config;
  std::optional<std::string> scope;   // --scope (default "*"; remove: "all" = every scope)
  std::optional<std::string> source;  // --source (default "cli"; import: for empty cells, default "import")
  std::string reason;                 // --reason
  std::optional<int64_t> at;          // --at (default now)
  bool domain = false;                // --domain: the arguments are domains
  bool replace = false;               // --replace: overwrite an existing entry of the same scope
  bool bom = false;                   // --bom: export starts with a UTF-8 BOM (for Excel)
  bool help = false;
  std::vector<std::string> args;      // positional arguments after the subcommand
};

// An opt-out subject: an address or (domain = true) a domain, normalized.
struct optout_subject {
  std::string name;  // "alice@example.com" or "example.com"
  bool domain = false;
  std::string key(const std::string& prefix) const;
  std::string display() const { return domain ? "@" + name : name; }  // as in CSV files
};

// "@domain" or (as_domain) a bare domain is a domain, anything else an address.
std::expected<optout_subject, std::string> parse_subject(std::string_view text, bool as_domain);

// "2023-11-14T22:13:20Z"
std::string format_utc(int64_t epoch);

int optout_add(redis_session& s, const optout_options& o);
int optout_remove(redis_session& s, const optout_options& o);
int optout_check(redis_session& s, const optout_options& o);
int optout_import(redis_session& s, const optout_options& o);
int optout_export(redis_session& s, const optout_options& o);

}  // namespace kizuna::cli
