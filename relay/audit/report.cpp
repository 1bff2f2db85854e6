#include "relay/audit/report.hpp"

#include <algorithm>
#include <ctime>
#include <limits>

#include <fmt/format.h>

#include "relay/audit/line_format.hpp"
#include "relay/audit/text_table.hpp"
#include "relay/core/address.hpp"

namespace kizuna::audit {

// Subjects are interned in large blocks and keyed by string_view; each subject's
// scopes are a linked list in one vector: about 100 bytes per opt-out in all.
struct optout_index::impl {
  struct entry {
    std::int64_t at;
    std::uint32_t scope;
    std::uint32_t next;
  };
  static constexpr std::uint32_t none = std::numeric_limits<std::uint32_t>::max();
  static constexpr std::size_t block_size = 1 << 16;

  std::vector<std::unique_ptr<char[]>> blocks;
  char* current = nullptr;  // the block short subjects go to
  std::size_t block_used = 0;
  std::vector<std::string> scopes;
  std::unordered_map<std::string, std::uint32_t> scope_ids;
  std::vector<entry> all;
  std::unordered_map<std::string_view, std::uint32_t> addresses, domains;  // subject → first entry

  std::string_view intern(std::string_view s) {
    if (s.size() > block_size / 4) {  // a long one gets a block of its own
      blocks.push_back(std::make_unique<char[]>(s.size()));
      std::copy(s.begin(), s.end(), blocks.back().get());
      return {blocks.back().get(), s.size()};
    }
    if (!current || block_used + s.size() > block_size) {
      blocks.push_back(std::make_unique<char[]>(block_size));
      current = blocks.back().get();
      block_used = 0;
    }
    char* p = current + block_used;
    std::copy(s.begin(), s.end(), p);
    block_used += s.size();
    return {p, s.size()};
  }

  std::uint32_t scope_id(std::string_view scope) {
    auto it = scope_ids.find(std::string(scope));
    if (it != scope_ids.end()) return it->second;
    const auto id = static_cast<std::uint32_t>(scopes.size());
    scopes.emplace_back(scope);
    scope_ids.emplace(std::string(scope), id);
    return id;
  }

  void add(std::unordered_map<std::string_view, std::uint32_t>& map, std::string_view subject,
           std::string_view scope, std::int64_t at) {
    const std::uint32_t sid = scope_id(scope);
    auto it = map.find(subject);
    if (it != map.end()) {
      for (std::uint32_t e = it->second; e != none; e = all[e].next)
        if (all[e].scope == sid) {
          all[e].at = std::min(all[e].at, at);
          return;
        }
      all.push_back({at, sid, it->second});
      it->second = static_cast<std::uint32_t>(all.size() - 1);
      return;
    }
    all.push_back({at, sid, none});
    map.emplace(intern(subject), static_cast<std::uint32_t>(all.size() - 1));
  }

