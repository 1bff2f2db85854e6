// Declarations, shards and bounded dimensions of the metric registry; the
// exposition is in exposition.cpp.
#include "relay/metrics/registry.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>

#include <fmt/format.h>

#include "relay/core/utf8.hpp"
#include "relay/metrics/text.hpp"

namespace kizuna::metrics {

namespace {

[[noreturn]] void bad_spec(std::string_view name, std::string_view why) {
  std::fprintf(stderr, "kizuna metrics: family %.*s: %.*s\n", static_cast<int>(name.size()), name.data(),
               static_cast<int>(why.size()), why.data());
  std::abort();
}

bool ends_with_any(std::string_view s, std::initializer_list<std::string_view> tails) {
  return std::any_of(tails.begin(), tails.end(), [&](std::string_view t) { return s.ends_with(t); });
}

}  // namespace

namespace detail {
void misuse(const char* what, std::uint32_t family) {
  std::fprintf(stderr, "kizuna metrics: %s (family #%u)\n", what, family);
  std::abort();
}
}  // namespace detail

std::vector<double> latency_buckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::vector<double> size_buckets() {
  std::vector<double> b;
  for (double v = 1024; v <= 64.0 * 1024 * 1024; v *= 4) b.push_back(v);
  return b;
}

std::optional<std::uint32_t> label_values::slot_of(std::string_view value) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), value,
                             [](const auto& e, std::string_view v) { return e.first < v; });
  if (it == entries_.end() || it->first != value) return std::nullopt;
  return it->second;
}

std::uint32_t label_values::slot(std::string_view value) const {
  if (auto s = slot_of(value)) return *s;
  std::fprintf(stderr, "kizuna metrics: label value \"%.*s\" was not declared\n", static_cast<int>(value.size()),
               value.data());
  std::abort();
}

registry::registry() = default;
registry::~registry() = default;

dimension_id registry::add_dimension(std::string label_name, std::vector<std::string> permanent,
                                     std::uint32_t capacity) {
  std::lock_guard lock(mutex_);
  if (frozen_) bad_spec(label_name, "dimension added after the first shard");
  if (!valid_label_name(label_name) || label_name == "le") bad_spec(label_name, "invalid label name");
  std::sort(permanent.begin(), permanent.end());
  permanent.erase(std::unique(permanent.begin(), permanent.end()), permanent.end());
  if (capacity < permanent.size() || capacity == 0) bad_spec(label_name, "capacity below its permanent values");
  dimension d;
  d.label_name = std::move(label_name);
  d.capacity = capacity;
  d.slot_owner.resize(capacity);
  std::vector<std::pair<std::string, std::uint32_t>> entries;
  for (std::uint32_t i = 0; i < permanent.size(); ++i) {
    if (permanent[i].empty() || !is_valid_utf8(permanent[i])) bad_spec(d.label_name, "invalid permanent value");
    d.slot_owner[i] = permanent[i];
    entries.emplace_back(permanent[i], i);
  }
  d.permanent = std::move(permanent);
  d.current = std::make_shared<const label_values>(std::move(entries));
  d.published.push_back(d.current);
  dimensions_.push_back(std::move(d));
  return {static_cast<std::uint32_t>(dimensions_.size() - 1)};
}

