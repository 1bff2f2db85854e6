// One I/O thread's share of every metric: a flat array of relaxed atomic
// cells, written only by the thread that owns the shard and read by the scrape,
// which sums all shards (registry::scrape). No lock, no read-modify-write
// instruction on the hot path: the single writer loads and stores (relaxed),
// the scraper only loads, so each cell is exact and never torn (64-bit cells).
//
// Cells per series: counter 1 (uint64); shard gauge 1 (int64 deltas, two's
// complement, so +1 on one thread and -1 on another sum to 0); histogram
// buckets + 1 (one count per bucket, not cumulative, then +Inf) + 1 (the sum,
// a double's bits). A histogram's _count is the sum of its buckets, so
// _count and the +Inf bucket always agree in a scrape.
//
// Labels are passed as indices (family.hpp): one per label, the value's
// position in a fixed label or its slot in a bounded one. A wrong family type,
// label count or index out of range is a programming error: abort (one compare,
// kept in release builds since a wrong index would write past the array).
// Use a shard from its owning thread only; it lives as long as the registry.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <vector>

#include "relay/metrics/family.hpp"

namespace kizuna::metrics {

namespace detail {

struct family_layout {
  metric_type type = metric_type::counter;
  gauge_source source = gauge_source::shards;
  std::size_t offset = 0;                         // first cell of the family in a shard
  std::uint32_t label_count = 0;
  std::array<std::uint32_t, max_labels> radix{};  // fixed: its value count; bounded: the dimension's capacity
  std::uint32_t series = 1;                       // product of the radices
  std::uint32_t cells_per_series = 1;
  std::vector<double> bounds;                     // histogram upper bounds (without +Inf)
};

[[noreturn]] void misuse(const char* what, std::uint32_t family);

}  // namespace detail

class shard {
 public:
  using labels = std::initializer_list<std::uint32_t>;

  // The cells sit between two cache lines of padding so that no other
  // thread's data shares a line with them (no false sharing between shards).
  shard(const std::vector<detail::family_layout>& layout, std::size_t cells)
      : layout_(&layout),
        storage_(std::make_unique<std::atomic<std::uint64_t>[]>(cells + 2 * pad)),
        cells_(storage_.get() + pad) {}
  shard(const shard&) = delete;
  shard& operator=(const shard&) = delete;

  // Counter += n.
  void inc(family_id f, labels l = {}, std::uint64_t n = 1) { bump(cell(f, l, metric_type::counter), n); }

  // Gauge (source shards) += delta; delta may be negative.
  void add(family_id f, labels l, std::int64_t delta) {
    if (f.index < layout_->size() && (*layout_)[f.index].source != gauge_source::shards)
      detail::misuse("add() on a gauge that is not summed over shards", f.index);
    bump(cell(f, l, metric_type::gauge), static_cast<std::uint64_t>(delta));
  }

  // Histogram: one observation (seconds, bytes). NaN is a programming error.
  void observe(family_id f, labels l, double value) {
    const std::size_t base = cell(f, l, metric_type::histogram);
    const auto& b = (*layout_)[f.index].bounds;
    if (value != value) detail::misuse("NaN observed", f.index);
    // le semantics: bucket i counts value <= bounds[i]; past the last bound is +Inf.
    const auto i = static_cast<std::size_t>(std::lower_bound(b.begin(), b.end(), value) - b.begin());
    bump(base + i, 1);
    auto& sum = cells_[base + b.size() + 1];
    sum.store(std::bit_cast<std::uint64_t>(std::bit_cast<double>(sum.load(std::memory_order_relaxed)) + value),
              std::memory_order_relaxed);
  }

  template <class Rep, class Period>
  void observe(family_id f, labels l, std::chrono::duration<Rep, Period> d) {
    observe(f, l, std::chrono::duration<double>(d).count());
  }

  // For the scrape (any thread): one cell's current value.
  std::uint64_t load(std::size_t i) const { return cells_[i].load(std::memory_order_relaxed); }
  // For a slot being reused (registry::set_values): no owner writes it meanwhile.
  void zero(std::size_t i) { cells_[i].store(0, std::memory_order_relaxed); }
  // For owner-set gauges, which live in the registry's own shard.
  void store(std::size_t i, std::uint64_t v) { cells_[i].store(v, std::memory_order_relaxed); }

 private:
  void bump(std::size_t i, std::uint64_t n) {
    auto& c = cells_[i];
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }

  std::size_t cell(family_id f, labels l, metric_type t) const {
    if (f.index >= layout_->size()) detail::misuse("unknown family", f.index);
    const auto& fam = (*layout_)[f.index];
    if (fam.type != t || l.size() != fam.label_count) detail::misuse("wrong type or label count", f.index);
    std::size_t series = 0;
    std::size_t k = 0;
    for (std::uint32_t v : l) {
      if (v >= fam.radix[k]) detail::misuse("label value out of range", f.index);
      series = series * fam.radix[k++] + v;
    }
    return fam.offset + series * fam.cells_per_series;
  }

  static constexpr std::size_t pad = 64 / sizeof(std::uint64_t);
  const std::vector<detail::family_layout>* layout_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> storage_;
  std::atomic<std::uint64_t>* cells_;
};

}  // namespace kizuna::metrics
