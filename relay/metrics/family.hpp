// What a metric family is, declared once at start-up: name, help, type, a
// fixed label schema and (histograms) fixed bucket bounds. Plain data; the
// registry (registry.hpp) checks a spec when it is added and lays out one cell
// per series in every shard.
//
// Label schema (Prometheus: "every label value pre-initialised; no unbounded
// labels"): each label is either
// - fixed: its values are listed here, in exposition order (decision, result);
// - bounded: its values live in a registry dimension whose set is replaced at
//   config load/reload (rule ids, listeners) but never exceeds the dimension's
//   capacity, declared with it. Every series of every value is exposed, zero or not.
// A series is addressed on the hot path by one index per label: the position
// of the value in a fixed label, the slot (label_values::slot_of) in a bounded one.
//
// Limits: at most max_labels labels per family; names follow the Prometheus data
// model ([a-zA-Z_:][a-zA-Z0-9_:]*, labels without ':' and not starting "__");
// every family starts "kizuna_", counters end "_total", "le" is reserved.
// A spec that breaks these is a programming error: the registry aborts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace kizuna::metrics {

inline constexpr std::size_t max_labels = 3;

enum class metric_type { counter, gauge, histogram };

// Where a gauge's value comes from.
enum class gauge_source {
  shards,  // each thread adds/subtracts on its own shard (active connections); summed at scrape
  owner,   // one owner sets it (registry::set); e.g. build info, last reload time
  scrape,  // computed when scraped (registry::set_callback); e.g. hold queue size; no labels
};

// A bounded label's value set, shared by every family that uses it (listener).
struct dimension_id {
  std::uint32_t index = UINT32_MAX;
};

struct family_id {
  std::uint32_t index = UINT32_MAX;
};

struct label_spec {
  std::string name;
  std::vector<std::string> values;  // fixed label: every value, in exposition order
  dimension_id dimension{};         // bounded label: values from this dimension (then `values` is empty)
  bool bounded() const { return dimension.index != UINT32_MAX; }
};

inline label_spec fixed_label(std::string name, std::vector<std::string> values) {
  return {std::move(name), std::move(values), {}};
}

// The label takes the dimension's label name.
inline label_spec bounded_label(dimension_id d) { return {{}, {}, d}; }

struct family_spec {
  std::string name;  // as exposed: "kizuna_recipients_total"
  std::string help;  // one line; escaped on output
  metric_type type = metric_type::counter;
  std::vector<label_spec> labels;  // a bounded label takes its name from its dimension
  std::vector<double> buckets;     // histogram: strictly increasing, finite; +Inf is implicit
  gauge_source source = gauge_source::shards;
};

// Bucket presets. Durations in seconds, 0.5 ms .. 10 s (Redis round trips,
// fsync, downstream transactions); sizes in bytes, 1 KiB .. 64 MiB by 4×.
std::vector<double> latency_buckets();
std::vector<double> size_buckets();

}  // namespace kizuna::metrics