family_id registry::add(family_spec spec) {
  std::lock_guard lock(mutex_);
  const std::string_view name = spec.name;
  if (frozen_) bad_spec(name, "added after the first shard");
  if (!valid_metric_name(name) || !name.starts_with("kizuna_")) bad_spec(name, "name must match kizuna_[a-z0-9_]*");
  for (const auto& f : families_)
    if (f.spec.name == name) bad_spec(name, "declared twice");
  if (spec.help.empty()) bad_spec(name, "no help text");
  const bool counter = spec.type == metric_type::counter;
  if (counter != name.ends_with("_total")) bad_spec(name, "counters, and only counters, end in _total");
  if (ends_with_any(name, {"_bucket", "_sum", "_count"})) bad_spec(name, "reserved suffix");
  if (spec.labels.size() > max_labels) bad_spec(name, "too many labels");

  detail::family_layout l;
  l.type = spec.type;
  l.source = spec.source;
  l.label_count = static_cast<std::uint32_t>(spec.labels.size());
  std::set<std::string> seen;
  for (std::size_t i = 0; i < spec.labels.size(); ++i) {
    auto& lab = spec.labels[i];
    if (lab.bounded()) {
      if (lab.dimension.index >= dimensions_.size() || !lab.values.empty()) bad_spec(name, "bad bounded label");
      lab.name = dimensions_[lab.dimension.index].label_name;
      l.radix[i] = dimensions_[lab.dimension.index].capacity;
    } else {
      if (lab.values.empty()) bad_spec(name, "a fixed label without values");
      std::set<std::string_view> vals;
      for (const auto& v : lab.values)
        if (v.empty() || !is_valid_utf8(v) || !vals.insert(v).second) bad_spec(name, "empty, non-UTF-8 or repeated value");
      l.radix[i] = static_cast<std::uint32_t>(lab.values.size());
    }
    if (!valid_label_name(lab.name) || lab.name == "le" || !seen.insert(lab.name).second)
      bad_spec(name, "invalid, reserved or repeated label name");
    if (std::uint64_t{l.series} * l.radix[i] > (1u << 20)) bad_spec(name, "too many series");
    l.series *= l.radix[i];
  }
  if (spec.type == metric_type::histogram) {
    if (spec.buckets.empty()) bad_spec(name, "a histogram without buckets");
    for (std::size_t i = 0; i < spec.buckets.size(); ++i)
      if (!std::isfinite(spec.buckets[i]) || (i > 0 && spec.buckets[i] <= spec.buckets[i - 1]))
        bad_spec(name, "buckets must be finite and strictly increasing");
    l.bounds = spec.buckets;
    l.cells_per_series = static_cast<std::uint32_t>(spec.buckets.size() + 2);
  } else if (!spec.buckets.empty()) {
    bad_spec(name, "buckets on a non-histogram");
  }
  if (spec.type == metric_type::gauge && spec.source == gauge_source::scrape && l.label_count != 0)
    bad_spec(name, "a gauge computed at scrape has no labels");
  l.offset = cells_;
  cells_ += std::size_t{l.series} * l.cells_per_series;
  families_.push_back({std::move(spec), {}});
  layout_.push_back(std::move(l));
  return {static_cast<std::uint32_t>(families_.size() - 1)};
}

void registry::freeze_locked() {
  if (frozen_) return;
  frozen_ = true;
  owner_ = std::make_unique<shard>(layout_, cells_);
}

shard& registry::add_shard() {
  std::lock_guard lock(mutex_);
  freeze_locked();
  shards_.push_back(std::make_unique<shard>(layout_, cells_));
  return *shards_.back();
}

void registry::set(family_id f, shard::labels l, double value) {
  {
    std::lock_guard lock(mutex_);  // declarations are frozen from here on
    freeze_locked();
  }
  if (f.index >= layout_.size() || layout_[f.index].type != metric_type::gauge ||
      layout_[f.index].source != gauge_source::owner)
    detail::misuse("set() on a family that is not an owner-set gauge", f.index);
  const auto& fam = layout_[f.index];
  if (l.size() != fam.label_count) detail::misuse("wrong label count", f.index);
  std::size_t series = 0, k = 0;
  for (std::uint32_t v : l) {
    if (v >= fam.radix[k]) detail::misuse("label value out of range", f.index);
    series = series * fam.radix[k++] + v;
  }
  owner_->store(fam.offset + series, std::bit_cast<std::uint64_t>(value));
}

void registry::set_callback(family_id f, std::function<double()> fn) {
  std::lock_guard lock(mutex_);
  if (f.index >= layout_.size() || layout_[f.index].source != gauge_source::scrape ||
      layout_[f.index].type != metric_type::gauge)
    detail::misuse("set_callback() on a family that is not computed at scrape", f.index);
  families_[f.index].callback = std::move(fn);
}

std::shared_ptr<const label_values> registry::values(dimension_id d) const {
  std::lock_guard lock(mutex_);
  if (d.index >= dimensions_.size()) detail::misuse("unknown dimension", d.index);
  return dimensions_[d.index].current;
}

