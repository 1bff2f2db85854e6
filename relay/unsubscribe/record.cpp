#include "relay/unsubscribe/record.hpp"

#include <ctime>

#include "relay/core/log.hpp"
#include "relay/core/optout_entry.hpp"
#include "relay/store/keys.hpp"

namespace kizuna::unsubscribe {

void count_request(std::string_view source, metrics::unsubscribe_result result) {
  const metrics::recorder* m = metrics::this_thread();
  if (!m) return;
  const auto route = source == "mailto" ? metrics::unsubscribe_route::mailto : metrics::unsubscribe_route::one_click;
  m->cells->inc(m->ids->unsubscribe_requests, {metrics::index(route), metrics::index(result)});
}

boost::asio::awaitable<std::expected<bool, record_error>> record_unsubscribe(
    store::redis_client& redis, std::string_view key_prefix, audit::log_writer& log, boost::asio::any_io_executor ex,
    const token_claims& claims, std::string_view source, std::string message_id) {
  // Built in a local: GCC 12 miscompiles braced lists inside co_await.
  store::redis_command hsetnx;
  hsetnx.emplace_back("HSETNX");
  hsetnx.push_back(store::address_key(key_prefix, "optout", claims.address));
  hsetnx.push_back(claims.scope);
  hsetnx.push_back(encode_optout_entry({static_cast<int64_t>(std::time(nullptr)), std::string(source), ""}));
  auto stored = co_await redis.command(std::move(hsetnx));
  if (!stored || stored->is_error()) {
    log::error("unsubscribe ({}, scope {}) not stored: {}", source, claims.scope,
               stored ? stored->str : stored.error().message());
    count_request(source, metrics::unsubscribe_result::error);
    co_return std::unexpected(record_error::redis);
  }
  // HSETNX answers 0 when that scope was opted out already: not a second unsubscribe.
  const bool first = stored->integer == 1;
  audit::record rec;
  rec.message_id = std::move(message_id);
  rec.campaign = claims.campaign;
  rec.rcpt = claims.address;
  rec.category = claims.scope;
  rec.decision = audit::action::unsubscribe;
  rec.rule = std::string(first ? source : audit::already_opted_out_rule);
  if (auto ec = co_await log.append(ex, std::move(rec))) {
    log::error("unsubscribe ({}, scope {}) stored but not audited: {}", source, claims.scope, ec.message());
    count_request(source, metrics::unsubscribe_result::error);
    co_return std::unexpected(record_error::audit);
  }
  count_request(source, first ? metrics::unsubscribe_result::opted_out : metrics::unsubscribe_result::repeat);
  co_return first;
}

}  // namespace kizuna::unsubscribe
