// `kizuna unsubscribe-url --config FILE ADDRESS [--scope S]` (SPEC §10): prints
// the one-click URL and the mailto address of an unsubscribe token signed with
// the first key of unsubscribe.secret_file, for tests, support staff and
// sending systems that build their own footers. Reads nothing but the config.
#include <cstdio>
#include <optional>
#include <string>

#include "relay/cli/exit_status.hpp"
#include "relay/cli/subcommands.hpp"
#include "relay/config/loader.hpp"
#include "relay/unsubscribe/links.hpp"
#include "relay/unsubscribe/token.hpp"

namespace kizuna::cli {
namespace {

constexpr std::string_view help =
    "usage: kizuna unsubscribe-url --config FILE ADDRESS [--scope S]\n"
    "\n"
    "Prints the unsubscribe URL (<unsubscribe.base_url>/u/<token>) for ADDRESS and, when\n"
    "unsubscribe.mailto_domain is set, the mailto URI (mailto:unsubscribe+<token>@<domain>),\n"
    "one per line. The token is signed with the first key of unsubscribe.secret_file; it\n"
    "opts ADDRESS out of scope S (default *: all marketing mail; or a category such as\n"
    "newsletter) when POSTed as RFC 8058 one-click, or through the page at the URL.\n"
    "Exit status: 0 ok, 64 usage, 65 invalid address or scope, 78 configuration\n"
    "(including no unsubscribe section).\n";

int usage(const std::string& why) {
  std::fprintf(stderr, "kizuna unsubscribe-url: %s (try --help)\n", why.c_str());
  return ex_usage;
}

}  // namespace

int unsubscribe_url_command(const arguments& args) {
  std::optional<std::string> config, address;
  std::string scope = "*";
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    auto value = [&](std::string_view name, std::string& out) {
      if (a.starts_with(std::string(name) + "=")) return out = std::string(a.substr(name.size() + 1)), true;
      if (i + 1 >= args.size()) return false;
      return out = std::string(args[++i]), true;
    };
    std::string v;
    if (a == "--help" || a == "-h") return std::fputs(help.data(), stdout), 0;
    if (a == "--config" || a == "-c" || a.starts_with("--config=")) {
      if (!value("--config", v)) return usage("--config needs a file");
      config = v;
    } else if (a == "--scope" || a.starts_with("--scope=")) {
      if (!value("--scope", scope)) return usage("--scope needs a value");
    } else if (a.starts_with("-") && a.size() > 1) {
      return usage("unknown option '" + std::string(a) + "'");
    } else if (address) {
      return usage("one address at a time");
    } else {
      address = std::string(a);
    }
  }
  if (!config) return usage("--config FILE is required");
  if (!address) return usage("an ADDRESS is required");

  auto cfg = config::load(*config);
  if (!cfg) {
    for (const auto& d : cfg.error()) std::fprintf(stderr, "%s\n", d.to_string().c_str());
    return ex_config;
  }
  const auto& unsub = (*cfg)->unsubscribe;
  if (!unsub) {
    std::fprintf(stderr, "kizuna unsubscribe-url: %s has no unsubscribe section\n", config->c_str());
    return ex_config;
  }
  auto token = unsubscribe::make_token(*address, scope, unsub->keys);
  if (!token) {
    std::fprintf(stderr, "kizuna unsubscribe-url: %s\n", token.error().c_str());
    return ex_dataerr;
  }
  std::printf("%s\n", unsubscribe::url_for(unsub->base_url, *token).c_str());
  if (!unsub->mailto_domain.empty())
    std::printf("mailto:%s\n", unsubscribe::mailto_for(unsub->mailto_domain, *token).c_str());
  return 0;
}

}  // namespace kizuna::cli