// Zeroes every series of every family that has this slot in this dimension's
// label, in every shard (owner gauges included).
void registry::zero_slot_locked(std::uint32_t dim, std::uint32_t slot) {
  for (std::size_t fi = 0; fi < families_.size(); ++fi) {
    const auto& l = layout_[fi];
    for (std::size_t pos = 0; pos < l.label_count; ++pos) {
      if (families_[fi].spec.labels[pos].dimension.index != dim) continue;
      for (std::uint32_t s = 0; s < l.series; ++s) {
        // The coordinate of series s at label position pos (mixed radix, first label most significant).
        std::uint32_t rest = s;
        for (std::size_t k = l.label_count; k-- > pos + 1;) rest /= l.radix[k];
        if (rest % l.radix[pos] != slot) continue;
        for (std::uint32_t c = 0; c < l.cells_per_series; ++c) {
          const std::size_t i = l.offset + std::size_t{s} * l.cells_per_series + c;
          for (auto& sh : shards_) sh->zero(i);
          if (owner_) owner_->zero(i);
        }
      }
    }
  }
}

std::expected<std::shared_ptr<const label_values>, std::string> registry::set_values(
    dimension_id d, std::vector<std::string> values) {
  std::lock_guard lock(mutex_);
  if (d.index >= dimensions_.size()) detail::misuse("unknown dimension", d.index);
  auto& dim = dimensions_[d.index];
  for (const auto& v : values) {
    const bool control = std::any_of(v.begin(), v.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
    if (v.empty() || !is_valid_utf8(v) || control)
      return std::unexpected(fmt::format("{} value \"{}\": empty, not UTF-8 or with control characters",
                                         dim.label_name, v));
  }
  values.insert(values.end(), dim.permanent.begin(), dim.permanent.end());
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  if (values.size() > dim.capacity)
    return std::unexpected(fmt::format("{} values: {} (built-ins included) exceed the metrics capacity of {}",
                                       dim.label_name, values.size(), dim.capacity));

  // Slots referenced by a snapshot someone may still hold cannot change owner.
  // The registry's own reference to the current snapshot does not count: it
  // is replaced below, and nobody can take a copy while we hold the mutex.
  std::erase_if(dim.published, [](const auto& w) { return w.expired(); });
  std::vector<bool> busy(dim.capacity, false);
  for (const auto& w : dim.published) {
    auto p = w.lock();
    if (!p || (p == dim.current && p.use_count() == 2)) continue;  // 2: dim.current and p
    for (const auto& e : p->entries()) busy[e.second] = true;
  }

  std::vector<std::pair<std::string, std::uint32_t>> entries;
  std::vector<std::string> fresh;
  for (auto& v : values) {
    // A value keeps the slot it last had while no other value took it over.
    auto it = std::find(dim.slot_owner.begin(), dim.slot_owner.end(), v);
    if (it != dim.slot_owner.end()) {
      const auto slot = static_cast<std::uint32_t>(it - dim.slot_owner.begin());
      busy[slot] = true;
      entries.emplace_back(std::move(v), slot);
    } else {
      fresh.push_back(std::move(v));
    }
  }
  // New values take free slots: never used ones first, so a removed value's
  // slot stays its own for as long as possible (it may come back).
  std::vector<std::uint32_t> free;
  for (std::uint32_t s = 0; s < dim.capacity; ++s)
    if (!busy[s] && dim.slot_owner[s].empty()) free.push_back(s);
  for (std::uint32_t s = 0; s < dim.capacity; ++s)
    if (!busy[s] && !dim.slot_owner[s].empty()) free.push_back(s);
  if (fresh.size() > free.size())
    return std::unexpected(fmt::format(
        "{} values: {} new ones but only {} free slots of {} (snapshots of earlier reloads still in use)",
        dim.label_name, fresh.size(), free.size(), dim.capacity));
  for (std::size_t i = 0; i < fresh.size(); ++i) {
    const std::uint32_t slot = free[i];
    zero_slot_locked(d.index, slot);  // never-used slots are zero already, unless misused: be sure
    dim.slot_owner[slot] = fresh[i];
    entries.emplace_back(std::move(fresh[i]), slot);
  }
  std::sort(entries.begin(), entries.end());
  dim.current = std::make_shared<const label_values>(std::move(entries));
  dim.published.push_back(dim.current);
  return dim.current;
}

}  // namespace kizuna::metrics
