#include "relay/cli/redis_session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>
#include <exception>
#include <fstream>
#include <optional>

#include "relay/cli/exit_status.hpp"
#include "relay/core/log.hpp"
#include "relay/store/redis_password.hpp"

namespace kizuna::cli {
namespace asio = boost::asio;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::chrono::milliseconds min_cli_timeout{10000};

// Connects once and closes, only to learn the OS reason when Redis cannot be
// reached (the client reports just "redis unavailable"). Bounded by `timeout`.
asio::awaitable<error_code> probe(const endpoint& to, std::chrono::milliseconds timeout) {
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer timer(ex);
  asio::local::stream_protocol::socket local(ex);
  asio::ip::tcp::socket tcp(ex);
  asio::ip::tcp::resolver resolver(ex);
  bool timed_out = false;
  timer.expires_after(timeout);
  timer.async_wait([&](error_code ec) {
    if (ec) return;  // cancelled: the probe finished first
    timed_out = true;
    error_code ignored;
    local.close(ignored);
    tcp.close(ignored);
    resolver.cancel();
  });
  error_code ec;
  if (to.type == endpoint::kind::unix_socket) {
    std::tie(ec) = co_await local.async_connect(asio::local::stream_protocol::endpoint(to.path), use_tuple);
  } else {
    auto [rec, results] = co_await resolver.async_resolve(to.host, std::to_string(to.port), use_tuple);
    ec = rec;
    if (!ec) std::tie(ec, std::ignore) = co_await asio::async_connect(tcp, results, use_tuple);
  }
  timer.cancel();
  if (timed_out) co_return make_error_code(errc::timeout);
  co_return ec;
}

}  // namespace

std::expected<std::unique_ptr<redis_session>, int> redis_session::open(const config::settings& cfg, std::string who) {
  std::unique_ptr<redis_session> s(new redis_session());
  s->who_ = std::move(who);
  s->prefix_ = cfg.redis.key_prefix;
  s->embedded_ = cfg.redis.embedded;
  if (cfg.redis.embedded) {
    s->address_.type = endpoint::kind::unix_socket;
    s->address_.path = (cfg.state_dir / "redis" / "redis.sock").string();
  } else {
    s->address_ = cfg.redis.address;
  }
  auto password = store::read_redis_password(cfg.redis.password_file);
  if (!password) {
    std::fprintf(stderr, "%s: %s\n", s->who_.c_str(), password.error().c_str());
    return std::unexpected(ex_config);
  }
  // The client logs connection trouble as warnings; a CLI reports it itself, once.
  log::set_threshold(log::level::error);
  const auto timeout = std::max(std::chrono::milliseconds(cfg.redis.timeout_ms), min_cli_timeout);
  s->client_ = std::make_unique<store::redis_client>(
      s->io_.get_executor(), store::redis_options{s->address_, *password, timeout});
  if (int rc = s->run(s->connect(timeout)); rc != 0) return std::unexpected(rc);
  return s;
}

redis_session::~redis_session() {
  if (client_) client_->close();
}

asio::awaitable<int> redis_session::connect(std::chrono::milliseconds timeout) {
  if (auto ec = co_await probe(address_, timeout)) co_return unreachable(ec);
  store::redis_command ping;
  ping.emplace_back("PING");
  auto pong = co_await client_->command(std::move(ping));
  if (!pong) co_return unreachable(pong.error());
  if (pong->is_error()) co_return unreachable(pong->str);  // NOAUTH, LOADING, ...
  co_return 0;
}

int redis_session::run(asio::awaitable<int> task) {
  std::optional<int> result;
  std::exception_ptr error;
  asio::co_spawn(io_, std::move(task), [&](std::exception_ptr e, int rc) {
    error = e;
    result = rc;
    io_.stop();  // the client keeps an idle read pending: run() would not return on its own
  });
  io_.restart();
  io_.run();
  if (error) std::rethrow_exception(error);
  return result.value_or(ex_unavailable);
}

int redis_session::unreachable(std::string_view why) const {
  std::string hint;
  if (embedded_)
    hint = " (redis.embedded is on: its socket exists only while the relay runs; start it with kizuna serve)";
  std::fprintf(stderr, "%s: cannot reach redis at %s: %.*s%s\n", who_.c_str(), address_.to_string().c_str(),
               int(why.size()), why.data(), hint.c_str());
  return ex_unavailable;
}

namespace {
// Redis glob metacharacters in the prefix must match literally.
std::string glob_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}
}  // namespace

boost::asio::awaitable<int> redis_session::for_each_hash(
    std::string head, std::function<int(const std::string& key, const store::redis_value& hash)> on_hash) {
  const std::string pattern = glob_escape(head) + "*";
  std::string cursor = "0";
  bool scanning = true;
  std::vector<std::string> keys;
  while (scanning || !keys.empty()) {
    // Commands built one by one: no braced string lists in a coroutine (GCC 12).
    std::vector<store::redis_command> cmds;
    cmds.reserve(keys.size() + 1);
    for (const auto& k : keys) {
      store::redis_command c;
      c.emplace_back("HGETALL");
      c.push_back(k);
      cmds.push_back(std::move(c));
    }
    if (scanning) {
      store::redis_command c;
      c.emplace_back("SCAN");
      c.push_back(cursor);
      c.emplace_back("MATCH");
      c.push_back(pattern);
      c.emplace_back("COUNT");
      c.emplace_back("1000");
      cmds.push_back(std::move(c));
    }
    auto r = co_await client().pipeline(std::move(cmds));
    if (!r) co_return unreachable(r.error());
    for (std::size_t i = 0; i < keys.size(); ++i)
      if (int rc = on_hash(keys[i], (*r)[i]); rc != 0) co_return rc;
    std::vector<std::string> next;
    if (scanning) {
      const auto& page = r->back();
      if (page.is_error() || page.elements.size() != 2) {
        std::fprintf(stderr, "%s: SCAN failed: %s\n", who_.c_str(), page.is_error() ? page.str.c_str() : "bad reply");
        co_return ex_unavailable;
      }
      cursor = page.elements[0].str;
      for (const auto& k : page.elements[1].elements) next.push_back(k.str);
      scanning = cursor != "0";
    }
    keys = std::move(next);
  }
  co_return 0;
}

}  // namespace kizuna::cli
