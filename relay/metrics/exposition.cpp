// registry::scrape: the Prometheus text format 0.0.4 of every family, each
// series summed over all shards. Lines: "# HELP", "# TYPE", then one sample
// per series (histograms: cumulative _bucket{le} lines ending with +Inf, _sum,
// _count); families sorted by name so consecutive scrapes diff cleanly.
#include <algorithm>
#include <bit>
#include <numeric>

#include "relay/metrics/registry.hpp"
#include "relay/metrics/text.hpp"

namespace kizuna::metrics {

namespace {

const char* type_name(metric_type t) {
  switch (t) {
    case metric_type::counter: return "counter";
    case metric_type::gauge: return "gauge";
    case metric_type::histogram: return "histogram";
  }
  return "untyped";
}

// One label's values in exposition order, each with its index (fixed) or slot (bounded).
using axis = std::vector<std::pair<std::string_view, std::uint32_t>>;

void append_labels(std::string& out, const family_spec& spec, const std::vector<axis>& axes,
                   const std::vector<std::size_t>& at, std::string_view le) {
  if (axes.empty() && le.empty()) return;
  out += '{';
  for (std::size_t i = 0; i < axes.size(); ++i) {
    if (i) out += ',';
    out += spec.labels[i].name;
    out += "=\"";
    append_label_value(out, axes[i][at[i]].first);
    out += '"';
  }
  if (!le.empty()) {
    if (!axes.empty()) out += ',';
    out += "le=\"";
    out += le;
    out += '"';
  }
  out += '}';
}

}  // namespace

void registry::expose_family(std::string& out, const family& f, const detail::family_layout& l) const {
  const auto& spec = f.spec;
  out += "# HELP ";
  out += spec.name;
  out += ' ';
  append_help(out, spec.help);
  out += "\n# TYPE ";
  out += spec.name;
  out += ' ';
  out += type_name(spec.type);
  out += '\n';

  if (spec.source == gauge_source::scrape && spec.type == metric_type::gauge) {
    out += spec.name;
    out += ' ';
    append_value(out, f.callback ? f.callback() : 0.0);
    out += '\n';
    return;
  }

  std::vector<axis> axes;
  for (const auto& lab : spec.labels) {
    axis a;
    if (lab.bounded()) {
      for (const auto& [v, slot] : dimensions_[lab.dimension.index].current->entries()) a.emplace_back(v, slot);
    } else {
      for (std::uint32_t i = 0; i < lab.values.size(); ++i) a.emplace_back(lab.values[i], i);
    }
    if (a.empty()) return;  // a dimension with no values yet: no series
    axes.push_back(std::move(a));
  }

  auto sum_cells = [&](std::size_t i) {
    std::uint64_t s = 0;
    for (const auto& sh : shards_) s += sh->load(i);  // wraps like the per-shard deltas
    return s;
  };

  std::vector<std::size_t> at(axes.size(), 0);
  std::string le;
  for (bool more = true; more;) {
    std::size_t series = 0;
    for (std::size_t k = 0; k < axes.size(); ++k) series = series * l.radix[k] + axes[k][at[k]].second;
    const std::size_t base = l.offset + series * l.cells_per_series;
    if (spec.type == metric_type::histogram) {
      std::uint64_t cumulative = 0;
      for (std::size_t b = 0; b <= l.bounds.size(); ++b) {
        cumulative += sum_cells(base + b);
        le.clear();
        if (b < l.bounds.size())
          append_value(le, l.bounds[b]);
        else
          le = "+Inf";
        out += spec.name;
        out += "_bucket";
        append_labels(out, spec, axes, at, le);
        out += ' ';
        append_value(out, cumulative);
        out += '\n';
      }
      double sum = 0;
      for (const auto& sh : shards_) sum += std::bit_cast<double>(sh->load(base + l.bounds.size() + 1));
      out += spec.name;
      out += "_sum";
      append_labels(out, spec, axes, at, {});
      out += ' ';
      append_value(out, sum);
      out += '\n';
      out += spec.name;
      out += "_count";
      append_labels(out, spec, axes, at, {});
      out += ' ';
      append_value(out, cumulative);
      out += '\n';
    } else {
      out += spec.name;
      append_labels(out, spec, axes, at, {});
      out += ' ';
      if (spec.type == metric_type::counter)
        append_value(out, sum_cells(base));
      else if (spec.source == gauge_source::owner)
        append_value(out, owner_ ? std::bit_cast<double>(owner_->load(base)) : 0.0);
      else
        append_value(out, static_cast<std::int64_t>(sum_cells(base)));
      out += '\n';
    }
    // Next combination, last label fastest.
    more = false;
    for (std::size_t k = axes.size(); k-- > 0;) {
      if (++at[k] < axes[k].size()) {
        more = true;
        break;
      }
      at[k] = 0;
    }
  }
}

std::string registry::scrape() const {
  std::lock_guard lock(mutex_);
  std::vector<std::size_t> order(families_.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return families_[a].spec.name < families_[b].spec.name; });
  std::string out;
  out.reserve(4096);
  for (std::size_t i : order) expose_family(out, families_[i], layout_[i]);
  return out;
}

}  // namespace kizuna::metrics
