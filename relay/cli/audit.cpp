// `kizuna audit` (SPEC §9): help, dispatch, the helpers its subcommands share
// (audit_commands.hpp), and `kizuna audit verify [--config FILE | --log PATH]
// [--partial]`, which checks the hash chain of the audit log across its rotated
// files and says where it first breaks. `query` is in audit_query.cpp, `report` in
// audit_report.cpp.
#include <cstdio>
#include <optional>
#include <string>

#include "relay/audit/verifier.hpp"
#include "relay/cli/audit_commands.hpp"
#include "relay/cli/subcommands.hpp"
#include "relay/config/loader.hpp"

namespace kizuna::cli {

namespace audit_cli {

bool options::has(std::string_view flag) const {
  for (const auto& f : flags)
    if (f == flag) return true;
  return false;
}

std::vector<std::string> options::all(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [n, v] : values)
    if (n == name) out.push_back(v);
  return out;
}

std::optional<std::string> options::last(std::string_view name) const {
  std::optional<std::string> out;
  for (const auto& [n, v] : values)
    if (n == name) out = v;
  return out;
}

std::expected<options, std::string> parse(const arguments& args, const std::vector<std::string_view>& value_names,
                                          const std::vector<std::string_view>& flag_names) {
  options o;
  auto known = [](const std::vector<std::string_view>& names, std::string_view n) {
    for (auto k : names)
      if (k == n) return true;
    return false;
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    if (a == "--help" || a == "-h") {
      o.help = true;
      continue;
    }
    if (!a.starts_with("-")) return std::unexpected("unexpected argument '" + std::string(a) + "'");
    std::string name(a);
    std::optional<std::string> value;
    if (const auto eq = a.find('='); eq != std::string_view::npos) {
      name = std::string(a.substr(0, eq));
      value = std::string(a.substr(eq + 1));
    }
    if (name == "-c") name = "--config";
    if (known(flag_names, name)) {
      if (value) return std::unexpected(name + " takes no value");
      o.flags.push_back(name);
      continue;
    }
    if (name != "--config" && name != "--log" && !known(value_names, name))
      return std::unexpected("unknown option '" + std::string(a) + "'");
    if (!value) {
      if (i + 1 >= args.size()) return std::unexpected(name + " needs a value");
      value = std::string(args[++i]);
    }
    if (name == "--config") o.config = std::move(*value);
    else if (name == "--log") o.log = std::move(*value);
    else o.values.emplace_back(std::move(name), std::move(*value));
  }
  return o;
}

int usage(std::string_view command, const std::string& message) {
  std::fprintf(stderr, "kizuna audit %.*s: %s (try 'kizuna audit %.*s --help')\n", int(command.size()),
               command.data(), message.c_str(), int(command.size()), command.data());
  return ex_usage;
}

std::expected<config::snapshot, int> load_config(const std::string& file) {
  auto cfg = config::load(file);
  if (!cfg) {
    for (const auto& d : cfg.error()) std::fprintf(stderr, "%s\n", d.to_string().c_str());
    return std::unexpected(ex_config);
  }
  return std::move(*cfg);
}

output::~output() { flush(); }

void output::write(std::string_view s) {
  buf_.append(s);
  if (buf_.size() >= (1u << 16)) flush();
}

bool output::flush() {
  if (!failed_ && !buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), stdout) != buf_.size()) failed_ = true;
  buf_.clear();
  if (!failed_ && std::fflush(stdout) != 0) failed_ = true;
  return !failed_;
}

void problem_printer::operator()(const std::string& problem) {
  constexpr std::uint64_t shown = 10;
  if (++seen_ <= shown) std::fprintf(stderr, "%s: %s (skipped)\n", who_.c_str(), problem.c_str());
  else if (seen_ == shown + 1) std::fprintf(stderr, "%s: more lines that are not records (skipped)...\n", who_.c_str());
}

}  // namespace audit_cli

namespace {

constexpr std::string_view audit_help =
    "usage: kizuna audit <command> [options]\n"
    "\n"
    "commands:\n"
    "  verify [--config FILE | --log PATH] [--partial]\n"
    "                        check the audit log's hash chain (all rotated files, then the live one)\n"
    "  query [--config FILE | --log PATH] [--rcpt ADDR] [--campaign ID] [--decision D]\n"
    "        [--rule R] [--since T] [--until T] [--format jsonl|table]\n"
    "                        print the records that match every filter given\n"
    "  report --optouts --config FILE\n"
    "                        every delivery to an address after its opt-out (the compliance\n"
    "                        proof is that there is none)\n"
    "  report --summary [--config FILE | --log PATH] [--since T] [--until T] [--format table|json]\n"
    "                        counts per campaign and category, and the unsubscribe rate\n"
    "\n"
    "Run 'kizuna audit <command> --help' for details.\n";

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
  const arguments rest(args.begin() + 1, args.end());
  if (sub == "--help" || sub == "-h" || sub == "help") return std::fputs(audit_help.data(), stdout), 0;
  if (sub == "verify") return verify_command(rest);
  if (sub == "query") return audit_cli::query_command(rest);
  if (sub == "report") return audit_cli::report_command(rest);
  std::fprintf(stderr, "kizuna audit: unknown command '%.*s' (try 'kizuna audit --help')\n", int(sub.size()),
               sub.data());
  return ex_usage;
}

}  // namespace kizuna::cli
