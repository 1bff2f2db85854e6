#include "relay/audit/query.hpp"

#include <algorithm>
#include <charconv>

#include "relay/audit/text_table.hpp"

namespace kizuna::audit {
namespace {

using clock = std::chrono::system_clock;

template <typename T>
bool any_of(const std::vector<T>& wanted, const T& value) {
  return wanted.empty() || std::find(wanted.begin(), wanted.end(), value) != wanted.end();
}

// Digits at s[pos, pos+n) as a number, or -1.
int number(std::string_view s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) return -1;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

struct column {
  std::string_view title;
  std::size_t width;
};
constexpr column columns[] = {{"TS", 24},       {"DECISION", 11}, {"RCPT", 32},
                              {"CAMPAIGN", 18}, {"CATEGORY", 14}, {"RULE", 22}};
constexpr std::size_t reply_width = 40;

std::string shown(std::string_view v) { return v.empty() ? std::string("-") : std::string(v); }

}  // namespace

bool query_filter::matches(const stored_record& r) const {
  if (since && r.ts < *since) return false;
  if (until && r.ts >= *until) return false;
  return any_of(decisions, r.decision) && any_of(rcpts, r.rcpt) && any_of(campaigns, r.campaign) &&
         any_of(rules, r.rule);
}

std::expected<clock::time_point, std::string> parse_time_argument(std::string_view text) {
  using namespace std::chrono;
  const std::string why = "'" + std::string(text) + "' is not an RFC 3339 time (2026-11-22T15:04:05Z), a date "
                          "(2026-11-22) or Unix epoch seconds";
  if (!text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    std::int64_t epoch = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), epoch);
    if (ec != std::errc{} || end != text.data() + text.size() || epoch > 253402300799) return std::unexpected(why);
    return saturating_time_point(sys_seconds(seconds(epoch)));
  }
  if (text.size() < 10 || text[4] != '-' || text[7] != '-') return std::unexpected(why);
  const int y = number(text, 0, 4), mo = number(text, 5, 2), d = number(text, 8, 2);
  if (y < 0 || mo < 0 || d < 0) return std::unexpected(why);
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::unexpected(why);
  sys_seconds t = sys_days(ymd);  // seconds: no overflow for any 4-digit year
  nanoseconds sub{};
  if (text.size() == 10) return saturating_time_point(t);

  std::size_t i = 10;
  if (text[i] != 'T' && text[i] != 't' && text[i] != ' ') return std::unexpected(why);
  const int h = number(text, 11, 2), mi = (text.size() > 13 && text[13] == ':') ? number(text, 14, 2) : -1;
  if (h < 0 || h > 23 || mi < 0 || mi > 59) return std::unexpected(why);
  t += hours(h) + minutes(mi);
  i = 16;
  if (i < text.size() && text[i] == ':') {
    const int sec = number(text, i + 1, 2);
    if (sec < 0 || sec > 60) return std::unexpected(why);
    t += seconds(sec);
    i += 3;
    if (i < text.size() && text[i] == '.') {
      ++i;
      const std::size_t start = i;
      std::int64_t nanos = 0;
      for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i)
        if (i - start < 9) nanos = nanos * 10 + (text[i] - '0');
      if (i == start) return std::unexpected(why);
      for (std::size_t k = std::min<std::size_t>(i - start, 9); k < 9; ++k) nanos *= 10;
      sub = nanoseconds(nanos);
    }
  }
  if (i >= text.size()) return std::unexpected(why + " (a time needs Z or an offset such as +09:00)");
  if ((text[i] == 'Z' || text[i] == 'z') && i + 1 == text.size()) return saturating_time_point(t, sub);
  if ((text[i] == '+' || text[i] == '-') && text.size() == i + 6 && text[i + 3] == ':') {
    const int oh = number(text, i + 1, 2), om = number(text, i + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return std::unexpected(why);
    const auto offset = hours(oh) + minutes(om);
    return saturating_time_point(text[i] == '+' ? t - offset : t + offset, sub);  // local time = UTC + offset
  }
  return std::unexpected(why);
}

std::string table_header() {
  std::string out;
  for (const auto& c : columns) out += fit(c.title, c.width) + "  ";
  out += "DOWNSTREAM REPLY\n";
  return out;
}

std::string table_row(const stored_record& r) {
  const std::string values[] = {r.ts_text, to_string(r.decision), r.rcpt, r.campaign, r.category, r.rule};
  std::string out;
  for (std::size_t i = 0; i < std::size(columns); ++i) out += fit(shown(values[i]), columns[i].width) + "  ";
  out += fit(shown(r.downstream_reply), reply_width, false, false);
  out += '\n';
  return out;
}

}  // namespace kizuna::audit
