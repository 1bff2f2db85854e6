// `kizuna audit verify [--config FILE | --log PATH] [--partial]` (SPEC §9): checks the
// hash chain of the audit log across its rotated files and says where it first breaks.
// `query` and `report` come in a later version.
#include <cstdio>
#include <optional>
#include <string>

#include "relay/audit/verifier.hpp"
#include "relay/cli/subcommands.hpp"
#include "relay/config/loader.hpp"

namespace kizuna::cli {
namespace {

constexpr int ex_usage = 64;
constexpr int ex_config = 78;

constexpr std::string_view audit_help =
    "usage: kizuna audit <command> [options]\n"
    "\n"
    "commands:\n"
    "  verify [--config FILE | --log PATH] [--partial]\n"
    "                        check the audit log's hash chain (all rotated files, then the live one)\n"
    "\n"
    "'query' and 'report' (e.g. report --optouts) come in a later version.\n"
    "Run 'kizuna audit verify --help' for details.\n";

constexpr std::string_view verify_help =
    "usage: kizuna audit verify [--config FILE | --log PATH] [--partial]\n"
    "\n"
    "Checks every record of the audit log: fields in order, seq +1 each record, prev equal to\n"
    "the previous hash, each hash recomputed. Follows the rotated files PATH.<time>.<seq> in\n"
    "seq order, then PATH itself. The log is audit.path from --config, or PATH from --log.\n"
    "\n"
    "  --partial   the oldest files were removed on purpose: do not require the chain to start\n"
    "              at seq 1 (its first record's prev is then taken as given)\n"
    "\n"
    "Prints 'ok: N records in K files, chain intact (last hash H)' and exits 0, or prints the\n"
    "first problem as 'file:line: what' on stderr and exits 1. Keep H elsewhere: records cut\n"
    "from the end of the log can only be noticed against a hash you kept.\n"
    "Exit status: 0 intact, 1 broken or unreadable, 64 usage, 78 invalid configuration.\n";

int usage_error(const std::string& message) {
  std::fprintf(stderr, "kizuna audit verify: %s (try --help)\n", message.c_str());
  return ex_usage;
}

int verify_command(const arguments& args) {
  std::optional<std::string> config, log;
  audit::verify_options options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    auto value = [&](std::string_view name, std::optional<std::string>& out) {
      if (a.starts_with(std::string(name) + "=")) return out = std::string(a.substr(name.size() + 1)), true;
      if (i + 1 >= args.size()) return false;
      return out = std::string(args[++i]), true;
    };
    if (a == "--help" || a == "-h") return std::fputs(verify_help.data(), stdout), 0;
    if (a == "--partial") {
      options.require_genesis = false;
    } else if (a == "--config" || a == "-c" || a.starts_with("--config=")) {
      if (!value("--config", config)) return usage_error("--config needs a file");
    } else if (a == "--log" || a.starts_with("--log=")) {
      if (!value("--log", log)) return usage_error("--log needs a path");
    } else {
      return usage_error("unknown option '" + std::string(a) + "'");
    }
  }
  if (config && log) return usage_error("give --config or --log, not both");
  if (!config && !log) return usage_error("--config FILE or --log PATH is required");

  std::filesystem::path live;
  if (config) {
    auto cfg = config::load(*config);
    if (!cfg) {
      for (const auto& d : cfg.error()) std::fprintf(stderr, "%s\n", d.to_string().c_str());
      return ex_config;
    }
    live = (*cfg)->audit.path;
  } else {
    live = *log;
  }

  const auto report = audit::verify_chain(live, options);
  if (!report.ok()) {
    std::fprintf(stderr, "%s\n", report.problem.c_str());
    return 1;
  }
  std::printf("ok: %llu records in %zu files, chain intact (last hash %s)\n",
              static_cast<unsigned long long>(report.records), report.files,
              report.last_hash.empty() ? "none" : report.last_hash.c_str());
  return 0;
}

}  // namespace

int audit_command(const arguments& args) {
  if (args.empty()) return std::fputs(audit_help.data(), stderr), ex_usage;
  const std::string_view sub = args.front();
  if (sub == "--help" || sub == "-h" || sub == "help") return std::fputs(audit_help.data(), stdout), 0;
  if (sub == "verify") return verify_command(arguments(args.begin() + 1, args.end()));
  if (sub == "query" || sub == "report")
    std::fprintf(stderr, "kizuna audit: '%.*s' is not available in this version\n", int(sub.size()), sub.data());
  else
    std::fprintf(stderr, "kizuna audit: unknown command '%.*s' (try 'kizuna audit --help')\n", int(sub.size()),
                 sub.data());
  return ex_usage;
}

}  // namespace kizuna::cli
