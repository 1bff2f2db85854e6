// `kizuna audit query`: which records match a set of filters, and the fixed-width
// table it prints (the JSON Lines output is the stored line itself). Pure.
//
// Filters: a record matches when every given filter matches; a filter given more
// than once matches any of its values (--decision defer --decision hold).
// rcpt values are normalized addresses (core/address.hpp), compared with the
// record's rcpt (which the relay writes normalized); campaign and rule are
// compared as written. Times: since <= ts < until.
#pragma once

#include <chrono>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "relay/audit/reader.hpp"
#include "relay/audit/record.hpp"

namespace kizuna::audit {

struct query_filter {
  std::vector<std::string> rcpts;
  std::vector<std::string> campaigns;
  std::vector<action> decisions;
  std::vector<std::string> rules;
  std::optional<std::chrono::system_clock::time_point> since;  // ts >= since
  std::optional<std::chrono::system_clock::time_point> until;  // ts < until

  bool matches(const stored_record& r) const;
};

// A time on the command line: RFC 3339 ("2026-11-22T15:04:05Z",
// "2026-11-22T15:04:05.123+09:00"; 't'/'z' and a space for 'T' accepted, seconds
// optional), a date alone ("2026-11-22": 00:00 UTC) or Unix epoch seconds
// ("1763823845"). The error is one phrase for a usage message.
std::expected<std::chrono::system_clock::time_point, std::string> parse_time_argument(std::string_view text);

// The table: header line and one line per record, each ending in "\n". Columns
// ts, decision, rcpt, campaign, category, rule and the downstream reply; values too
// wide for their column are cut with "…", "" is shown as "-".
std::string table_header();
std::string table_row(const stored_record& r);

}  // namespace kizuna::audit
