#include "relay/config/sections.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <cctype>
#include <expected>
#include <string_view>

#include "relay/config/secret_keys.hpp"
#include "relay/core/address.hpp"
#include "relay/core/read_file.hpp"
#include "relay/dkim/names.hpp"
#include "relay/mime/header.hpp"

namespace kizuna::config {
namespace {

// allow_clients ([127.0.0.1/32, ::1/128]): local clients only, unless widened.
std::vector<cidr> default_allow_clients() {
  std::vector<cidr> nets;
  for (auto text : {"127.0.0.1/32", "::1/128"}) {
    auto net = cidr::parse(text);
    assert(net);
    nets.push_back(*net);
  }
  return nets;
}

void decode_tls(decoder& d, const yaml_node& node, const std::string& path, tls_settings& out) {
  fields f(d, node, path);
  if (const auto* v = f.require("cert"))
    if (auto p = d.input_file(*v, f.path_of("cert"))) out.cert = *p;
  if (const auto* v = f.require("key"))
    if (auto p = d.input_file(*v, f.path_of("key"))) out.key = *p;
  f.boolean("require", out.require);
}

// Returns the node of the address, for the duplicate check across listeners.
const yaml_node* decode_listener(decoder& d, const yaml_node& node, const std::string& path,
                                 listener_settings& out) {
  fields f(d, node, path);
  const auto* address = f.require("address");
  if (address) {
    if (auto ep = d.address(*address, f.path_of("address")))
      out.address = *ep;
    else
      address = nullptr;
  }
  f.choice("protocol", out.proto, {{"smtp", protocol::smtp}, {"lmtp", protocol::lmtp}});
  if (const auto* v = f.take("tls")) {
    tls_settings tls;
    decode_tls(d, *v, f.path_of("tls"), tls);
    out.tls = std::move(tls);
  }
  f.input_file("auth", out.auth_users);
  if (const auto* v = f.take("category")) {
    // A category is an identifier (it names opt-out scopes): lower-case ASCII words.
    if (auto c = d.string(*v, f.path_of("category"))) {
      const bool ok = std::all_of(c->begin(), c->end(), [](char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.';
      });
      if (ok)
        out.category = *c;
      else
        d.error(*v, fmt::format("{}: expected a lower-case category name like newsletter, got \"{}\"",
                                f.path_of("category"), *c));
    }
  }
  out.allow_clients = default_allow_clients();
  if (const auto* v = f.take("allow_clients")) {
    const auto where = f.path_of("allow_clients");
    if (const auto* items = d.list(*v, where)) {
      out.allow_clients.clear();  // an empty list is allowed: AUTH only
      for (std::size_t i = 0; i < items->size(); ++i)
        if (auto net = d.network((*items)[i], fmt::format("{}[{}]", where, i)))
          out.allow_clients.push_back(*net);
    }
  }
  return address;
}

// RFC 3986 characters a base URL may hold: unreserved, '%' and the reserved ones
// except '?' and '#' (the token path is appended, so no query or fragment).
bool url_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("-._~%:/@!$&'()*+,;=").find(c) != std::string_view::npos;
}

// An absolute http(s) URL without query or fragment, trailing '/' removed; or why not.
std::expected<std::string, std::string> check_base_url(std::string_view url) {
  std::string_view rest;
  if (url.starts_with("https://"))
    rest = url.substr(8);
  else if (url.starts_with("http://"))
    rest = url.substr(7);
  else
    return std::unexpected("expected an absolute URL starting with https:// (or http://)");
  for (char c : url)
    if (!url_char(c))
      return std::unexpected(
          c == '?' || c == '#'
              ? "must not have a query or fragment (the token path is appended to it)"
              : fmt::format("'{}' is not allowed in a URL (percent-encode it; IDN host names as xn--)",
                            static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F
                                ? fmt::format("\\x{:02X}", static_cast<unsigned char>(c))
                                : std::string(1, c)));
  const auto slash = rest.find('/');
  if (rest.substr(0, slash).empty()) return std::unexpected("has no host");
  while (url.ends_with('/')) url.remove_suffix(1);
  return std::string(url);
}

void decode_secret_file(decoder& d, const yaml_node& v, const std::string& where, unsubscribe_settings& out) {
  auto file = d.input_file(v, where);
  if (!file) return;
  out.secret_file = *file;
  // A key file is a few lines; the cap stops a wrong path (a log, /dev/zero) from eating memory.
  auto text = read_small_file(*file, 64u << 10, "a key file");
  if (!text) return d.error(v, fmt::format("{}: {}: {}", where, file->string(), text.error()));
  auto keys = parse_secret_keys(*text);
  if (!keys) {
    for (auto& p : keys.error())
      d.error_in(file->string(), p.line, p.column, fmt::format("{}: {}", where, p.message));
    return;
  }
  if (keys->empty())
    return d.error(v, fmt::format("{}: no key in {} (one hex or base64 key of at least {} bytes per line; "
                                  "make one with: openssl rand -hex 32)",
                                  where, file->string(), min_key_bytes));
  out.keys = std::move(*keys);
}

}  // namespace

