// Everything TLS and AUTH need from the files a configuration names, loaded
// once per configuration generation (start-up and each reload) and shared
// read-only by that generation's sessions and downstream connections:
// per listener, the server TLS context and the AUTH users; for the downstream,
// the client TLS context and the AUTH PLAIN credentials.
//
// Errors: the first file that cannot be used, as "listen[0].tls: cannot load
// the private key /etc/kizuna/key.pem: ...". A bad file is a start-up or
// reload error, never a surprise at the first connection.
#pragma once

#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "relay/config/settings.hpp"
#include "relay/smtp/auth_users.hpp"
#include "relay/smtp/client.hpp"
#include "relay/smtp/client_credentials.hpp"
#include "relay/smtp/tls_context.hpp"

namespace kizuna::smtp {

struct listener_security {
  tls_context tls;                          // null: no STARTTLS on this listener
  bool tls_required = false;                // tls.require
  std::shared_ptr<const auth_users> users;  // null: no AUTH (also when the listener has no tls)
};

struct security {
  std::vector<listener_security> listeners;  // same order as settings.listeners
  tls_context downstream_tls;                // null: downstream tls none, or maildir
  std::optional<client_credentials> downstream_credentials;
};

std::expected<std::shared_ptr<const security>, std::string> load_security(const config::settings& cfg);

// The downstream client's settings for cfg, TLS and credentials included: for
// everything that talks to the downstream, so none of it bypasses tls or auth.
client_settings downstream_client_settings(const config::settings& cfg, const security& sec);

}  // namespace kizuna::smtp
