#include "relay/admin/http_server.hpp"

#include <fmt/format.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <tuple>

#include "relay/admin/handler.hpp"
#include "relay/admin/limits.hpp"
#include "relay/core/log.hpp"

namespace kizuna::admin {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

std::string peer_ip(const tcp::endpoint& ep) {
  auto a = ep.address();
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).to_string();
  return a.to_string();
}

std::string header_value(const http::request<http::string_body>& req, http::field f) {
  auto it = req.find(f);
  return it == req.end() ? std::string() : std::string(it->value());
}

http::response<http::string_body> to_beast(response res, unsigned version, bool keep_alive) {
  http::response<http::string_body> out{static_cast<http::status>(res.status), version};
  out.set(http::field::content_type, res.content_type);
  for (auto& [name, value] : res.headers) out.set(name, value);
  out.body() = std::move(res.body);
  out.keep_alive(keep_alive);
  out.prepare_payload();
  return out;
}

// A request that cannot be parsed: its status, or 0 when the peer just went away.
unsigned status_for(const boost::system::error_code& ec) {
  if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::operation_aborted ||
      ec == asio::error::connection_reset || ec == asio::error::eof || ec == http::error::partial_message)
    return 0;
  if (ec == http::error::body_limit) return 413;
  if (ec == http::error::header_limit) return 431;
  return 400;
}

}  // namespace

// One open connection, known to stop() so an idle one can be closed at once.
struct http_server::connection {
  beast::tcp_stream* stream;
  bool idle = true;  // waiting for (the rest of) a request
};

http_server::http_server(server_settings s)
    : acceptor_(ctx_), recorder_(s.recorder), limiter_(limits::rate_per_s, limits::burst, limits::rate_clients) {
  current_ = build(std::move(s));
}

http_server::~http_server() {
  stop();
  join();
}

std::expected<std::unique_ptr<http_server>, std::string> http_server::bind(server_settings s) {
  const endpoint ep = s.cfg->admin_http->listen;
  std::unique_ptr<http_server> server(new http_server(std::move(s)));
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(ep.host, ec);
  if (ec) return std::unexpected(fmt::format("admin_http.listen {}: not an IP address", ep.to_string()));
  const tcp::endpoint bind_ep(address, ep.port);
  auto& a = server->acceptor_;
  auto failed = [&] { return std::unexpected(fmt::format("admin_http.listen {}: {}", ep.to_string(), ec.message())); };
  if (a.open(bind_ep.protocol(), ec); ec) return failed();
  if (a.set_option(asio::socket_base::reuse_address(true), ec); ec) return failed();
  if (a.bind(bind_ep, ec); ec) return failed();
  if (a.listen(asio::socket_base::max_listen_connections, ec); ec) return failed();
  server->bound_ = ep;
  server->bound_.port = a.local_endpoint(ec).port();
  return server;
}

std::shared_ptr<const backend> http_server::build(server_settings s) {
  auto b = std::make_shared<backend>();
  b->executor = ctx_.get_executor();
  b->redis = std::make_shared<store::redis_client>(
      ctx_.get_executor(), store::redis_options{std::move(s.redis_address), std::move(s.redis_password),
                                                std::chrono::milliseconds(s.cfg->redis.timeout_ms)});
  b->audit = std::move(s.audit);
  b->metrics = s.metrics;
  b->cfg = std::move(s.cfg);
  return b;
}

void http_server::start() {
  started_ = true;
  asio::co_spawn(ctx_, accept_loop(), [](std::exception_ptr e) {
    if (e) log::error("admin http: accept loop ended by an exception");
  });
  thread_ = std::thread([this] {
    metrics::bind_this_thread(recorder_);
    try {
      ctx_.run();
    } catch (const std::exception& e) {
      log::error("admin http: {}", e.what());
      std::abort();  // an escaped exception is a broken invariant
    }
  });
}

void http_server::reload(server_settings s) {
  asio::post(ctx_, [this, s = std::move(s)]() mutable {
    if (stopping_) return;
    // Requests in progress keep the old backend (and its Redis connection) alive.
    current_ = build(std::move(s));
  });
}

void http_server::stop() {
  asio::post(ctx_, [this] {
    if (stopping_) return;
    stopping_ = true;
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    for (auto* c : connections_)
      if (c->idle) c->stream->cancel();
    finish_if_drained();
  });
}

