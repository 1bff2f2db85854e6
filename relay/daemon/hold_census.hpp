// The hold queue's size and the age of its oldest copy, for the two scrape-time
// gauges (kizuna_hold_queue_copies, kizuna_hold_queue_oldest_age_seconds).
//
// Bounded cost: one pass over the directory's names (readdir only: no stat, no
// file read), at most once per `max_staleness` however many gauges or scrapes
// ask. The age comes from the copy's id, "<transaction id>-<n>.held", whose
// first 8 hex digits are the transaction's epoch seconds (core/transaction_id.hpp);
// a name that does not parse counts as a copy but not for the age.
// Not thread-safe: the registry calls scrape callbacks one at a time.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>

namespace kizuna::daemon {

struct hold_census {
  std::size_t copies = 0;
  std::optional<std::int64_t> oldest;  // epoch seconds of the oldest copy's transaction

  // Seconds since the oldest copy was held (0 when empty or unknown, never negative).
  double oldest_age(std::int64_t now) const;
};

// The epoch seconds a held copy's file name carries, if it is one.
std::optional<std::int64_t> held_since(std::string_view file_name);

// One pass over `dir` (missing or unreadable: empty).
hold_census take_census(const std::filesystem::path& dir);

class hold_census_cache {
 public:
  explicit hold_census_cache(std::filesystem::path dir,
                             std::chrono::milliseconds max_staleness = std::chrono::milliseconds(1000))
      : dir_(std::move(dir)), max_staleness_(max_staleness) {}
  const hold_census& get();

 private:
  std::filesystem::path dir_;
  std::chrono::milliseconds max_staleness_;
  std::optional<std::chrono::steady_clock::time_point> taken_;
  hold_census last_;
};

}  // namespace kizuna::daemon
