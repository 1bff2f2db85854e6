// Prints a sample scrape of the whole catalogue (relay/metrics/catalogue.hpp)
// on stdout: two listeners, a policy's rule ids (one with characters that need
// escaping), a few increments and observations on two shards. Fed to
// `promtool check metrics` by promtool_check.sh.
#include <cstdio>

#include "relay/metrics/catalogue.hpp"

using namespace kizuna::metrics;

int main() {
  registry r;
  const auto c = declare_catalogue(r, "0.1.0");
  const auto listeners = r.set_values(c.listener, {"127.0.0.1:2525", "unix:/run/kizuna/lmtp.sock"});
  const auto rules = r.set_values(c.rule, {"newsletter-cap", "quiet-hours", "vip \"gold\" \\ 特別"});
  if (!listeners || !rules) return 1;
  r.set_callback(c.hold_queue_copies, [] { return 3.0; });
  r.set_callback(c.hold_queue_oldest_age, [] { return 421.5; });
  r.set(c.config_last_reload_success, {}, 1733450000);

  auto& a = r.add_shard();
  auto& b = r.add_shard();
  const auto smtp = (*listeners)->slot("127.0.0.1:2525");
  a.inc(c.connections, {smtp, index(connection_result::accepted)}, 10);
  b.inc(c.connections, {smtp, index(connection_result::refused)});
  a.add(c.connections_active, {smtp}, 2);
  a.inc(c.messages_received, {smtp}, 10);
  a.observe(c.message_size, {}, 1500.0);
  b.observe(c.message_size, {}, 2e6);
  a.inc(c.recipients, {index(decision::relay), (*rules)->slot("builtin:default")}, 7);
  a.inc(c.recipients, {index(decision::reject), (*rules)->slot("builtin:optout")}, 2);
  b.inc(c.recipients, {index(decision::hold), (*rules)->slot("vip \"gold\" \\ 特別")});
  a.inc(c.downstream_transactions, {index(reply_class::c2xx)}, 7);
  a.observe(c.downstream_duration, {index(reply_class::c2xx)}, 0.012);
  b.observe(c.redis_command_duration, {}, 0.0004);
  b.inc(c.redis_errors, {index(redis_error::timeout)});
  a.observe(c.audit_append_duration, {}, 0.002);
  a.observe(c.audit_fsync_duration, {}, 0.0015);
  b.inc(c.unsubscribe_requests, {index(unsubscribe_route::one_click), index(unsubscribe_result::opted_out)});
  a.inc(c.config_reloads, {index(reload_result::success)});
  const std::string out = r.scrape();
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}
