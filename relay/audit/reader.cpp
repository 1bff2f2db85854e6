#include "relay/audit/reader.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parser.hpp>

#include <array>
#include <fstream>

#include <fmt/format.h>

#include "relay/audit/chain_files.hpp"

namespace kizuna::audit {
namespace {

namespace json = boost::json;

int digits(std::string_view s, std::size_t pos, std::size_t n) {
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

// The string fields and where they go; "seq" is handled apart.
enum field : unsigned {
  f_ts, f_seq, f_instance, f_message_id, f_campaign, f_category, f_rcpt, f_decision, f_rule,
  f_policy_version, f_persona, f_downstream_reply, f_copy_id, f_dkim, f_prev, f_hash, field_count
};
constexpr std::array<std::string_view, field_count> field_names = {
    "ts",       "seq",  "instance",       "message_id", "campaign",         "category", "rcpt", "decision",
    "rule",     "policy_version", "persona", "downstream_reply", "copy_id", "dkim", "prev",     "hash"};

std::string* target(stored_record& r, unsigned f) {
  switch (f) {
    case f_ts: return &r.ts_text;
    case f_instance: return &r.instance;
    case f_message_id: return &r.message_id;
    case f_campaign: return &r.campaign;
    case f_category: return &r.category;
    case f_rcpt: return &r.rcpt;
    case f_rule: return &r.rule;
    case f_policy_version: return &r.policy_version;
    case f_persona: return &r.persona;
    case f_downstream_reply: return &r.downstream_reply;
    case f_copy_id: return &r.copy_id;
    case f_dkim: return &r.dkim;
    default: return nullptr;
  }
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> parse_record_timestamp(std::string_view s) {
  using namespace std::chrono;
  if (s.size() != 24 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
      s[19] != '.' || s[23] != 'Z')
    return std::nullopt;
  const int y = digits(s, 0, 4), mo = digits(s, 5, 2), d = digits(s, 8, 2), h = digits(s, 11, 2),
            mi = digits(s, 14, 2), sec = digits(s, 17, 2), ms = digits(s, 20, 3);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || sec < 0 || ms < 0 || h > 23 || mi > 59 || sec > 60)
    return std::nullopt;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return saturating_time_point(sys_days(ymd) + hours(h) + minutes(mi) + seconds(sec), milliseconds(ms));
}

std::chrono::system_clock::time_point saturating_time_point(std::chrono::sys_seconds s,
                                                            std::chrono::nanoseconds sub) {
  using namespace std::chrono;
  using tp = system_clock::time_point;
  constexpr auto max_s = duration_cast<seconds>(tp::duration::max()).count() - 1;
  constexpr auto min_s = duration_cast<seconds>(tp::duration::min()).count() + 1;
  const auto n = s.time_since_epoch().count();
  if (n > max_s) return tp::max();
  if (n < min_s) return tp::min();
  return tp(duration_cast<tp::duration>(seconds(n))) + duration_cast<tp::duration>(sub);
}

std::expected<void, std::string> parse_record(std::string_view line, stored_record& out) {
  out.line = line;
  // Most lines fit the stack buffer: no allocation per line.
  alignas(std::max_align_t) unsigned char buffer[8192];
  json::monotonic_resource mr(buffer, sizeof buffer);
  thread_local json::parser parser;
  parser.reset(&mr);
  boost::system::error_code ec;
  parser.write(line.data(), line.size(), ec);
  if (ec) {
    parser.reset();
    return std::unexpected("malformed record (" + ec.message() + ")");
  }
  const json::value v = parser.release();
  parser.reset();  // drops the parser's reference to `mr`
  const json::object* obj = v.if_object();
  if (!obj) return std::unexpected(std::string("malformed record (not a JSON object)"));

  unsigned seen = 0;
  std::string_view decision;
  for (const auto& kv : *obj) {
    unsigned f = 0;
    while (f < field_count && field_names[f] != std::string_view(kv.key())) ++f;
    if (f == field_count) return std::unexpected(fmt::format("unexpected field \"{}\"", std::string_view(kv.key())));
    if (seen & (1u << f)) return std::unexpected(fmt::format("field \"{}\" twice", field_names[f]));
    seen |= 1u << f;
    const json::value& value = kv.value();
    if (f == f_seq) {
      if (value.is_int64() && value.get_int64() > 0) out.seq = static_cast<std::uint64_t>(value.get_int64());
      else if (value.is_uint64()) out.seq = value.get_uint64();
      else return std::unexpected(std::string("\"seq\" is not a positive integer"));
      continue;
    }
    if (!value.is_string()) return std::unexpected(fmt::format("\"{}\" is not a string", field_names[f]));
    const std::string_view s = value.get_string();
    if (f == f_decision) decision = s;
    else if (std::string* t = target(out, f)) t->assign(s);
  }
  if (!(seen & (1u << f_copy_id))) out.copy_id.clear();  // optional: older records have none
  if (!(seen & (1u << f_dkim))) out.dkim.clear();
  for (unsigned f = 0; f < field_count; ++f)
    if (f != f_copy_id && f != f_dkim && !(seen & (1u << f))) return std::unexpected(fmt::format("field \"{}\" missing", field_names[f]));
  auto ts = parse_record_timestamp(out.ts_text);
  if (!ts) return std::unexpected(std::string("\"ts\" is not RFC 3339 UTC with milliseconds"));
  out.ts = *ts;
  auto a = parse_action(decision);
  if (!a) return std::unexpected(fmt::format("unknown decision \"{}\"", decision));
  out.decision = *a;
  return {};
}

bool is_delivery(const stored_record& r) noexcept {
  // A relay record with a reply is the older single record per copy (no write-ahead intent).
  return (r.decision == action::outcome || r.decision == action::release || r.decision == action::relay) &&
         r.downstream_reply.starts_with('2');
}

bool is_relay_intent(const stored_record& r) noexcept {
  return (r.decision == action::relay || r.decision == action::release) && r.downstream_reply.empty() &&
         !r.copy_id.empty();
}

bool is_in_doubt(const stored_record& r) noexcept {
  return r.decision == action::outcome && r.rule == in_doubt_rule;
}

std::expected<scan_stats, std::string> scan(const std::vector<std::filesystem::path>& files,
                                            const record_sink& on_record, const problem_sink& on_problem) {
  scan_stats stats;
  stored_record rec;
  std::string line;
  std::vector<char> io_buffer(1 << 16);
  for (const auto& file : files) {
    std::ifstream in;
    in.rdbuf()->pubsetbuf(io_buffer.data(), static_cast<std::streamsize>(io_buffer.size()));
    in.open(file, std::ios::binary);
    if (!in) return std::unexpected(fmt::format("{}: cannot open", file.string()));
    ++stats.files;
    for (std::uint64_t number = 1; std::getline(in, line); ++number) {
      std::string problem;
      if (in.eof()) {
        problem = "truncated record (no newline at end of file)";
      } else if (line.empty()) {
        problem = "empty line";
      } else if (auto ok = parse_record(line, rec); !ok) {
        problem = std::move(ok.error());
      }
      if (!problem.empty()) {
        ++stats.unreadable;
        on_problem(fmt::format("{}:{}: {}", file.string(), number, problem));
        continue;
      }
      ++stats.records;
      on_record(rec);
    }
    if (in.bad()) return std::unexpected(fmt::format("{}: read error", file.string()));
  }
  return stats;
}

std::expected<scan_stats, std::string> scan_chain(const std::filesystem::path& live, const record_sink& on_record,
                                                  const problem_sink& on_problem) {
  auto files = chain_files(live);
  if (!files) return std::unexpected(files.error());
  if (files->empty()) return std::unexpected(fmt::format("no audit log at {}", live.string()));
  return scan(*files, on_record, on_problem);
}

}  // namespace kizuna::audit
