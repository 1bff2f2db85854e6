#include "relay/smtp/tls_context.hpp"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/ip/address.hpp>

namespace kizuna::smtp {
namespace ssl = boost::asio::ssl;

namespace {

// OpenSSL's own reason for the last failure (the error queue), else the error code's text.
std::string reason(const boost::system::error_code& ec) {
  const unsigned long e = ERR_peek_last_error();
  const char* r = e ? ERR_reason_error_string(e) : nullptr;
  std::string why = r ? r : ec.message();
  ERR_clear_error();
  return why;
}

tls_context common(ssl::context::method method) {
  auto ctx = std::make_shared<ssl::context>(method);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  return ctx;
}

}  // namespace

std::expected<tls_context, std::string> make_server_tls(const std::filesystem::path& cert,
                                                        const std::filesystem::path& key) {
  auto ctx = common(ssl::context::tls_server);
  SSL_CTX_set_options(ctx->native_handle(), SSL_OP_CIPHER_SERVER_PREFERENCE);
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(cert.string(), ec);
  if (ec) return std::unexpected(fmt::format("cannot load the certificate chain {}: {}", cert.string(), reason(ec)));
  ctx->use_private_key_file(key.string(), ssl::context::pem, ec);
  if (ec) return std::unexpected(fmt::format("cannot load the private key {}: {}", key.string(), reason(ec)));
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    ERR_clear_error();
    return std::unexpected(
        fmt::format("the private key {} does not match the certificate {}", key.string(), cert.string()));
  }
  return ctx;
}

std::expected<tls_context, std::string> make_client_tls(bool verify, const std::filesystem::path& ca_file) {
  auto ctx = common(ssl::context::tls_client);
  boost::system::error_code ec;
  if (!verify) {
    ctx->set_verify_mode(ssl::verify_none, ec);
    return ctx;
  }
  ctx->set_verify_mode(ssl::verify_peer, ec);
  if (ca_file.empty()) {
    ctx->set_default_verify_paths(ec);
    if (ec) return std::unexpected(fmt::format("cannot load the system CA certificates: {}", reason(ec)));
  } else {
    ctx->load_verify_file(ca_file.string(), ec);
    if (ec) return std::unexpected(fmt::format("cannot load CA certificates from {}: {}", ca_file.string(), reason(ec)));
  }
  return ctx;
}

bool tls_client_prepare(SSL* ssl, const std::string& host, bool verify) {
  boost::system::error_code ec;
  const auto ip = boost::asio::ip::make_address(host, ec);
  const bool is_ip = !ec;
  // RFC 6066 §3: SNI carries host names only, never address literals.
  if (!is_ip && SSL_set_tlsext_host_name(ssl, host.c_str()) != 1) return false;
  if (!verify) return true;
  if (is_ip) return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), ip.to_string().c_str()) == 1;
  SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  return SSL_set1_host(ssl, host.c_str()) == 1;
}

std::string tls_description(const SSL* ssl) {
  return fmt::format("{} {}", SSL_get_version(ssl), SSL_CIPHER_get_name(SSL_get_current_cipher(ssl)));
}

std::string tls_verify_error(const SSL* ssl) {
  const long r = SSL_get_verify_result(ssl);
  return r == X509_V_OK ? std::string() : X509_verify_cert_error_string(r);
}

bool tls_input_pending(const SSL* ssl) {
  const BIO* in = SSL_get_rbio(ssl);
  return SSL_pending(ssl) > 0 || SSL_has_pending(ssl) || (in && BIO_ctrl_pending(const_cast<BIO*>(in)) > 0);
}

}  // namespace kizuna::smtp
