#include "relay/delivery/downstream_pool.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "relay/core/log.hpp"
#include "relay/metrics/recorder.hpp"

namespace kizuna::delivery {
namespace asio = boost::asio;

namespace {
smtp::reply unavailable(std::string_view why) { return {451, "4.4.1", fmt::format("downstream unavailable: {}", why)}; }

// kizuna_downstream_transactions_total / _duration_seconds, on this thread's
// shard. No reply (connection lost, timeout) is class "error"; a 421 that
// closed the connection is a reply (4xx).
void count_transaction(const smtp::copy_result& res, std::chrono::steady_clock::duration took) {
  const metrics::recorder* m = metrics::this_thread();
  if (!m) return;
  const bool no_reply = res.ec && res.ec != errc::downstream_tempfail;
  const auto cls = no_reply || res.per_recipient.empty() ? metrics::reply_class::error
                                                         : metrics::reply_class_of(res.per_recipient.front().code);
  m->cells->inc(m->ids->downstream_transactions, {metrics::index(cls)});
  m->cells->observe(m->ids->downstream_duration, {metrics::index(cls)}, took);
}
}  // namespace

downstream_pool::downstream_pool(asio::any_io_executor ex, smtp::client_settings settings, unsigned max_connections)
    : executor_(std::move(ex)), settings_(std::move(settings)), max_connections_(max_connections) {}

downstream_pool::~downstream_pool() {
  for (auto& c : idle_) c->close();
}

asio::awaitable<std::pair<downstream_pool::connection, smtp::reply>> downstream_pool::connect() {
  auto c = std::make_shared<smtp::client_connection>(executor_);
  smtp::reply refusal;
  auto ec = co_await c->open(settings_, refusal);
  if (!ec) co_return std::pair{c, smtp::reply{}};
  --open_count_;
  if (!waiters_.empty()) {  // the slot we held is free again
    waiters_.front()->cancel();
    waiters_.pop_front();
  }
  log::warning("downstream {}:{}: {}", settings_.host, settings_.port,
               refusal.code ? fmt::format("refused: {} {}", refusal.code, refusal.text) : ec.message());
  if (refusal.code >= 400) co_return std::pair{nullptr, refusal};
  co_return std::pair{nullptr, unavailable(ec.message())};
}

bool downstream_pool::reusable(smtp::client_connection& c) const {
  return c.usable() && std::chrono::steady_clock::now() - c.idle_since() < idle_timeout &&
         smtp::reusable(c.check_idle());
}

void downstream_pool::retire(connection c) {
  --open_count_;
  asio::co_spawn(executor_, [c]() -> asio::awaitable<void> { co_await c->quit(); }, asio::detached);
}

asio::awaitable<std::pair<downstream_pool::connection, smtp::reply>> downstream_pool::acquire(bool fresh) {
  while (true) {
    if (closed_) co_return std::pair{nullptr, unavailable("shutting down")};
    while (!fresh && !idle_.empty()) {  // most recently used first
      connection c = std::move(idle_.back());
      idle_.pop_back();
      if (reusable(*c)) co_return std::pair{c, smtp::reply{}};
      retire(std::move(c));
    }
    if (fresh && open_count_ >= max_connections_ && !idle_.empty()) {  // the least recently used gives up its slot
      retire(std::move(idle_.front()));
      idle_.erase(idle_.begin());
    }
    if (open_count_ < max_connections_) {
      ++open_count_;
      co_return co_await connect();
    }
    asio::steady_timer wake(executor_, asio::steady_timer::time_point::max());
    waiters_.push_back(&wake);
    co_await wake.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

void downstream_pool::release(connection c) {
  if (c->usable() && !closed_) {
    idle_.push_back(std::move(c));
  } else {
    --open_count_;
    c->close();
  }
  if (!waiters_.empty()) {
    waiters_.front()->cancel();
    waiters_.pop_front();
  }
}

asio::awaitable<smtp::reply> downstream_pool::send(const smtp::envelope& env, const std::string& recipient,
                                                   const wire_copy& copy, commit_gate* gate) {
  const asio::const_buffer bufs[3] = {asio::buffer(copy.signature), asio::buffer(env.trace_header),
                                      asio::buffer(copy.message)};
  for (unsigned retries = 0;; ++retries) {
    auto [c, why] = co_await acquire(retries > 0);
    if (!c) co_return why;
    const bool reused = c->used();
    smtp::copy_request req{env.mail_from, &env.params, {&recipient, 1}, bufs, gate ? &gate->enter : nullptr};
    const auto started = std::chrono::steady_clock::now();
    smtp::copy_result res = co_await c->send(req);
    count_transaction(res, std::chrono::steady_clock::now() - started);
    release(std::move(c));
    if (smtp::retry_on_fresh_connection({bool(res.ec), res.final_dot_started}, reused, retries)) {
      log::info("{} downstream for <{}>: reused connection lost before the final dot ({}): sending on a fresh one",
                env.id, recipient, res.ec.message());
      continue;
    }
    if (res.ec) log::warning("{} downstream for <{}>: {}", env.id, recipient, res.ec.message());
    if (gate && res.ec && res.final_dot_started) gate->no_verdict = true;
    co_return res.per_recipient.at(0);
  }
}

asio::awaitable<void> downstream_pool::close() {
  closed_ = true;
  for (auto* w : waiters_) w->cancel();
  waiters_.clear();
  auto idle = std::move(idle_);
  idle_.clear();
  for (auto& c : idle) {
    --open_count_;
    co_await c->quit();
  }
}

}  // namespace kizuna::delivery
