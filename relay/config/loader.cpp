// load(): read the file, parse it (yaml_tree.cpp), decode the top level here and
// each section in sections.cpp, then fill the defaults that depend on the machine.
#include "relay/config/loader.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <system_error>
#include <thread>

#include "relay/config/decoder.hpp"
#include "relay/config/sections.hpp"
#include "relay/config/yaml_tree.hpp"
#include "relay/core/read_file.hpp"

namespace kizuna::config {
namespace {

// A config file is a few KB; the cap only stops `--config /dev/zero` from eating memory.
constexpr std::size_t max_file_bytes = 16u << 20;

std::expected<std::string, std::string> read_file(const std::filesystem::path& file) {
  return read_small_file(file, max_file_bytes, "a configuration file");
}

// RFC 1035 host name syntax (letters, digits, hyphens; dot-separated labels), as
// it appears in the greeting and in Received headers.
bool is_host_name(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  std::size_t start = 0;
  while (start <= name.size()) {
    auto end = std::min(name.find('.', start), name.size());
    auto label = name.substr(start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char c : label)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-')) return false;
    start = end + 1;
  }
  return true;
}

std::string machine_host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

// policies: a list of files or globs, resolved against the config's directory
// (globs are expanded by the policy loader).
void decode_policies(decoder& d, const yaml_node& v, std::vector<std::string>& out) {
  if (const auto* items = d.list(v, "policies")) {
    for (std::size_t i = 0; i < items->size(); ++i)
      if (auto pattern = d.string((*items)[i], fmt::format("policies[{}]", i))) out.push_back(d.resolve(*pattern).string());
  }
}

void decode_top_level(decoder& d, const yaml_node& root, settings& s) {
  fields f(d, root, "");
  if (const auto* v = f.take("hostname")) {
    if (auto name = d.string(*v, "hostname")) {
      if (is_host_name(*name))
        s.hostname = *name;
      else
        d.error(*v, fmt::format("hostname: expected a host name (letters, digits, '-' and '.'), got {}",
                                describe(*v)));
    }
  }
  f.number("threads", s.threads, 1, 256);
  if (const auto* v = f.require("listen")) decode_listeners(d, *v, s.listeners);
  if (const auto* v = f.require("downstream")) decode_downstream(d, *v, s.downstream);
  if (const auto* v = f.require("redis")) decode_redis(d, *v, s.redis);
  if (const auto* v = f.take("policies")) decode_policies(d, *v, s.policies);
  f.path("state_dir", s.state_dir);
  f.boolean("metrics", s.metrics);
  static const yaml_node no_audit{.type = yaml_node::kind::mapping};
  const auto* audit = f.take("audit");
  decode_audit(d, audit ? *audit : no_audit, s.state_dir, s.audit);
  if (const auto* v = f.take("limits")) decode_limits(d, *v, s.limits);
  if (const auto* e = f.take_entry("ledger")) {
    if (s.downstream.remember_delivered_s)
      d.error(e->first, "ledger: downstream.remember_delivered_s is the older name of ledger.window_s; keep one");
    decode_ledger(d, e->second, s.ledger);
  } else if (s.downstream.remember_delivered_s) {
    s.ledger.window_s = *s.downstream.remember_delivered_s;
  }

  if (const auto* v = f.take("admin_http")) decode_admin_http(d, *v, s.listeners, s.admin_http.emplace());
  if (const auto* v = f.take("unsubscribe")) decode_unsubscribe(d, *v, s.unsubscribe.emplace());
  if (const auto* v = f.take("dkim")) decode_dkim(d, *v, s.dkim.emplace());
}

}  // namespace

std::expected<snapshot, diagnostics> load(const std::filesystem::path& file) {
  // Diagnostics name the file as the caller did, which is what the admin typed.
  const std::string name = file.string();
  auto text = read_file(file);
  if (!text) return std::unexpected(diagnostics{{name, 0, 0, text.error()}});
  auto tree = parse_yaml(*text, name);
  if (!tree) return std::unexpected(diagnostics{tree.error()});
  // An empty file is an empty mapping: the errors then say what is missing.
  if (tree->is_null()) tree->type = yaml_node::kind::mapping;

  auto s = std::make_shared<settings>();
  // Absolute, so a reload after a chdir (or from systemd's "/") finds the same files.
  std::error_code ec;
  s->source = std::filesystem::absolute(file, ec).lexically_normal();
  if (ec) return std::unexpected(diagnostics{{name, 0, 0, "cannot resolve path: " + ec.message()}});
  decoder d(name, s->source.parent_path());
  decode_top_level(d, *tree, *s);
  if (d.failed()) return std::unexpected(d.take_diagnostics());

  if (s->hostname.empty()) s->hostname = machine_host_name();
  if (s->threads == 0) s->threads = std::clamp(std::thread::hardware_concurrency(), 1u, 256u);
  return s;
}

std::vector<std::string> policy_entries(const std::filesystem::path& file) {
  std::vector<std::string> out;
  auto text = read_file(file);
  if (!text) return out;
  auto tree = parse_yaml(*text, file.string());
  if (!tree || !tree->is_mapping()) return out;
  std::error_code ec;
  const auto source = std::filesystem::absolute(file, ec).lexically_normal();
  if (ec) return out;
  decoder d(file.string(), source.parent_path());
  for (const yaml_entry& e : tree->entries)
    if (e.first.is_scalar() && e.first.text == "policies") decode_policies(d, e.second, out);
  return out;
}

}  // namespace kizuna::config
