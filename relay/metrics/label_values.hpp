// One published value set of a bounded label dimension (rule ids, listeners):
// an immutable snapshot mapping each value to its slot, the index the hot path
// uses for that label. A new snapshot is published at config load/reload
// (registry::set_values); the old one stays valid for whoever still holds it.
//
// Slot lifetime (why counters stay exact across reloads): a value kept by a
// reload keeps its slot, so its counters continue. A removed value's slot is
// reused for another value only once no snapshot that contains it is alive
// (the registry keeps weak references to every published snapshot), and it is
// zeroed in every shard before the new snapshot is published. So: hold the
// snapshot (e.g. beside the policy snapshot a transaction uses) for as long as
// you increment with slots taken from it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kizuna::metrics {

class label_values {
 public:
  // (value, slot) pairs sorted by value, values unique.
  explicit label_values(std::vector<std::pair<std::string, std::uint32_t>> sorted) : entries_(std::move(sorted)) {}

  // The slot of a value, or nullopt when this snapshot does not have it.
  std::optional<std::uint32_t> slot_of(std::string_view value) const;
  // As slot_of, for a value the caller knows is there (a rule id of the policy
  // this snapshot was built for, a built-in): anything else is a programming error, abort.
  std::uint32_t slot(std::string_view value) const;

  // Sorted by value: the exposition order.
  const std::vector<std::pair<std::string, std::uint32_t>>& entries() const { return entries_; }
  std::size_t size() const { return entries_.size(); }

 private:
  std::vector<std::pair<std::string, std::uint32_t>> entries_;
};

}  // namespace kizuna::metrics
