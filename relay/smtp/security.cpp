#include "relay/smtp/security.hpp"

#include <fmt/format.h>

#include "relay/core/log.hpp"

namespace kizuna::smtp {
namespace {

tls_policy client_tls_policy(config::downstream_tls t) {
  switch (t) {
    case config::downstream_tls::none: return tls_policy::none;
    case config::downstream_tls::starttls: return tls_policy::opportunistic;
    case config::downstream_tls::starttls_required: return tls_policy::required;
    case config::downstream_tls::implicit: return tls_policy::implicit;
  }
  return tls_policy::none;
}

}  // namespace

std::expected<std::shared_ptr<const security>, std::string> load_security(const config::settings& cfg) {
  auto sec = std::make_shared<security>();
  for (std::size_t i = 0; i < cfg.listeners.size(); ++i) {
    const auto& l = cfg.listeners[i];
    listener_security ls;
    if (l.tls) {
      auto ctx = make_server_tls(l.tls->cert, l.tls->key);
      if (!ctx) return std::unexpected(fmt::format("listen[{}].tls: {}", i, ctx.error()));
      ls.tls = std::move(*ctx);
      ls.tls_required = l.tls->require;
    }
    if (!l.auth_users.empty()) {
      auto users = auth_users::load(l.auth_users);
      if (!users) return std::unexpected(fmt::format("listen[{}].auth: {}", i, users.error()));
      // SPEC §8: AUTH only after TLS, so without a certificate it could never be used.
      if (!ls.tls)
        log::warning("listen[{}]: auth is set but tls is not; AUTH is only offered over TLS, so it is off", i);
      else
        ls.users = std::make_shared<const auth_users>(std::move(*users));
    }
    sec->listeners.push_back(std::move(ls));
  }
  const auto& d = cfg.downstream;
  if (!d.is_maildir()) {
    if (d.tls != config::downstream_tls::none) {
      // starttls is opportunistic (Postfix "may"): an unverified certificate still beats plain text.
      const bool verify = d.tls != config::downstream_tls::starttls;
      auto ctx = make_client_tls(verify, d.tls_ca_file);
      if (!ctx) return std::unexpected(fmt::format("downstream.tls: {}", ctx.error()));
      sec->downstream_tls = std::move(*ctx);
    }
    if (!d.auth_file.empty()) {
      auto creds = load_client_credentials(d.auth_file);
      if (!creds) return std::unexpected(fmt::format("downstream.auth: {}", creds.error()));
      if (d.tls == config::downstream_tls::none)
        log::warning("downstream: auth is set but tls is none; credentials are only sent over TLS, "
                     "so every copy will be deferred");
      sec->downstream_credentials = std::move(*creds);
    }
  }
  return std::shared_ptr<const security>(std::move(sec));
}

client_settings downstream_client_settings(const config::settings& cfg, const security& sec) {
  const auto& d = cfg.downstream;
  client_settings cs;
  cs.host = d.host;
  cs.port = d.port;
  cs.helo_name = cfg.hostname;
  cs.connect_timeout = std::chrono::seconds(d.connect_timeout_s);
  cs.command_timeout = std::chrono::seconds(d.command_timeout_s);
  cs.data_timeout = std::chrono::seconds(d.data_timeout_s);
  cs.tls = client_tls_policy(d.tls);
  cs.ssl_context = sec.downstream_tls;
  cs.credentials = sec.downstream_credentials;
  return cs;
}

}  // namespace kizuna::smtp