void decode_listeners(decoder& d, const yaml_node& node, std::vector<listener_settings>& out) {
  const auto* items = d.list(node, "listen");
  if (!items) return;
  if (items->empty()) d.error(node, "listen: at least one listener is required");
  std::vector<const yaml_node*> addresses;
  for (std::size_t i = 0; i < items->size(); ++i) {
    listener_settings listener;
    const auto path = fmt::format("listen[{}]", i);
    const auto* address = decode_listener(d, (*items)[i], path, listener);
    // Two listeners on one address would fail at bind time, far from the cause.
    // Port 0 ("any free port", for tests) never collides.
    for (std::size_t j = 0; address && j < out.size(); ++j) {
      const auto& other = out[j].address;
      if (addresses[j] && other == listener.address &&
          (other.type == endpoint::kind::unix_socket || other.port != 0))
        d.error(*address,
                fmt::format("{}.address: {} is already used by listen[{}]", path, other.to_string(), j));
    }
    addresses.push_back(address);
    out.push_back(std::move(listener));
  }
}

void decode_downstream(decoder& d, const yaml_node& node, downstream_settings& out) {
  fields f(d, node, "downstream");
  const bool has_host = f.has("host");
  const bool has_maildir = f.has("maildir");
  if (f.valid() && !has_host && !has_maildir) d.error(node, "downstream: one of host or maildir is required");
  if (const auto* e = f.take_entry("host")) {
    if (has_maildir) d.error(e->first, "downstream: host and maildir exclude each other; set one");
    if (auto host = d.string(e->second, "downstream.host")) {
      // "mx:25" is a host with its port glued on; a bare IPv6 address is fine.
      const bool bad = host->find_first_of(" \t\r\n/[]") != std::string::npos ||
                       (host->find(':') != std::string::npos && !parse_ip(*host));
      if (bad)
        d.error(e->second, fmt::format("downstream.host: expected a host name or IP address (the port "
                                       "goes in downstream.port), got \"{}\"",
                                       *host));
      else
        out.host = *host;
    }
  }
  f.path("maildir", out.maildir);

  // SMTP-only keys next to maildir are a mistake to point out, not to ignore.
  static constexpr std::string_view smtp_only[] = {
      "port", "tls", "tls_ca_file", "auth", "max_connections", "connect_timeout_s",
      "command_timeout_s", "data_timeout_s"};
  if (has_maildir && !has_host) {
    for (auto key : smtp_only)
      if (const auto* e = f.take_entry(key))
        d.error(e->first,
                fmt::format("{}: only applies to an SMTP downstream (host), not to maildir", f.path_of(key)));
  } else {
    f.number("port", out.port, 1, 65535);
    f.choice("tls", out.tls,
             {{"none", downstream_tls::none},
              {"starttls", downstream_tls::starttls},
              {"starttls-required", downstream_tls::starttls_required},
              {"implicit", downstream_tls::implicit}});
    f.input_file("tls_ca_file", out.tls_ca_file);
    f.input_file("auth", out.auth_file);
    f.number("max_connections", out.max_connections, 1, 1024);
    f.number("connect_timeout_s", out.connect_timeout_s, 1, 600);
    f.number("command_timeout_s", out.command_timeout_s, 1, 3600);
    f.number("data_timeout_s", out.data_timeout_s, 1, 3600);
  }
  unsigned remember = 0;
  if (f.has("remember_delivered_s") && f.number("remember_delivered_s", remember, 60, 2592000))
    out.remember_delivered_s = remember;
}

void decode_ledger(decoder& d, const yaml_node& node, ledger_config& out) {
  fields f(d, node, "ledger");
  f.number("window_s", out.window_s, 60, 31536000);
  f.choice("in_doubt", out.in_doubt,
           {{"assume_delivered", ledger_in_doubt::assume_delivered}, {"resend", ledger_in_doubt::resend}});
}

