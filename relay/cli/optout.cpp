// `kizuna optout`: argument parsing, help and dispatch; the subcommands live in
// optout_edit.cpp (add/remove/check), optout_import.cpp and optout_export.cpp.
#include <cstdio>
#include <ctime>

#include "relay/cli/exit_status.hpp"
#include "relay/cli/optout_options.hpp"
#include "relay/cli/subcommands.hpp"
#include "relay/config/loader.hpp"
#include "relay/core/address.hpp"
#include "relay/core/optout_entry.hpp"
#include "relay/store/keys.hpp"

namespace kizuna::cli {
namespace {

constexpr std::string_view optout_help =
    "usage: kizuna optout <command> --config FILE [options] ARGS\n"
    "\n"
    "Manages the opt-out list in Redis (keys <prefix>optout:{ADDRESS} and\n"
    "<prefix>optout-domain:DOMAIN: hashes of scope -> \"at|source|reason\").\n"
    "Addresses are normalized first: trimmed, lower-cased, IDN domains to punycode.\n"
    "An argument \"@example.com\" (or any argument with --domain) is a whole domain.\n"
    "\n"
    "commands:\n"
    "  add ADDR...        opt out for --scope (default *); an existing entry of that\n"
    "                     scope is kept (its time is the proof) unless --replace\n"
    "  remove ADDR...     remove the --scope entry (default *); --scope all removes every scope\n"
    "  check ADDR         print each scope (with the domain's); exit 0 if opted out\n"
    "                     (for --scope S: for S or *), 1 if not\n"
    "  import FILE|-      read CSV: header address,scope,source,reason,at (any order;\n"
    "                     only address is required), RFC 4180 quoting, UTF-8, optional BOM.\n"
    "                     Empty scope: --scope or *; empty source: --source or import;\n"
    "                     empty at: --at or now. Bad rows are reported as FILE:LINE: reason\n"
    "                     and skipped (rows of empty cells are ignored); exit 65 if any was\n"
    "  export [FILE|-]    write every opt-out as CSV (same header, CRLF, domain rows as\n"
    "                     \"@domain\", order unspecified); default -: stdout\n"
    "\n"
    "options:\n"
    "  --config FILE      kizuna.yaml (required): Redis address, password, key prefix;\n"
    "                     with redis.embedded the relay must be running\n"
    "  --scope S          * (all marketing mail) or a category such as newsletter\n"
    "  --source S         who recorded it (default cli)\n"
    "  --reason TEXT      free text\n"
    "  --at EPOCH         opt-out time, Unix epoch seconds (default now)\n"
    "  --domain           the arguments are domains\n"
    "  --replace          add/import: overwrite an existing entry of the same scope\n"
    "  --bom              export: start with a UTF-8 BOM (Excel then reads Japanese text)\n"
    "\n"
    "In source and reason, '|' becomes '/' and line breaks/control characters a space.\n"
    "Exit status: 0 ok (check: opted out), 1 check: not opted out, 64 usage,\n"
    "65 bad input data, 66 cannot read the file, 69 Redis unreachable, 73 cannot\n"
    "write the file, 78 configuration.\n";

int usage(const std::string& why) {
  std::fprintf(stderr, "kizuna optout: %s (try 'kizuna optout --help')\n", why.c_str());
  return ex_usage;
}

std::expected<optout_options, int> parse(const arguments& args) {
  optout_options o;
  bool options_done = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (options_done || a == "-" || !a.starts_with("-")) {
      if (o.subcommand.empty())
        o.subcommand = std::string(a);
      else
        o.args.emplace_back(a);
      continue;
    }
    if (a == "--") {
      options_done = true;
      continue;
    }
    if (a == "--help" || a == "-h") {
      o.help = true;
      continue;
    }
    if (a == "--domain") {
      o.domain = true;
      continue;
    }
    if (a == "--replace") {
      o.replace = true;
      continue;
    }
    if (a == "--bom") {
      o.bom = true;
      continue;
    }
    // Options with a value: "--name VALUE" or "--name=VALUE".
    std::string name(a), value;
    if (auto eq = a.find('='); eq != std::string_view::npos) {
      name = std::string(a.substr(0, eq));
      value = std::string(a.substr(eq + 1));
    } else if (name == "--config" || name == "-c" || name == "--scope" || name == "--source" ||
               name == "--reason" || name == "--at") {
      if (i + 1 >= args.size()) return std::unexpected(usage(name + " needs a value"));
      value = std::string(args[++i]);
    }
    if (name == "--config" || name == "-c") {
      o.config = value;
    } else if (name == "--scope") {
      o.scope = value;
    } else if (name == "--source") {
      o.source = value;
    } else if (name == "--reason") {
      o.reason = value;
    } else if (name == "--at") {
      auto at = parse_epoch(value);
      if (!at) return std::unexpected(usage("--at: " + at.error()));
      o.at = *at;
    } else {
      return std::unexpected(usage("unknown option '" + std::string(a) + "'"));
    }
  }
  return o;
}

// Checks the argument count and option values of a subcommand before anything
// touches Redis.
std::optional<std::string> check_usage(const optout_options& o) {
  const auto& c = o.subcommand;
  const std::size_t n = o.args.size();
  if ((c == "add" || c == "remove") && n == 0) return c + " needs at least one address";
  if (c == "check" && n != 1) return "check takes one address";
  if (c == "import" && n != 1) return "import takes one file (or - for stdin)";
  if (c == "export" && n > 1) return "export takes at most one file";
  if (o.scope && !(c == "remove" && *o.scope == "all")) {
    if (auto s = validate_optout_scope(*o.scope); !s) return "--scope: " + s.error();
  }
  if (o.domain && (c == "import" || c == "export")) return "--domain applies to add, remove and check";
  if (o.bom && c != "export") return "--bom applies to export";
  if (o.replace && c != "add" && c != "import") return "--replace applies to add and import";
  return std::nullopt;
}

}  // namespace

