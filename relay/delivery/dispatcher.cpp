#include "relay/delivery/dispatcher.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <unordered_map>

#include "relay/core/log.hpp"

namespace kizuna::delivery {
namespace asio = boost::asio;

namespace {

// Downstream text is shown to our client: printable ASCII only, bounded.
std::string printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 200)) out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  return out;
}

smtp::reply with_enhanced(smtp::reply r) {
  if (r.enhanced.empty()) r.enhanced = fmt::format("{}.0.0", r.code / 100);
  r.text = printable(r.text);
  return r;
}

}  // namespace

smtp::reply summarize(const smtp::envelope& env, const std::vector<smtp::reply>& per) {
  std::size_t ok = 0, temp = 0;
  const smtp::reply* first_temp = nullptr;
  const smtp::reply* first_perm = nullptr;
  std::size_t temp_index = 0;
  for (std::size_t i = 0; i < per.size(); ++i) {
    if (per[i].positive()) ++ok;
    else if (per[i].transient()) {
      if (!first_temp) first_temp = &per[i], temp_index = i;
      ++temp;
    } else if (!first_perm) {
      first_perm = &per[i];
    }
  }
  if (temp > 0) {
    smtp::reply r = with_enhanced(*first_temp);
    r.text = fmt::format("<{}>: {} ({} of {} recipients done; retry sends the rest)",
                         printable(env.recipients[temp_index]), r.text, ok, per.size());
    return r;
  }
  if (ok == 0 && first_perm) return with_enhanced(*first_perm);
  return {250, "2.0.0", fmt::format("Ok: {} relayed to {} of {} recipients", env.id, ok, per.size())};
}

dispatcher::dispatcher(asio::any_io_executor ex, std::shared_ptr<destination> dest,
                       std::shared_ptr<store::redis_client> redis, std::string key_prefix, unsigned remember_s)
    : executor_(std::move(ex)),
      dest_(std::move(dest)),
      redis_(std::move(redis)),
      memo_(*redis_, std::move(key_prefix), remember_s) {}

asio::awaitable<void> dispatcher::send_all(const smtp::envelope& env, const std::string& message,
                                           const std::vector<bool>& skip, std::vector<smtp::reply>& out) {
  auto send_one = [&](std::size_t i) -> asio::awaitable<void> {
    try {
      out[i] = co_await dest_->send(env, env.recipients[i], message);
    } catch (const std::exception& e) {
      log::error("{} delivery to <{}> failed: {}", env.id, env.recipients[i], e.what());
      out[i] = {451, "4.3.0", "local error in delivery"};
    }
  };
  std::size_t todo = 0, last = 0;
  for (std::size_t i = 0; i < skip.size(); ++i)
    if (!skip[i]) ++todo, last = i;
  if (todo == 0) co_return;
  if (todo == 1) {  // the common case: no fan-out machinery
    co_await send_one(last);
    co_return;
  }
  // Fan out; the pool bounds how many run at once. This frame outlives them all.
  std::size_t pending = todo;
  asio::steady_timer all_done(executor_, asio::steady_timer::time_point::max());
  for (std::size_t i = 0; i < skip.size(); ++i) {
    if (skip[i]) continue;
    asio::co_spawn(
        executor_,
        [&, i]() -> asio::awaitable<void> {
          co_await send_one(i);
          if (--pending == 0) all_done.cancel();
        },
        asio::detached);
  }
  while (pending > 0) co_await all_done.async_wait(asio::as_tuple(asio::use_awaitable));
}

namespace {
// Until the policy stage: every recipient is accepted at RCPT.
class plain_transaction final : public smtp::transaction {
 public:
  explicit plain_transaction(dispatcher& d) : d_(d) {}
  asio::awaitable<smtp::reply> check_recipient(const smtp::envelope&, const std::string&) override {
    co_return smtp::replies::recipient_ok();
  }
  asio::awaitable<smtp::delivery_outcome> deliver(const smtp::envelope& env,
                                                  std::shared_ptr<const std::string> message) override {
    co_return co_await d_.deliver(env, std::move(message));
  }

 private:
  dispatcher& d_;
};
}  // namespace

std::unique_ptr<smtp::transaction> dispatcher::begin(const smtp::envelope&) {
  return std::make_unique<plain_transaction>(*this);
}

asio::awaitable<smtp::delivery_outcome> dispatcher::deliver(const smtp::envelope& env,
                                                            std::shared_ptr<const std::string> message) {
  const std::size_t n = env.recipients.size();
  smtp::delivery_outcome outcome;
  outcome.per_recipient.resize(n);
  std::vector<bool> skip(n, false);

  // The same address twice in one envelope gets one copy.
  std::unordered_map<std::string_view, std::size_t> first_of;
  for (std::size_t i = 0; i < n; ++i)
    if (!first_of.emplace(env.recipients[i], i).second) skip[i] = true;

  std::string digest;
  bool had_memo = false;
  if (!env.lmtp) {
    digest = message_digest(env.mail_from, *message);
    auto done = co_await memo_.recall(digest);
    if (!done) {
      log::warning("{} cannot read delivery memo: {}; deferring", env.id, done.error().message());
      smtp::reply r{451, "4.3.0", "cannot check delivery state, try again later"};
      outcome.per_recipient.assign(n, r);
      outcome.summary = r;
      co_return outcome;
    }
    had_memo = !done->empty();
    for (std::size_t i = 0; i < n; ++i) {
      if (done->contains(env.recipients[i])) {
        skip[i] = true;
        outcome.per_recipient[i] = {250, "2.0.0", "Ok: already delivered"};
      }
    }
  }

  co_await send_all(env, *message, skip, outcome.per_recipient);
  for (std::size_t i = 0; i < n; ++i) {
    auto& r = outcome.per_recipient[i];
    if (r.code == 0) r = outcome.per_recipient[first_of[env.recipients[i]]];
    r = with_enhanced(std::move(r));
    if (r.permanent()) log::warning("{} <{}> refused downstream: {} {}", env.id, env.recipients[i], r.code, r.text);
  }
  outcome.summary = summarize(env, outcome.per_recipient);

  if (!env.lmtp) {
    if (outcome.summary.transient()) {
      std::vector<std::string> delivered;
      for (std::size_t i = 0; i < n; ++i)
        if (outcome.per_recipient[i].positive()) delivered.push_back(env.recipients[i]);
      if (!delivered.empty()) {
        if (auto ec = co_await memo_.remember(digest, delivered))
          log::error("{} cannot remember {} delivered recipients ({}): a retry may duplicate them", env.id,
                     delivered.size(), ec.message());
      }
    } else if (had_memo) {
      if (auto ec = co_await memo_.forget(digest)) log::warning("{} cannot clear delivery memo: {}", env.id, ec.message());
    }
  }
  co_return outcome;
}

}  // namespace kizuna::delivery