  // The earliest applicable entry of `subject` in `map` before `ts`, if earlier than *best.
  bool find(const std::unordered_map<std::string_view, std::uint32_t>& map, std::string_view subject,
            const stored_record& r, const entry** best) const {
    auto it = map.find(subject);
    if (it == map.end()) return false;
    bool found = false;
    for (std::uint32_t e = it->second; e != none; e = all[e].next) {
      const entry& x = all[e];
      const std::string& scope = scopes[x.scope];
      if (scope != "*" && scope != r.category) continue;
      if (r.ts <= std::chrono::system_clock::time_point(std::chrono::seconds(x.at))) continue;
      if (!*best || x.at < (*best)->at) *best = &x, found = true;
    }
    return found;
  }
};

optout_index::optout_index() : impl_(std::make_unique<impl>()) {}
optout_index::~optout_index() = default;
optout_index::optout_index(optout_index&&) noexcept = default;
optout_index& optout_index::operator=(optout_index&&) noexcept = default;

void optout_index::add_address(std::string_view address, std::string_view scope, std::int64_t at) {
  impl_->add(impl_->addresses, address, scope, at);
}

void optout_index::add_domain(std::string_view domain, std::string_view scope, std::int64_t at) {
  impl_->add(impl_->domains, domain, scope, at);
}

std::size_t optout_index::entries() const noexcept { return impl_->all.size(); }

std::optional<optout_match> optout_index::violated_by(const stored_record& r) const {
  if (!is_delivery(r) && !is_in_doubt(r)) return std::nullopt;
  return violated_by_copy(r);
}

std::optional<optout_match> optout_index::violated_by_copy(const stored_record& r) const {
  const impl::entry* best = nullptr;
  std::string subject;
  // A record written before an address spelling was known to be the same
  // mailbox ("alice"@example.com) is matched by the mailbox it names.
  std::string normalized;
  if (!looks_normalized(r.rcpt)) normalized = normalize_address(r.rcpt).value_or(r.rcpt);
  const std::string_view rcpt = normalized.empty() ? std::string_view(r.rcpt) : std::string_view(normalized);
  if (impl_->find(impl_->addresses, rcpt, r, &best)) subject = rcpt;
  if (const auto at = rcpt.rfind('@'); at != std::string::npos) {
    const std::string_view domain = rcpt.substr(at + 1);
    if (impl_->find(impl_->domains, domain, r, &best)) subject = "@" + std::string(domain);
  }
  if (!best) return std::nullopt;
  return optout_match{std::move(subject), impl_->scopes[best->scope], best->at};
}

std::string format_epoch(std::int64_t epoch) {
  const std::time_t t = static_cast<std::time_t>(epoch);
  std::tm tm{};
  char buf[40] = "?";
  if (gmtime_r(&t, &tm)) std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

namespace {

// A value for a key=value line: as is when it is one plain word, else a JSON string.
void append_value(std::string& out, std::string_view key, std::string_view value) {
  out += ' ';
  out += key;
  out += '=';
  const bool plain = !value.empty() && std::none_of(value.begin(), value.end(), [](char c) {
    return static_cast<unsigned char>(c) <= 0x20 || c == '"' || c == '\\' || c == 0x7F;
  });
  if (plain) out += value;
  else append_json_string(out, value);
}

std::string shown(std::string_view v) { return v.empty() ? std::string("-") : std::string(v); }

constexpr std::size_t name_width = 20, category_width = 16, rule_width = 24;

std::string number_cell(std::uint64_t n, std::string_view title) {
  return "  " + fit(std::to_string(n), std::max<std::size_t>(display_width(title), 7), true);
}
std::string title_cell(std::string_view title) {
  return "  " + fit(title, std::max<std::size_t>(display_width(title), 7), true);
}

void append_json_count(std::string& out, std::string_view key, std::uint64_t n) {
  out += fmt::format(",\"{}\":{}", key, n);
}

}  // namespace

std::string format_violation(const stored_record& r, const optout_match& m) {
  std::string out = m.subject;
  append_value(out, "scope", m.scope);
  append_value(out, "opted_out_at", format_epoch(m.at));
  append_value(out, "delivered_at", r.ts_text);
  append_value(out, "rcpt", r.rcpt);
  append_value(out, "campaign", r.campaign);
  append_value(out, "category", r.category);
  append_value(out, "message_id", r.message_id);
  if (!is_delivery(r)) out += " delivery=possible";
  return out;
}

void pending_copies::add(const stored_record& r) {
  if (r.copy_id.empty()) return;
  if (is_relay_intent(r)) {
    stored_record kept = r;
    kept.line = {};
    pending_.insert_or_assign(r.copy_id, std::move(kept));
  } else if (r.decision == action::outcome) {
    pending_.erase(r.copy_id);
  }
}

std::vector<stored_record> pending_copies::left() const {
  std::vector<stored_record> out;
  out.reserve(pending_.size());
  for (const auto& [id, r] : pending_) out.push_back(r);
  std::sort(out.begin(), out.end(), [](const stored_record& a, const stored_record& b) { return a.seq < b.seq; });
  return out;
}

void summary::add(const stored_record& r) {
  ++records_;
  if (r.decision == action::unsubscribe) {
    category_counts& cat = categories_[r.category];
    if (r.rule == already_opted_out_rule) {  // a second click: not a second unsubscribe
      ++cat.repeats;
      return;
    }
    ++cat.unsubscribes;
    if (!r.campaign.empty()) ++campaigns_[{r.campaign, r.category}].unsubscribes;
    return;
  }
  campaign_counts& c = campaigns_[{r.campaign, r.category}];
  if (is_relay_intent(r)) return;  // write-ahead: its outcome record counts the copy
  switch (r.decision) {
    case action::relay:
    case action::outcome:
    case action::release:
      if (is_delivery(r)) {
        ++c.relayed;
        ++categories_[r.category].relayed;
      } else {
        ++c.failed;
      }
      break;
    case action::drop: ++c.dropped; break;
    case action::reject: ++c.rejected; break;
    case action::defer:
      ++c.deferred;
      ++c.deferred_by_rule[r.rule];
      break;
    case action::hold: ++c.held; break;
    case action::discard: ++c.discarded; break;
    case action::unsubscribe:
    case action::bounce: break;  // the copy's own relay record counted it as failed
  }
}

std::string summary::table() const {
  constexpr std::string_view counts[] = {"RELAYED", "FAILED", "DROPPED", "REJECTED", "DEFERRED", "HELD", "DISCARDED"};
  std::string out = fit("CAMPAIGN", name_width) + "  " + fit("CATEGORY", category_width);
  for (auto title : counts) out += title_cell(title);
  out += '\n';
  bool any_deferred = false;
  for (const auto& [key, c] : campaigns_) {
    out += fit(shown(key.first), name_width) + "  " + fit(shown(key.second), category_width);
    const std::uint64_t values[] = {c.relayed, c.failed, c.dropped, c.rejected, c.deferred, c.held, c.discarded};
    for (std::size_t i = 0; i < std::size(counts); ++i) out += number_cell(values[i], counts[i]);
    out += '\n';
    any_deferred = any_deferred || !c.deferred_by_rule.empty();
  }
  if (any_deferred) {
    out += "\nDeferred by rule:\n";
    out += fit("CAMPAIGN", name_width) + "  " + fit("CATEGORY", category_width) + "  " + fit("RULE", rule_width) +
           title_cell("COUNT") + '\n';
    for (const auto& [key, c] : campaigns_)
      for (const auto& [rule, n] : c.deferred_by_rule)
        out += fit(shown(key.first), name_width) + "  " + fit(shown(key.second), category_width) + "  " +
               fit(shown(rule), rule_width) + number_cell(n, "COUNT") + '\n';
  }
  auto rate_cell = [](std::optional<double> rate) {
    return "  " +
           fit(rate ? fmt::format("{:.2f}%", *rate * 100) : std::string("-"), display_width("配信停止率"), true);
  };
  const bool any_campaign = std::ranges::any_of(campaigns_, [](const auto& e) { return !e.first.first.empty(); });
  if (any_campaign) {
    out += "\nUnsubscribes by campaign:\n";
    out += fit("CAMPAIGN", name_width) + "  " + fit("CATEGORY", category_width) + title_cell("RELAYED") +
           title_cell("UNSUBSCRIBES") + title_cell("配信停止率") + '\n';
    for (const auto& [key, c] : campaigns_)
      if (!key.first.empty())
        out += fit(shown(key.first), name_width) + "  " + fit(shown(key.second), category_width) +
               number_cell(c.relayed, "RELAYED") + number_cell(c.unsubscribes, "UNSUBSCRIBES") +
               rate_cell(c.unsubscribe_rate()) + '\n';
  }
  out += '\n' + fit("CATEGORY", category_width) + title_cell("RELAYED") + title_cell("UNSUBSCRIBES") +
         title_cell("配信停止率") + '\n';
  for (const auto& [category, c] : categories_)
    out += fit(shown(category), category_width) + number_cell(c.relayed, "RELAYED") +
           number_cell(c.unsubscribes, "UNSUBSCRIBES") + rate_cell(c.unsubscribe_rate()) + '\n';
  return out;
}

std::string summary::json() const {
  std::string out = fmt::format("{{\"records\":{},\"campaigns\":[", records_);
  bool first = true;
  for (const auto& [key, c] : campaigns_) {
    if (!std::exchange(first, false)) out += ',';
    out += "{\"campaign\":";
    append_json_string(out, key.first);
    out += ",\"category\":";
    append_json_string(out, key.second);
    append_json_count(out, "relayed", c.relayed);
    append_json_count(out, "failed", c.failed);
    append_json_count(out, "dropped", c.dropped);
    append_json_count(out, "rejected", c.rejected);
    append_json_count(out, "deferred", c.deferred);
    out += ",\"deferred_by_rule\":{";
    bool first_rule = true;
    for (const auto& [rule, n] : c.deferred_by_rule) {
      if (!std::exchange(first_rule, false)) out += ',';
      append_json_string(out, rule);
      out += fmt::format(":{}", n);
    }
    out += '}';
    append_json_count(out, "held", c.held);
    append_json_count(out, "discarded", c.discarded);
    append_json_count(out, "unsubscribes", c.unsubscribes);
    const auto rate = c.unsubscribe_rate();
    out += ",\"unsubscribe_rate\":" + (rate ? fmt::format("{}", *rate) : std::string("null"));
    out += '}';
  }
  out += "],\"categories\":[";
  first = true;
  for (const auto& [category, c] : categories_) {
    if (!std::exchange(first, false)) out += ',';
    out += "{\"category\":";
    append_json_string(out, category);
    append_json_count(out, "relayed", c.relayed);
    append_json_count(out, "unsubscribes", c.unsubscribes);
    append_json_count(out, "repeats", c.repeats);
    const auto rate = c.unsubscribe_rate();
    out += ",\"unsubscribe_rate\":" + (rate ? fmt::format("{}", *rate) : std::string("null"));
    out += '}';
  }
  out += "]}\n";
  return out;
}

}  // namespace kizuna::audit
