#include "relay/daemon/worker.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "relay/core/log.hpp"
#include "relay/delivery/downstream_pool.hpp"
#include "relay/delivery/maildir_writer.hpp"
#include "relay/delivery/ledger_owner_file.hpp"
#include "relay/delivery/ledger_registry.hpp"
#include "relay/store/delivery_ledger.hpp"

namespace kizuna::daemon {
namespace asio = boost::asio;
using asio::ip::tcp;
using unix_proto = asio::local::stream_protocol;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

namespace {

// Every thread binds the same TCP port; the kernel spreads connections (SO_REUSEPORT).
tcp::acceptor make_tcp_acceptor(asio::io_context& ctx, const endpoint& ep) {
  tcp::endpoint bind_ep(asio::ip::make_address(ep.host), ep.port);
  tcp::acceptor a(ctx);
  a.open(bind_ep.protocol());
  a.set_option(asio::socket_base::reuse_address(true));
  int one = 1;
  if (::setsockopt(a.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
    throw std::system_error(errno, std::generic_category(), "SO_REUSEPORT");
  a.bind(bind_ep);
  a.listen(asio::socket_base::max_listen_connections);
  return a;
}

// A stale socket file from a crash is removed; a live one (another kizuna) is not.
unix_proto::acceptor make_unix_acceptor(asio::io_context& ctx, const endpoint& ep) {
  if (::access(ep.path.c_str(), F_OK) == 0) {
    unix_proto::socket probe(ctx);
    boost::system::error_code ec;
    probe.connect(unix_proto::endpoint(ep.path), ec);
    if (!ec) throw std::system_error(EADDRINUSE, std::generic_category(), ep.path + " is in use");
    ::unlink(ep.path.c_str());
  }
  unix_proto::acceptor a(ctx, unix_proto::endpoint(ep.path));
  // Local MTAs in the kizuna group must be able to connect whatever the umask.
  ::chmod(ep.path.c_str(), 0660);
  return a;
}

std::string peer_ip(const tcp::endpoint& ep) {
  auto a = ep.address();
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).to_string();
  return a.to_string();
}

}  // namespace

worker::worker(unsigned index, connection_limits& limits, metrics::recorder recorder,
               std::vector<std::uint32_t> listener_slots)
    : index_(index), limits_(limits), recorder_(recorder), listener_slots_(std::move(listener_slots)) {}

worker::~worker() { join(); }

std::vector<endpoint> worker::bind(const config::settings& cfg, const std::vector<endpoint>& addresses) {
  std::vector<endpoint> bound;
  for (std::size_t i = 0; i < cfg.listeners.size(); ++i) {
    const endpoint& ep = addresses[i];
    if (ep.type == endpoint::kind::unix_socket) {
      if (index_ == 0) {  // a unix socket path can be bound once: thread 0 owns it
        acceptors_.emplace_back(make_unix_acceptor(ctx_, ep));
        acceptor_listener_.push_back(i);
      }
      bound.push_back(ep);
      continue;
    }
    auto a = make_tcp_acceptor(ctx_, ep);
    endpoint real = ep;
    real.port = a.local_endpoint().port();
    bound.push_back(real);
    acceptors_.emplace_back(std::move(a));
    acceptor_listener_.push_back(i);
  }
  return bound;
}

std::shared_ptr<generation> worker::build(runtime_settings rt) {
  auto g = std::make_shared<generation>();
  const auto& cfg = *rt.cfg;
  g->redis = std::make_shared<store::redis_client>(
      ctx_.get_executor(),
      store::redis_options{rt.redis_address, rt.redis_password, std::chrono::milliseconds(cfg.redis.timeout_ms)});
  if (cfg.downstream.is_maildir()) {
    g->destination = std::make_shared<delivery::maildir_writer>(cfg.downstream.maildir);
  } else {
    g->destination = std::make_shared<delivery::downstream_pool>(ctx_.get_executor(),
                                                                 smtp::downstream_client_settings(cfg, *rt.security),
                                                                 cfg.downstream.max_connections);
  }
  auto ctx = std::make_shared<delivery::context>();
  ctx->executor = ctx_.get_executor();
  ctx->dest = g->destination;
  ctx->redis = g->redis;
  ctx->policies = rt.policies;
  ctx->audit = rt.audit;
  ctx->holds = rt.holds;
  if (cfg.unsubscribe) ctx->unsubscribe = std::make_shared<const config::unsubscribe_settings>(*cfg.unsubscribe);
  if (cfg.dkim) ctx->dkim = std::shared_ptr<const config::dkim_settings>(rt.cfg, &*cfg.dkim);  // lives with the snapshot
  ctx->signer = rt.signer;
  ctx->key_prefix = cfg.redis.key_prefix;
  ctx->hostname = cfg.hostname;
  ctx->copy_parallelism = cfg.downstream.max_connections;
  ctx->ledger.window = std::chrono::seconds(cfg.ledger.window_s);
  ctx->ledger.in_doubt = cfg.ledger.in_doubt == config::ledger_in_doubt::resend ? delivery::in_doubt_choice::resend
                                                                                : delivery::in_doubt_choice::assume_delivered;
  ctx->ledger_owner = delivery::ledger_owner_of(cfg.hostname);
  g->dispatcher = std::make_shared<delivery::dispatcher>(std::move(ctx));
  g->rt = std::move(rt);
  return g;
}

void worker::start(runtime_settings rt) {
  current_ = build(std::move(rt));
  if (index_ == 0) asio::co_spawn(ctx_, heartbeat(), asio::detached);
  for (std::size_t i = 0; i < acceptors_.size(); ++i)
    asio::co_spawn(ctx_, accept_loop(i), [](std::exception_ptr e) {
      if (e) log::error("accept loop ended by an exception");
    });
  thread_ = std::thread([this] {
    metrics::bind_this_thread(recorder_);
    try {
      ctx_.run();
    } catch (const std::exception& e) {
      log::error("worker {}: {}", index_, e.what());
      std::abort();  // an escaped exception is a broken invariant
    }
  });
}

void worker::reload(runtime_settings rt) {
  asio::post(ctx_, [this, rt = std::move(rt)]() mutable {
    if (stopping_) return;
    // Sessions still using the old generation keep it alive (they hold its
    // dispatcher); its pool and Redis connection close when the last one ends.
    current_ = build(std::move(rt));
  });
}

asio::awaitable<void> worker::heartbeat() {
  heartbeat_timer_ = std::make_unique<asio::steady_timer>(ctx_);
  if (current_) {  // the previous kizuna on this state_dir has exited: its reservations are free now
    const auto& cfg = *current_->rt.cfg;
    if (auto previous = delivery::claim_ledger_owner_file(cfg.state_dir, delivery::ledger_owner_of(cfg.hostname))) {
      store::redis_command del{std::string("DEL"), store::alive_key(cfg.redis.key_prefix, *previous)};
      auto r = co_await current_->redis->command(std::move(del));
      log::info("delivery ledger: previous process {} has exited{}", *previous,
                r ? "" : " (its alive key expires by itself: Redis unreachable)");
    }
  }
  while (!stopping_ && current_) {
    std::shared_ptr<generation> g = current_;
    auto cmd = store::heartbeat_command(g->rt.cfg->redis.key_prefix, delivery::ledger_owner_of(g->rt.cfg->hostname));
    auto r = co_await g->redis->command(std::move(cmd));
    if (!r) log::debug("ledger heartbeat: {}", r.error().message());
    else co_await delivery::ledger_registry::process().retry_unsettled(*g->redis);
    // After a failure sooner: while the key is missing, others may take over this process's reservations.
    heartbeat_timer_->expires_after(r ? store::alive_refresh : std::chrono::seconds(1));
    co_await heartbeat_timer_->async_wait(tuple_awaitable);
  }
}

asio::awaitable<void> worker::accept_loop(std::size_t ai) {
  const std::size_t li = acceptor_listener_[ai];
  while (!stopping_) {
    smtp::server_session::socket_type socket(ctx_);
    std::string ip, label;
    boost::system::error_code ec;
    if (auto* t = std::get_if<tcp::acceptor>(&acceptors_[ai])) {
      auto [aec, s] = co_await t->async_accept(tuple_awaitable);
      ec = aec;
      if (!ec) {
        boost::system::error_code ignored;
        s.set_option(tcp::no_delay(true), ignored);
        auto remote = s.remote_endpoint(ignored);
        ip = peer_ip(remote);
        label = "[" + ip + "]:" + std::to_string(remote.port());
        const int family = remote.address().is_v6() ? AF_INET6 : AF_INET;
        socket.assign(asio::generic::stream_protocol(family, IPPROTO_TCP), s.release());
      }
    } else {
      auto& u = std::get<unix_proto::acceptor>(acceptors_[ai]);
      auto [aec, s] = co_await u.async_accept(tuple_awaitable);
      ec = aec;
      if (!ec) {
        label = "unix";
        socket.assign(asio::generic::stream_protocol(AF_UNIX, 0), s.release());
      }
    }
    if (ec) {
      if (ec == asio::error::operation_aborted || stopping_) break;
      log::warning("accept: {}", ec.message());
      // Out of descriptors: back off briefly instead of spinning.
      asio::steady_timer t(ctx_, std::chrono::milliseconds(100));
      co_await t.async_wait(tuple_awaitable);
      continue;
    }
    asio::co_spawn(ctx_, serve(std::move(socket), li, std::move(ip), std::move(label)),
                   [](std::exception_ptr e) {
                     if (!e) return;
                     try {
                       std::rethrow_exception(e);
                     } catch (const std::exception& ex) {
                       log::error("session ended by exception: {}", ex.what());
                     }
                   });
  }
}

asio::awaitable<void> worker::serve(smtp::server_session::socket_type socket, std::size_t li, std::string ip,
                                    std::string label) {
  std::shared_ptr<generation> gen = current_;
  const auto& cfg = *gen->rt.cfg;
  const auto& listener = cfg.listeners.at(li);
  bool allowed = ip.empty();  // unix sockets are local
  if (!allowed) {
    auto addr = parse_ip(ip);
    for (const auto& net : listener.allow_clients)
      if (addr && net.contains(*addr)) allowed = true;
  }
  const auto& sec = gen->rt.security->listeners.at(li);
  smtp::session_settings ss;
  ss.protocol.hostname = cfg.hostname;
  ss.protocol.lmtp = listener.proto == config::protocol::lmtp;
  ss.protocol.client_allowed = allowed;
  ss.protocol.starttls = sec.tls != nullptr;
  ss.protocol.tls_required = sec.tls_required;
  ss.protocol.auth = sec.users != nullptr;
  ss.protocol.max_message_bytes = cfg.limits.max_message_bytes;
  ss.protocol.max_recipients = cfg.limits.max_recipients;
  ss.protocol.max_errors = cfg.limits.max_errors;
  ss.protocol.max_junk_commands = cfg.limits.max_junk_commands;
  ss.tls = sec.tls;
  ss.users = sec.users;
  ss.client_address = label;
  ss.command_timeout = std::chrono::seconds(cfg.limits.command_timeout_s);
  ss.data_timeout = std::chrono::seconds(cfg.limits.data_timeout_s);
  ss.min_data_rate = cfg.limits.min_data_rate;
  ss.refused_grace = std::chrono::seconds(cfg.limits.refused_grace_s);
  ss.max_line_bytes = cfg.limits.max_line_bytes;
  ss.bare_newline = cfg.limits.reject_bare_newline ? smtp::bare_newline_mode::reject : smtp::bare_newline_mode::normalize;
  ss.category = listener.category;
  ss.listener_slot = listener_slots_.at(li);
  // Refused clients (554 greeting) have a pool of their own: however many
  // trickle, allowed clients still find a slot.
  const bool refused = ss.protocol.refused();
  auto ticket = limits_.acquire(ip, refused ? connection_limits::pool::refused : connection_limits::pool::clients);
  if (!ticket) {
    count_connection(li, metrics::connection_result::over_limit);
    log::warning("{}: {}", label, refused ? "refused client closed at once, too many refused connections"
                                          : "refused, too many connections");
    const std::string r = refused ? smtp::server_protocol(ss.protocol).greeting()
                                  : smtp::replies::too_many_connections().wire();
    boost::system::error_code ignored;
    socket.non_blocking(true, ignored);
    socket.write_some(asio::buffer(r), ignored);  // best effort, never blocks
    socket.close(ignored);
    co_return;
  }
  if (!allowed)
    log::info("{}: client not in allow_clients, {}", label, refused ? "refused" : "must authenticate");
  count_connection(li, refused ? metrics::connection_result::refused : metrics::connection_result::accepted);

  smtp::server_session session(std::move(socket), std::move(ss), gen->dispatcher);
  auto it = sessions_.insert(sessions_.end(), &session);
  // Open sessions (kizuna_connections_active), however the session ends.
  struct active_session {
    const metrics::recorder& m;
    std::uint32_t slot;
    explicit active_session(const metrics::recorder& r, std::uint32_t s) : m(r), slot(s) { add(1); }
    ~active_session() { add(-1); }
    void add(std::int64_t d) const {
      if (m.cells) m.cells->add(m.ids->connections_active, {slot}, d);
    }
  } active(recorder_, listener_slots_.at(li));
  if (stopping_) session.request_stop();
  co_await session.run();
  sessions_.erase(it);
  finish_if_drained();
}

void worker::count_connection(std::size_t li, metrics::connection_result result) {
  if (recorder_.cells)
    recorder_.cells->inc(recorder_.ids->connections, {listener_slots_.at(li), metrics::index(result)});
}

void worker::stop(std::chrono::seconds drain) {
  asio::post(ctx_, [this, drain] {
    stopping_ = true;
    for (auto& a : acceptors_) std::visit([](auto& acc) {
      boost::system::error_code ignored;
      acc.close(ignored);
    }, a);
    for (auto* s : sessions_) s->request_stop();
    drain_timer_ = std::make_unique<asio::steady_timer>(ctx_, drain);
    drain_timer_->async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      if (!sessions_.empty()) log::warning("drain time over: closing {} sessions", sessions_.size());
      for (auto* s : sessions_) s->abort();
    });
    finish_if_drained();
  });
}

void worker::finish_if_drained() {
  if (!stopping_ || !sessions_.empty() || finished_) return;
  finished_ = true;
  if (drain_timer_) drain_timer_->cancel();
  if (heartbeat_timer_) heartbeat_timer_->cancel();
  // Last: close the downstream pool (QUIT idle connections) and Redis; then
  // the io_context runs out of work and the thread ends.
  asio::co_spawn(ctx_, [g = std::exchange(current_, nullptr)]() -> asio::awaitable<void> {
    co_await g->destination->close();
    g->redis->close();
  }, asio::detached);
}

void worker::join() {
  if (thread_.joinable()) thread_.join();
}

}  // namespace kizuna::daemon
