// OpenSSL contexts for both legs, built once per configuration generation and
// shared (shared_ptr) by every session or connection of that generation.
//
// Both sides: TLS 1.2 or later, no renegotiation, no compression.
// - Server (listen[].tls): certificate chain and private key from PEM files;
//   the key must match the certificate.
// - Client (downstream.tls): `verify` checks the peer's chain against ca_file
//   (PEM) or, when ca_file is empty, the system's default CA paths; the host
//   name itself is checked per connection (tls_client_prepare).
// Errors: a message naming the file and OpenSSL's reason, for start-up and
// reload to report; never thrown.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <expected>
#include <filesystem>
#include <memory>
#include <string>

namespace kizuna::smtp {

using tls_context = std::shared_ptr<boost::asio::ssl::context>;

std::expected<tls_context, std::string> make_server_tls(const std::filesystem::path& cert,
                                                        const std::filesystem::path& key);
std::expected<tls_context, std::string> make_client_tls(bool verify, const std::filesystem::path& ca_file);

// For one client connection, before its handshake: SNI (RFC 6066, names only)
// and, when `verify`, the RFC 6125 name check of the peer certificate against
// `host` (a DNS name or an IP address). Returns false if OpenSSL refused.
bool tls_client_prepare(SSL* ssl, const std::string& host, bool verify);

// For logs: "TLSv1.3 TLS_AES_256_GCM_SHA384", or the verification failure.
std::string tls_description(const SSL* ssl);
std::string tls_verify_error(const SSL* ssl);

// Whether TLS holds input the application has not read: decrypted bytes, or
// records received but not yet processed. An idle SMTP connection has none.
bool tls_input_pending(const SSL* ssl);

}  // namespace kizuna::smtp
