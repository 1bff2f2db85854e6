// The declarations behind catalogue.hpp; label value order matches its enums.
#include "relay/metrics/catalogue.hpp"

namespace kizuna::metrics {

namespace {

family_spec counter(std::string name, std::string help, std::vector<label_spec> labels = {}) {
  return {std::move(name), std::move(help), metric_type::counter, std::move(labels), {}, gauge_source::shards};
}

family_spec histogram(std::string name, std::string help, std::vector<double> buckets,
                      std::vector<label_spec> labels = {}) {
  return {std::move(name), std::move(help), metric_type::histogram, std::move(labels), std::move(buckets),
          gauge_source::shards};
}

family_spec gauge(std::string name, std::string help, gauge_source source, std::vector<label_spec> labels = {}) {
  return {std::move(name), std::move(help), metric_type::gauge, std::move(labels), {}, source};
}

}  // namespace

catalogue declare_catalogue(registry& r, std::string_view version) {
  catalogue c;
  c.listener = r.add_dimension("listener", {}, max_listeners);
  c.rule = r.add_dimension("rule", {builtin_rules.begin(), builtin_rules.end()}, max_rules);
  const auto listener = bounded_label(c.listener);
  const auto rule = bounded_label(c.rule);
  const auto reply = fixed_label("class", {"2xx", "4xx", "5xx", "error"});

  c.build_info = r.add(gauge("kizuna_build_info", "Always 1; the version label says which Kizuna is running.",
                             gauge_source::owner, {fixed_label("version", {std::string(version)})}));
  c.connections = r.add(counter("kizuna_connections_total",
                                "SMTP/LMTP connections by listener and result (accepted, refused: the 554 greeting, "
                                "over_limit: max_connections reached).",
                                {listener, fixed_label("result", {"accepted", "refused", "over_limit"})}));
  c.connections_active = r.add(gauge("kizuna_connections_active", "SMTP/LMTP sessions open now, by listener.",
                                     gauge_source::shards, {listener}));
  c.messages_received = r.add(counter("kizuna_messages_received_total",
                                      "Messages whose DATA was received in full, by listener.", {listener}));
  c.message_size = r.add(histogram("kizuna_message_size_bytes", "Size of received messages as sent by the client.",
                                   size_buckets()));
  c.recipients = r.add(counter(
      "kizuna_recipients_total",
      "Recipients by decision and deciding rule (policy rule ids and builtin:*; builtin:default: no rule matched).",
      {fixed_label("decision", {"relay", "drop", "reject", "defer", "hold", "bounce"}), rule}));
  c.downstream_transactions = r.add(counter(
      "kizuna_downstream_transactions_total",
      "Transactions with the downstream MTA by reply class (error: no reply: connect, TLS or timeout).", {reply}));
  c.downstream_duration = r.add(histogram("kizuna_downstream_transaction_duration_seconds",
                                          "Time from MAIL to the reply after the end of DATA, by reply class.",
                                          latency_buckets(), {reply}));
  c.redis_command_duration = r.add(histogram("kizuna_redis_command_duration_seconds",
                                             "Round-trip time of a (pipelined) Redis command batch.",
                                             latency_buckets()));
  c.redis_errors = r.add(
      counter("kizuna_redis_errors_total",
              "Redis failures by kind (unavailable, timeout, error_reply, protocol); each defers (fail closed).",
              {fixed_label("kind", {"unavailable", "timeout", "error_reply", "protocol"})}));
  c.audit_append_duration = r.add(histogram("kizuna_audit_append_duration_seconds",
                                            "Time from an audit append request to its commit on disk (group commit wait, write and fsync).",
                                            latency_buckets()));
  c.audit_fsync_duration =
      r.add(histogram("kizuna_audit_fsync_duration_seconds", "Time of one fsync of the audit log.", latency_buckets()));
  c.audit_errors = r.add(counter("kizuna_audit_errors_total", "Audit log failures by operation.",
                                 {fixed_label("operation", {"open", "append", "fsync"})}));
  c.hold_queue_copies =
      r.add(gauge("kizuna_hold_queue_copies", "Copies waiting in the hold queue for review.", gauge_source::scrape));
  c.hold_queue_oldest_age = r.add(gauge("kizuna_hold_queue_oldest_age_seconds",
                                        "Age of the oldest copy in the hold queue (0 when empty).",
                                        gauge_source::scrape));
  c.unsubscribe_requests = r.add(counter(
      "kizuna_unsubscribe_requests_total",
      "Unsubscribe requests by route and result (repeat: already opted out, not a second unsubscribe).",
      {fixed_label("route", {"one_click", "page", "mailto"}),
       fixed_label("result", {"opted_out", "repeat", "shown", "invalid", "error"})}));
  c.config_reloads = r.add(counter("kizuna_config_reloads_total", "Config reloads by result.",
                                   {fixed_label("result", {"success", "failure"})}));
  c.config_last_reload_success = r.add(gauge("kizuna_config_last_reload_success_timestamp_seconds",
                                             "Unix time of the last successful config load or reload.",
                                             gauge_source::owner));
  c.dkim_signatures = r.add(counter("kizuna_dkim_signatures_total", "DKIM signatures by result.",
                                    {fixed_label("result", {"signed", "error", "no_key"})}));
  r.set(c.build_info, {0}, 1);
  return c;
}

}  // namespace kizuna::metrics
