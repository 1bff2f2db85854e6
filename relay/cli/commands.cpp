#include "relay/cli/commands.hpp"

#include <cstdio>
#include <cstring>
#include <exception>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "relay/cli/exit_status.hpp"
#include "relay/config/loader.hpp"
#include "relay/core/log.hpp"
#include "relay/cli/subcommands.hpp"
#include "relay/daemon/server.hpp"
#include "relay/delivery/copy_plan.hpp"
#include "relay/policy/loader.hpp"
#include "relay/smtp/security.hpp"

namespace kizuna::cli {
namespace {

constexpr std::string_view top_help =
    "usage: kizuna <command> [options]\n"
    "\n"
    "commands:\n"
    "  serve --config FILE   run the relay in the foreground (systemd Type=notify aware)\n"
    "  check --config FILE   validate the configuration and policies; print file:line:col: message per error\n"
    "  preview --config FILE --message EML --rcpt ADDR\n"
    "                        the decision trace and the exact copy the relay would send\n"
    "  optout ...            manage the opt-out list in Redis (kizuna optout --help)\n"
    "  hold ...              the review queue of held copies (kizuna hold --help)\n"
    "  audit ...             verify the hash chain, query records, opt-out and summary reports\n"
    "  unsubscribe-url --config FILE ADDRESS [--scope S]\n"
    "                        print the signed one-click unsubscribe URL and mailto address\n"
    "  dkim ...              make DKIM keys, print their DNS records (kizuna dkim --help)\n"
    "  version               print the version\n"
    "\n"
    "Run 'kizuna <command> --help' for a command's options.\n";

constexpr std::string_view serve_help =
    "usage: kizuna serve --config FILE [--verbose]\n"
    "\n"
    "Runs the relay in the foreground. SIGTERM/SIGINT drain and stop, SIGHUP reloads the\n"
    "configuration (an invalid one is refused and the running one kept).\n"
    "Exit status: 0 after a clean stop, 78 for an invalid configuration, 71 for start-up failures.\n";

constexpr std::string_view check_help =
    "usage: kizuna check --config FILE\n"
    "\n"
    "Validates the configuration, every policy file it names, and the TLS certificates,\n"
    "keys and credential files. Prints one 'file:line:col: message' line per problem.\n"
    "Exit status: 0 when valid, 78 otherwise.\n";

struct options {
  std::optional<std::string> config;
  bool help = false;
  bool verbose = false;
};

// Parses "--config FILE" / "--config=FILE", "--help", "--verbose"; anything else is a usage error.
std::optional<options> parse(const std::vector<std::string_view>& args, std::string_view cmd) {
  options o;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (a == "--help" || a == "-h") {
      o.help = true;
    } else if (a == "--verbose" || a == "-v") {
      o.verbose = true;
    } else if (a == "--config" || a == "-c") {
      if (i + 1 >= args.size()) {
        std::fprintf(stderr, "kizuna %.*s: --config needs a file\n", int(cmd.size()), cmd.data());
        return std::nullopt;
      }
      o.config = std::string(args[++i]);
    } else if (a.starts_with("--config=")) {
      o.config = std::string(a.substr(9));
    } else {
      std::fprintf(stderr, "kizuna %.*s: unknown option '%.*s' (try --help)\n", int(cmd.size()), cmd.data(),
                   int(a.size()), a.data());
      return std::nullopt;
    }
  }
  return o;
}

std::expected<config::snapshot, int> load_or_report(const std::string& file) {
  auto cfg = config::load(file);
  if (!cfg) {
    for (const auto& d : cfg.error()) std::fprintf(stderr, "%s\n", d.to_string().c_str());
    return std::unexpected(ex_config);
  }
  return *cfg;
}

// Everything serve would refuse: the config, every policy file, and the
// contents of TLS certificates, keys and credential files.
int cmd_check(const options& o) {
  if (o.help) return std::fputs(check_help.data(), stdout), 0;
  if (!o.config) return std::fputs("kizuna check: --config FILE is required\n", stderr), ex_usage;
  auto cfg = config::load(*o.config);
  if (!cfg) {
    // Every error of the config and of the policies it names, in one run.
    for (const auto& d : cfg.error()) std::fprintf(stderr, "%s\n", d.to_string().c_str());
    if (auto policies = policy::load(config::policy_entries(*o.config)); !policies)
      for (const auto& d : policies.error()) std::fprintf(stderr, "%s\n", d.to_string().c_str());
    return ex_config;
  }
  bool ok = true;
  auto policies = policy::load((*cfg)->policies);
  if (!policies) {
    for (const auto& d : policies.error()) std::fprintf(stderr, "%s\n", d.to_string().c_str());
    ok = false;
  }
  if (auto security = smtp::load_security(**cfg); !security) {
    std::fprintf(stderr, "%s: %s\n", o.config->c_str(), security.error().c_str());
    ok = false;
  }
  if (!ok) return ex_config;
  for (const auto& w : delivery::personalization_warnings(**policies, **cfg))
    std::printf("%s: warning: %s\n", o.config->c_str(), w.c_str());
  std::printf("%s: ok (%zu policy rules, version %s)\n", o.config->c_str(), (*policies)->rules.size(),
              (*policies)->version.substr(0, 12).c_str());
  return 0;
}

int cmd_serve(const options& o) {
  if (o.help) return std::fputs(serve_help.data(), stdout), 0;
  if (!o.config) return std::fputs("kizuna serve: --config FILE is required\n", stderr), ex_usage;
  if (o.verbose) log::set_threshold(log::level::debug);
  auto cfg = load_or_report(*o.config);
  if (!cfg) return cfg.error();
  return daemon::serve(*cfg);
}

}  // namespace

int run(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.empty()) return std::fputs(top_help.data(), stderr), ex_usage;
  const std::string_view cmd = args.front();
  args.erase(args.begin());
  if (cmd == "--help" || cmd == "-h" || cmd == "help") return std::fputs(top_help.data(), stdout), 0;
  if (cmd == "version" || cmd == "--version") return std::puts("kizuna " KIZUNA_VERSION), 0;
  try {
    if (cmd == "optout") return optout_command(args);
    if (cmd == "audit") return audit_command(args);
    if (cmd == "hold") return hold_command(args);
    if (cmd == "unsubscribe-url") return unsubscribe_url_command(args);
    if (cmd == "preview") return preview_command(args);
    if (cmd == "dkim") return dkim_command(args);
    if (cmd == "serve" || cmd == "check") {
      auto o = parse(args, cmd);
      if (!o) return ex_usage;
      return cmd == "serve" ? cmd_serve(*o) : cmd_check(*o);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kizuna %.*s: %s\n", int(cmd.size()), cmd.data(), e.what());
    return 70;  // EX_SOFTWARE
  }
  std::fprintf(stderr, "kizuna: unknown command '%.*s' (try 'kizuna --help')\n", int(cmd.size()), cmd.data());
  return ex_usage;
}

}  // namespace kizuna::cli