void decode_redis(decoder& d, const yaml_node& node, redis_settings& out) {
  fields f(d, node, "redis");
  const bool embedded_ok = f.boolean("embedded", out.embedded);
  if (const auto* e = f.take_entry("address")) {
    if (out.embedded)
      d.error(e->first,
              "redis.address: not used with embedded: true (the embedded server "
              "listens on state_dir/redis/redis.sock); remove one");
    else if (auto ep = d.address(e->second, "redis.address"))
      out.address = *ep;
  } else if (f.valid() && !out.embedded && embedded_ok) {
    d.error(node, "redis: address is required unless embedded: true");
  }
  f.input_file("password_file", out.password_file);
  f.number("timeout_ms", out.timeout_ms, 10, 60000);
  f.string("key_prefix", out.key_prefix, /*allow_empty=*/true);
  f.string("server_binary", out.server_binary);
}

void decode_limits(decoder& d, const yaml_node& node, limit_settings& out) {
  fields f(d, node, "limits");
  f.number("max_message_bytes", out.max_message_bytes, 1024, 1073741824);
  f.number("max_recipients", out.max_recipients, 1, 100000);
  f.number("max_connections", out.max_connections, 1, 100000);
  f.number("max_connections_per_client", out.max_connections_per_client, 1, 100000);
  f.number("command_timeout_s", out.command_timeout_s, 1, 3600);
  f.number("data_timeout_s", out.data_timeout_s, 1, 3600);
  f.number("min_data_rate", out.min_data_rate, 0, 1000000000);
  f.number("max_refused_connections", out.max_refused_connections, 0, 100000);
  f.number("refused_grace_s", out.refused_grace_s, 1, 60);
  f.number("max_line_bytes", out.max_line_bytes, 1000, 1048576);
  f.choice("bare_newline", out.reject_bare_newline, {{"normalize", false}, {"reject", true}});
  f.number("max_junk_commands", out.max_junk_commands, 1, 100000);
  f.number("max_errors", out.max_errors, 1, 1000);
  f.number("drain_timeout_s", out.drain_timeout_s, 1, 3600);
}

void decode_audit(decoder& d, const yaml_node& node, const std::filesystem::path& state_dir,
                  audit_settings& out) {
  out.path = state_dir / "audit.jsonl";
  fields f(d, node, "audit");
  f.path("path", out.path);
  f.choice("fsync", out.fsync_always, {{"always", true}, {"never", false}});
}

void decode_admin_http(decoder& d, const yaml_node& node, const std::vector<listener_settings>& listeners,
                       admin_http_settings& out) {
  fields f(d, node, "admin_http");
  const auto* v = f.require("listen");
  if (!v) return;
  auto ep = d.address(*v, "admin_http.listen");
  if (!ep) return;
  if (ep->type == endpoint::kind::unix_socket)
    return d.error(*v, "admin_http.listen: expected \"host:port\" (the admin server listens on TCP)");
  for (std::size_t i = 0; i < listeners.size(); ++i)
    if (ep->port != 0 && listeners[i].address == *ep)
      return d.error(*v, fmt::format("admin_http.listen: {} is already used by listen[{}]", ep->to_string(), i));
  out.listen = *ep;
}

