// The metric registry: families declared once at start-up, one shard per I/O
// thread for the hot path (shard.hpp), bounded label dimensions whose values
// are replaced at config load/reload, and the Prometheus text exposition
// (format 0.0.4) of everything, summed over shards, at scrape.
//
// Life cycle: add_dimension/add (start-up, one thread) → add_shard per I/O
// thread (it, or the first set(), freezes the declarations: adding a family
// afterwards aborts) →
// increments on shards, set()/set_values() by their owners, scrape() from the
// admin server. Everything but the shard increments takes the registry's mutex;
// none of it is on the per-message path.
//
// Bounded dimensions (rule ids, listeners): declared with their permanent
// values (built-in rules) and a capacity, the most values alive at once across
// published snapshots. set_values() publishes the permanent values plus the
// given ones; slots are reused only when safe (label_values.hpp), so memory is
// capacity × other labels × shards whatever the number of reloads. When a
// reload would need more slots than the capacity, set_values() fails and
// publishes nothing (the caller keeps the previous snapshot and reports it).
//
// Errors: a malformed declaration or a misuse on the hot path is a programming
// error (abort with the family's name); set_values() reports bad values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "relay/metrics/family.hpp"
#include "relay/metrics/label_values.hpp"
#include "relay/metrics/shard.hpp"

namespace kizuna::metrics {

// The Content-Type of a scrape.
inline constexpr std::string_view content_type = "text/plain; version=0.0.4; charset=utf-8";

class registry {
 public:
  registry();
  ~registry();
  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;

  // A bounded label: its name, the values it always has (they keep their slot
  // for ever) and the most values alive at once (>= permanent.size()).
  dimension_id add_dimension(std::string label_name, std::vector<std::string> permanent, std::uint32_t capacity);
  // A family; aborts on a malformed spec (family.hpp) or a duplicate name.
  family_id add(family_spec spec);

  // A new shard for one I/O thread; its address is stable for the registry's life.
  shard& add_shard();

  // Publishes a dimension's values: the permanent ones plus `values`
  // (duplicates merged). Each value must be non-empty UTF-8 without control
  // characters. Returns the snapshot to take slots from.
  std::expected<std::shared_ptr<const label_values>, std::string> set_values(dimension_id d,
                                                                             std::vector<std::string> values);
  // The dimension's current snapshot.
  std::shared_ptr<const label_values> values(dimension_id d) const;

  // Gauge with source owner: its value for a series (any thread, relaxed; last write wins).
  void set(family_id f, shard::labels l, double value);
  // Gauge with source scrape (no labels): called at each scrape, under the
  // registry's mutex, from the scraping thread; it must not call the registry.
  void set_callback(family_id f, std::function<double()> fn);

  // The exposition of every family, sorted by name; series in label order
  // (fixed labels as declared, bounded ones sorted by value).
  std::string scrape() const;

 private:
  struct dimension {
    std::string label_name;
    std::vector<std::string> permanent;
    std::uint32_t capacity = 0;
    std::vector<std::string> slot_owner;  // per slot, the value it last counted ("" = never used)
    std::shared_ptr<const label_values> current;
    std::vector<std::weak_ptr<const label_values>> published;  // every snapshot that may still be held
  };
  struct family {
    family_spec spec;                   // bounded labels' names filled in from their dimension
    std::function<double()> callback;  // gauge_source::scrape
  };
  void freeze_locked();
  void zero_slot_locked(std::uint32_t dim, std::uint32_t slot);
  void expose_family(std::string& out, const family& f, const detail::family_layout& l) const;

  mutable std::mutex mutex_;
  bool frozen_ = false;
  std::size_t cells_ = 0;
  std::vector<dimension> dimensions_;
  std::vector<family> families_;
  std::vector<detail::family_layout> layout_;  // parallel to families_; fixed once frozen
  std::unique_ptr<shard> owner_;               // the cells of owner-set gauges
  std::vector<std::unique_ptr<shard>> shards_;
};

}  // namespace kizuna::metrics
