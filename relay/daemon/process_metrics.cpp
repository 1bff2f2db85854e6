#include "relay/daemon/process_metrics.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>

#include "relay/core/log.hpp"
#include "relay/daemon/hold_census.hpp"

namespace kizuna::daemon {

namespace {
// Rule ids logged as uncounted, at most this many (the log is not flooded).
constexpr std::size_t max_unknown_rules_logged = 32;
}  // namespace

std::optional<metrics::decision> recipient_decision(audit::action a) noexcept {
  switch (a) {
    case audit::action::relay: return metrics::decision::relay;
    case audit::action::drop: return metrics::decision::drop;
    case audit::action::reject: return metrics::decision::reject;
    case audit::action::defer: return metrics::decision::defer;
    case audit::action::hold: return metrics::decision::hold;
    case audit::action::bounce: return metrics::decision::bounce;
    default: return std::nullopt;  // unsubscribe, release, discard, outcome, later kinds
  }
}

process_metrics::process_metrics(std::string_view version) : ids_(metrics::declare_catalogue(registry_, version)) {}

metrics::recorder process_metrics::new_thread_recorder() { return {&ids_, &registry_.add_shard()}; }

std::expected<std::vector<std::uint32_t>, std::string> process_metrics::publish_listeners(
    const config::settings& cfg) {
  std::vector<std::string> names;
  for (const auto& l : cfg.listeners) names.push_back(l.address.to_string());
  auto values = registry_.set_values(ids_.listener, names);
  if (!values)
    return std::unexpected(fmt::format("listen: {} listeners, the metrics allow at most {} ({})", names.size(),
                                       metrics::max_listeners, values.error()));
  std::vector<std::uint32_t> slots;
  for (const auto& n : names) slots.push_back((*values)->slot(n));
  return slots;
}

std::shared_ptr<const metrics::label_values> process_metrics::publish_rules(const policy::policy_set& policies) {
  std::vector<std::string> ids;
  ids.reserve(policies.rules.size());
  for (const auto& r : policies.rules) ids.push_back(r.id);
  auto published = registry_.set_values(ids_.rule, std::move(ids));
  std::shared_ptr<const metrics::label_values> rules;
  if (published) {
    rules = std::move(*published);
  } else {
    log::warning("metrics: rule labels not updated ({}); recipients decided by new rules are not counted",
                 published.error());
    rules = registry_.values(ids_.rule);
  }
  std::lock_guard lock(versions_mutex_);
  std::erase_if(by_version_, [](const auto& entry) { return entry.second.expired(); });
  by_version_[policies.version] = rules;
  return rules;
}

void process_metrics::watch_hold_queue(std::filesystem::path dir) {
  // Both gauges read one census (registry callbacks run one at a time).
  auto census = std::make_shared<hold_census_cache>(std::move(dir));
  registry_.set_callback(ids_.hold_queue_copies, [census] { return static_cast<double>(census->get().copies); });
  registry_.set_callback(ids_.hold_queue_oldest_age,
                         [census] { return census->get().oldest_age(static_cast<std::int64_t>(std::time(nullptr))); });
}

void process_metrics::count_reload(bool success) {
  if (auto* m = metrics::this_thread())
    m->cells->inc(ids_.config_reloads,
                  {metrics::index(success ? metrics::reload_result::success : metrics::reload_result::failure)});
  if (success) note_loaded_now();
}

void process_metrics::note_loaded_now() {
  registry_.set(ids_.config_last_reload_success, {}, static_cast<double>(std::time(nullptr)));
}

std::function<void(const audit::record&)> process_metrics::recipient_counter() {
  return [this](const audit::record& rec) { count_recipient(rec); };
}

std::shared_ptr<const metrics::label_values> process_metrics::rules_for_version(const std::string& version) {
  if (cached_rules_ && version == cached_version_) return cached_rules_;
  std::shared_ptr<const metrics::label_values> found;
  {
    std::lock_guard lock(versions_mutex_);
    if (auto it = by_version_.find(version); it != by_version_.end()) found = it->second.lock();
  }
  if (!found) return registry_.values(ids_.rule);  // not cached: the next record may be of a known version
  cached_version_ = version;
  cached_rules_ = found;  // one snapshot held at most: slot reuse waits for at most one extra
  return found;
}

void process_metrics::count_recipient(const audit::record& rec) {
  const auto decision = recipient_decision(rec.decision);
  const auto* m = metrics::this_thread();
  if (!decision || !m) return;
  // Held while counting: a slot is never reused while a snapshot naming it lives.
  const auto rules = rules_for_version(rec.policy_version);
  const auto slot = metrics::find_rule_slot(*rules, rec.rule);
  if (!slot) {
    if (unknown_rules_logged_.size() < max_unknown_rules_logged &&
        std::find(unknown_rules_logged_.begin(), unknown_rules_logged_.end(), rec.rule) ==
            unknown_rules_logged_.end()) {
      unknown_rules_logged_.push_back(rec.rule);
      log::warning("metrics: rule \"{}\" is not a rule label; its recipients are not counted", rec.rule);
    }
    return;
  }
  m->cells->inc(ids_.recipients, {metrics::index(*decision), *slot});
}

}  // namespace kizuna::daemon