namespace {

void decode_dkim_key(decoder& d, const yaml_node& node, const std::string& where, dkim_key_settings& out,
                     std::vector<dkim::signing_key>& loaded) {
  fields f(d, node, where);
  if (const auto* v = f.require("domain")) {
    if (auto text = d.string(*v, where + ".domain")) {
      if (auto domain = dkim::signing_domain(*text))
        out.domain = *domain;
      else
        d.error(*v, fmt::format("{}.domain: {}", where, domain.error()));
    }
  }
  if (const auto* v = f.require("selector")) {
    if (auto text = d.string(*v, where + ".selector")) {
      if (dkim::is_selector(*text))
        out.selector = *text;
      else
        d.error(*v, fmt::format("{}.selector: expected letters, digits, '-' and '.', got \"{}\"", where, *text));
    }
  }
  if (const auto* v = f.take("headers")) {
    if (const auto* items = d.list(*v, where + ".headers")) {
      for (std::size_t i = 0; i < items->size(); ++i) {
        auto name = d.string((*items)[i], fmt::format("{}.headers[{}]", where, i));
        if (!name) continue;
        std::string lower;
        for (char c : *name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (!mime::is_valid_field_name(lower) || lower == "dkim-signature")
          d.error((*items)[i], fmt::format("{}.headers[{}]: not a header field name to sign: \"{}\"", where, i, *name));
        else if (std::find(out.headers.begin(), out.headers.end(), lower) == out.headers.end())
          out.headers.push_back(lower);
      }
      if (std::find(out.headers.begin(), out.headers.end(), "from") == out.headers.end())
        d.error(*v, fmt::format("{}.headers: must include from (RFC 6376 §5.4)", where));
    }
  }
  const auto* file_node = f.require("key_file");
  if (!file_node) return;
  auto file = d.input_file(*file_node, where + ".key_file");
  if (!file) return;
  out.key_file = *file;
  auto key = dkim::private_key::load(*file);
  if (!key) return d.error(*file_node, fmt::format("{}.key_file: {}: {}", where, file->string(), key.error()));
  if (!out.domain.empty() && !out.selector.empty())
    loaded.push_back({out.domain, out.selector, *key, out.headers});
}

}  // namespace

void decode_dkim(decoder& d, const yaml_node& node, dkim_settings& out) {
  fields f(d, node, "dkim");
  std::vector<dkim::signing_key> loaded;
  if (const auto* v = f.require("keys")) {
    if (const auto* items = d.list(*v, "dkim.keys")) {
      if (items->empty()) d.error(*v, "dkim.keys: at least one key is required");
      for (std::size_t i = 0; i < items->size(); ++i) {
        const std::string where = fmt::format("dkim.keys[{}]", i);
        dkim_key_settings k;
        decode_dkim_key(d, (*items)[i], where, k, loaded);
        for (std::size_t j = 0; j < out.keys.size(); ++j)
          if (!k.domain.empty() && out.keys[j].domain == k.domain && out.keys[j].selector == k.selector)
            d.error((*items)[i], fmt::format("{}: {} selector {} is already dkim.keys[{}]", where, k.domain,
                                             k.selector, j));
        out.keys.push_back(std::move(k));
      }
    }
  }
  f.choice("on_missing_key", out.on_missing_key,
           {{"hold", dkim_missing_key::hold},
            {"defer", dkim_missing_key::defer},
            {"unsigned", dkim_missing_key::relay_unsigned},
            {"default", dkim_missing_key::sign_default}});
  const auto* def = f.take("default_domain");
  if (def) {
    if (auto text = d.string(*def, "dkim.default_domain")) {
      auto domain = normalize_domain(*text);
      const bool keyed = domain && std::any_of(out.keys.begin(), out.keys.end(),
                                               [&](const dkim_key_settings& k) { return k.domain == *domain; });
      if (!keyed)
        d.error(*def, fmt::format("dkim.default_domain: \"{}\" is not the domain of any dkim.keys entry", *text));
      else
        out.default_domain = *domain;
    }
  }
  if (out.on_missing_key == dkim_missing_key::sign_default && !def)
    d.error(node, "dkim: on_missing_key: default needs default_domain (the keyed domain to sign with)");
  else if (def && out.on_missing_key != dkim_missing_key::sign_default)
    d.error(*def, "dkim.default_domain: only used with on_missing_key: default");
  if (const auto* v = f.take("expire_s"))
    if (auto n = d.number(*v, "dkim.expire_s", 3600, 31536000)) out.expire_s = *n;
  out.table = std::make_shared<const dkim::key_table>(std::move(loaded));
}

void decode_unsubscribe(decoder& d, const yaml_node& node, unsubscribe_settings& out) {
  fields f(d, node, "unsubscribe");
  if (const auto* v = f.require("base_url")) {
    if (auto text = d.string(*v, "unsubscribe.base_url")) {
      if (auto url = check_base_url(*text))
        out.base_url = *url;
      else
        d.error(*v, fmt::format("unsubscribe.base_url: {}, got \"{}\"", url.error(), *text));
    }
  }
  if (const auto* v = f.take("mailto_domain")) {
    if (auto text = d.string(*v, "unsubscribe.mailto_domain")) {
      if (auto domain = normalize_domain(*text))
        out.mailto_domain = *domain;
      else
        d.error(*v, fmt::format("unsubscribe.mailto_domain: invalid domain \"{}\": {}", *text, domain.error()));
    }
  }
  if (const auto* v = f.require("secret_file")) decode_secret_file(d, *v, "unsubscribe.secret_file", out);
}

}  // namespace kizuna::config