std::string optout_subject::key(const std::string& prefix) const {
  if (!domain) return store::address_key(prefix, "optout", name);
  return prefix + "optout-domain:" + name;
}

std::expected<optout_subject, std::string> parse_subject(std::string_view text, bool as_domain) {
  // Trim first so " @example.com" is a domain too.
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  if (as_domain || text.starts_with('@')) {
    if (text.starts_with('@')) text.remove_prefix(1);
    auto d = normalize_domain(text);
    if (!d) return std::unexpected(d.error());
    return optout_subject{std::move(*d), true};
  }
  auto a = normalize_address(text);
  if (!a) return std::unexpected(a.error());
  return optout_subject{std::move(*a), false};
}

std::string format_utc(int64_t epoch) {
  std::time_t t = static_cast<std::time_t>(epoch);
  std::tm tm{};
  char buf[32] = "?";
  if (gmtime_r(&t, &tm)) std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int optout_command(const arguments& args) {
  auto o = parse(args);
  if (!o) return o.error();
  if (o->help || o->subcommand == "help") return std::fputs(optout_help.data(), stdout), 0;
  const auto& c = o->subcommand;
  if (c.empty()) return usage("a command is required: add, remove, check, import or export");
  if (c != "add" && c != "remove" && c != "check" && c != "import" && c != "export")
    return usage("unknown command '" + c + "'");
  if (!o->config) return usage("--config FILE is required");
  if (auto why = check_usage(*o)) return usage(*why);

  auto cfg = config::load(*o->config);
  if (!cfg) {
    for (const auto& d : cfg.error()) std::fprintf(stderr, "%s\n", d.to_string().c_str());
    return ex_config;
  }
  auto session = redis_session::open(**cfg, "kizuna optout");
  if (!session) return session.error();
  redis_session& s = **session;
  if (c == "add") return optout_add(s, *o);
  if (c == "remove") return optout_remove(s, *o);
  if (c == "check") return optout_check(s, *o);
  if (c == "import") return optout_import(s, *o);
  return optout_export(s, *o);
}

}  // namespace kizuna::cli
