// The process's metrics (SPEC §11, issue 13): one registry and catalogue,
// created by `kizuna serve` before any thread starts and kept until every
// thread has joined. It hands each counting thread its shard (as a recorder,
// metrics/recorder.hpp), publishes the bounded label values (listeners at
// start; the policy's rule ids at start and on every reload), computes the hold
// queue gauges at scrape, counts reloads, and counts recipients as their audit
// records reach the disk.
//
// Recipients by decision and rule are counted from the audit log writer's
// commit hook (audit/log_writer.hpp) on the writer thread, not where decisions
// are made: every decision is audited exactly once, so the count is exactly the
// log's. Only recipient decisions are counted (relay, drop, reject, defer, hold,
// bounce); other record kinds (unsubscribe: kizuna_unsubscribe_requests_total;
// release/discard: reviewer actions in `kizuna hold`; outcome: the downstream
// result of a relayed copy) and kinds this build does not know are skipped. The
// rule's slot is taken from the snapshot published for the record's policy
// version, else from the current one; a rule id neither knows is skipped and
// logged once. A rule a reload removed while a transaction it decided was in
// flight is counted on its old slot, which has left the exposition: never on
// another rule's (the slot is not reused while that snapshot lives).
#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "relay/audit/record.hpp"
#include "relay/config/settings.hpp"
#include "relay/metrics/recorder.hpp"
#include "relay/policy/model.hpp"

namespace kizuna::daemon {

class process_metrics {
 public:
  explicit process_metrics(std::string_view version);
  process_metrics(const process_metrics&) = delete;
  process_metrics& operator=(const process_metrics&) = delete;

  metrics::registry& registry() { return registry_; }
  const metrics::registry& registry() const { return registry_; }
  const metrics::catalogue& ids() const { return ids_; }

  // A new shard for one thread (bind it there with metrics::bind_this_thread).
  metrics::recorder new_thread_recorder();

  // At start: the listener label's values, each listener's address as written.
  // Returns the slot of each listener, in config order; an error (one line for
  // the operator) past metrics::max_listeners.
  std::expected<std::vector<std::uint32_t>, std::string> publish_listeners(const config::settings& cfg);

  // At start and on each accepted reload: the rule label's values for `policies`.
  // When they do not fit (registry capacity), the previous values stay and the
  // new rules go uncounted (logged): metrics never refuse a valid policy.
  std::shared_ptr<const metrics::label_values> publish_rules(const policy::policy_set& policies);

  // The hold queue gauges, computed at scrape from `dir`.
  void watch_hold_queue(std::filesystem::path dir);

  // From the main thread (its recorder bound): a config load or reload and its result.
  void count_reload(bool success);
  void note_loaded_now();

  // The audit writer's commit hook: counts one record (writer thread, its recorder bound).
  std::function<void(const audit::record&)> recipient_counter();

 private:
  std::shared_ptr<const metrics::label_values> rules_for_version(const std::string& version);
  void count_recipient(const audit::record& rec);

  metrics::registry registry_;
  const metrics::catalogue ids_;

  std::mutex versions_mutex_;  // main thread publishes, the audit writer looks up
  std::map<std::string, std::weak_ptr<const metrics::label_values>> by_version_;

  // Audit writer thread only.
  std::string cached_version_;
  std::shared_ptr<const metrics::label_values> cached_rules_;
  std::vector<std::string> unknown_rules_logged_;
};

// The catalogue's decision label for an audit record kind; nullopt for kinds
// that are not a recipient decision (and any kind added later).
std::optional<metrics::decision> recipient_decision(audit::action a) noexcept;

}  // namespace kizuna::daemon