void http_server::join() {
  if (thread_.joinable()) thread_.join();
}

void http_server::finish_if_drained() {
  if (!stopping_ || open_ != 0 || finished_) return;
  finished_ = true;
  // Last: the Redis connection; then the io_context runs out of work.
  if (current_) current_->redis->close();
  current_.reset();
}

asio::awaitable<void> http_server::accept_loop() {
  while (!stopping_) {
    auto [ec, socket] = co_await acceptor_.async_accept(tuple_awaitable);
    if (ec) {
      if (ec == asio::error::operation_aborted || stopping_) break;
      log::warning("admin http: accept: {}", ec.message());
      asio::steady_timer t(ctx_, std::chrono::milliseconds(100));  // e.g. out of descriptors
      co_await t.async_wait(tuple_awaitable);
      continue;
    }
    boost::system::error_code ignored;
    auto ip = peer_ip(socket.remote_endpoint(ignored));
    if (open_ >= limits::max_connections) {
      static constexpr std::string_view busy =
          "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nRetry-After: 1\r\nConnection: close\r\n\r\n";
      socket.non_blocking(true, ignored);
      socket.write_some(asio::buffer(busy), ignored);  // best effort, never blocks
      socket.close(ignored);
      continue;
    }
    socket.set_option(tcp::no_delay(true), ignored);
    ++open_;  // counted now: the coroutine starts later
    asio::co_spawn(ctx_, serve(std::move(socket), std::move(ip)), [](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        log::error("admin http: connection ended by exception: {}", ex.what());
      }
    });
  }
}

asio::awaitable<void> http_server::serve(tcp::socket socket, std::string ip) {
  beast::tcp_stream stream(std::move(socket));
  // Room for a whole request at its limits; the parser enforces each limit.
  beast::flat_buffer buffer(limits::max_header_bytes + limits::max_body_bytes);
  connection self{&stream};
  // Unregistered however the coroutine ends (an exception included).
  struct registration {
    http_server& server;
    std::list<connection*>::iterator it;
    ~registration() {
      server.connections_.erase(it);
      --server.open_;
      server.finish_if_drained();
    }
  } registered{*this, connections_.insert(connections_.end(), &self)};

  for (std::size_t served = 0; served < limits::max_requests_per_connection && !stopping_; ++served) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(limits::max_header_bytes);
    parser.body_limit(limits::max_body_bytes);
    self.idle = true;
    stream.expires_after(served == 0 ? limits::io_timeout : limits::idle_timeout);
    auto [rec, n] = co_await http::async_read(stream, buffer, parser, tuple_awaitable);
    self.idle = false;
    if (rec) {
      const unsigned status = stopping_ ? 0 : status_for(rec);
      if (status != 0) {
        log::info("admin http: {}: bad request: {}", ip, rec.message());
        response res;
        res.status = status;
        res.body = status == 413 ? "Request body too large\n" : status == 431 ? "Request headers too large\n"
                                                                              : "Bad request\n";
        auto out = to_beast(std::move(res), 11, false);
        stream.expires_after(limits::io_timeout);
        co_await http::async_write(stream, out, tuple_awaitable);
      }
      break;
    }

    auto& req = parser.get();
    request r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    r.content_type = header_value(req, http::field::content_type);
    r.accept = header_value(req, http::field::accept);
    r.body = std::move(req.body());
    r.client_ip = ip;
    const bool head = req.method() == http::verb::head;
    // The backend of this request stays alive until its response is written.
    const auto b = current_;
    if (!b) break;  // stopped meanwhile
    response res = co_await handle(r, *b, limiter_);
    const bool keep_alive =
        req.keep_alive() && !stopping_ && served + 1 < limits::max_requests_per_connection;
    auto out = to_beast(std::move(res), req.version(), keep_alive);
    stream.expires_after(limits::io_timeout);
    boost::system::error_code wec;
    if (head) {
      http::response_serializer<http::string_body> sr(out);
      std::tie(wec, std::ignore) = co_await http::async_write_header(stream, sr, tuple_awaitable);
    } else {
      std::tie(wec, std::ignore) = co_await http::async_write(stream, out, tuple_awaitable);
    }
    if (wec || !keep_alive) break;
  }

  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.close();
}

}  // namespace kizuna::admin
