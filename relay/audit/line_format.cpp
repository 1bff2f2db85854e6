#include "relay/audit/line_format.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <ctime>

#include <fmt/format.h>

#include "relay/audit/chain.hpp"
#include "relay/core/utf8.hpp"

namespace kizuna::audit {
namespace {

constexpr std::array<std::string_view, 16> field_names = {
    "ts",       "seq",  "instance",       "message_id", "campaign",         "category", "rcpt", "decision",
    "rule",     "policy_version", "persona", "downstream_reply", "copy_id", "dkim", "prev",     "hash"};
// Present only in records about one copy (copy_id: relay intent, outcome; dkim:
// a relay intent or release when DKIM is configured); older logs never have them.
constexpr bool is_optional(std::string_view key) noexcept { return key == "copy_id" || key == "dkim"; }

constexpr std::string_view hash_key = ",\"hash\":\"";
constexpr std::size_t hash_tail_size = hash_key.size() + 64 + 2;  // ,"hash":" + hex + "}

constexpr std::string_view replacement = "\xEF\xBF\xBD";  // U+FFFD

bool is_digits(std::string_view s) {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// "YYYY-MM-DDTHH:MM:SS.mmmZ"
bool is_timestamp(std::string_view s) {
  if (s.size() != 24) return false;
  constexpr std::string_view shape = "dddd-dd-ddTdd:dd:dd.dddZ";
  for (std::size_t i = 0; i < s.size(); ++i)
    if (shape[i] == 'd' ? !is_digits(s.substr(i, 1)) : s[i] != shape[i]) return false;
  return true;
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      if (std::size_t n = utf8_sequence_length(s, i)) {
        out.append(s.substr(i, n));
        i += n;
      } else {
        out += replacement;
        i += utf8_maximal_subpart(s, i);
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 0xF];
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
}

std::string format_timestamp(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto secs = floor<seconds>(t);
  const auto millis = duration_cast<milliseconds>(t - secs).count();
  const std::time_t tt = system_clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
}

std::string format_body(const record& r, std::uint64_t seq, std::string_view prev) {
  std::string out;
  out.reserve(256 + r.rcpt.size() + r.downstream_reply.size());
  auto field = [&out](std::string_view key, std::string_view value) {
    out += ",\"";
    out += key;
    out += "\":";
    append_json_string(out, value);
  };
  out += "{\"ts\":\"";
  out += format_timestamp(r.ts);
  out += "\",\"seq\":";
  out += std::to_string(seq);
  field("instance", r.instance);
  field("message_id", r.message_id);
  field("campaign", r.campaign);
  field("category", r.category);
  field("rcpt", r.rcpt);
  field("decision", to_string(r.decision));
  field("rule", r.rule);
  field("policy_version", r.policy_version);
  field("persona", r.persona);
  field("downstream_reply", r.downstream_reply);
  if (!r.copy_id.empty()) field("copy_id", r.copy_id);
  if (!r.dkim.empty()) field("dkim", r.dkim);
  field("prev", prev);
  return out;
}

std::string format_line(std::string_view body, std::string_view hash) {
  std::string line;
  line.reserve(body.size() + hash_tail_size + 1);
  line += body;
  line += hash_key;
  line += hash;
  line += "\"}\n";
  return line;
}

std::expected<chained_line, std::string> parse_line(std::string_view line) {
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(line, ec);
  if (ec) return std::unexpected("malformed record (" + ec.message() + ")");
  const auto* obj = v.if_object();
  if (!obj) return std::unexpected(std::string("malformed record (not a JSON object)"));

  std::size_t i = 0;
  for (const auto& kv : *obj) {
    while (i < field_names.size() && is_optional(field_names[i]) && kv.key() != field_names[i]) ++i;
    if (i >= field_names.size())
      return std::unexpected(fmt::format("unexpected field \"{}\" after \"hash\"", std::string_view(kv.key())));
    if (kv.key() != field_names[i])
      return std::unexpected(fmt::format("fields out of order or missing (field {} is \"{}\", expected \"{}\")",
                                         i + 1, std::string_view(kv.key()), field_names[i]));
    ++i;
  }
  if (i < field_names.size()) return std::unexpected(fmt::format("field \"{}\" missing", field_names[i]));

  chained_line out;
  const auto& seq = obj->at("seq");
  if (seq.is_int64() && seq.get_int64() > 0) out.seq = static_cast<std::uint64_t>(seq.get_int64());
  else if (seq.is_uint64()) out.seq = seq.get_uint64();
  else return std::unexpected(std::string("\"seq\" is not a positive integer"));
  for (std::string_view key : field_names) {
    if (key == "seq" || (is_optional(key) && !obj->contains(key))) continue;
    if (!obj->at(key).is_string()) return std::unexpected(fmt::format("\"{}\" is not a string", key));
  }
  if (!is_timestamp(obj->at("ts").get_string()))
    return std::unexpected(std::string("\"ts\" is not RFC 3339 UTC with milliseconds"));
  out.prev = obj->at("prev").get_string();
  out.hash = obj->at("hash").get_string();
  if (!is_hash_hex(out.prev)) return std::unexpected(std::string("\"prev\" is not 64 lowercase hex digits"));
  if (!is_hash_hex(out.hash)) return std::unexpected(std::string("\"hash\" is not 64 lowercase hex digits"));

  // The hash covers the exact bytes before `,"hash":`, so that field must end the line verbatim.
  const std::size_t tail = line.size() >= hash_tail_size ? line.size() - hash_tail_size : 0;
  if (line.size() < hash_tail_size || line.substr(tail, hash_key.size()) != hash_key ||
      line.substr(tail + hash_key.size(), 64) != out.hash || !line.ends_with("\"}"))
    return std::unexpected(
        std::string("hash field not written canonically (must end the line as ,\"hash\":\"<hex>\"})"));
  out.body = line.substr(0, tail);
  return out;
}

}  // namespace kizuna::audit
