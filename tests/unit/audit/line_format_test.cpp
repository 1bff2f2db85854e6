#define BOOST_TEST_MODULE audit
// The byte-exact record format of record.hpp: a golden line (its hash computed
// independently with Python's hashlib), JSON escaping, invalid UTF-8, parse checks.
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>

#include "relay/audit/chain.hpp"
#include "relay/audit/line_format.hpp"
#include "relay/audit/reader.hpp"
#include "relay/audit/record.hpp"

using namespace kizuna::audit;

namespace {

record golden_record() {
  record r;
  r.ts = std::chrono::sys_days{std::chrono::year{2026} / 11 / 22} + std::chrono::hours{15} + std::chrono::minutes{4} +
         std::chrono::seconds{5} + std::chrono::milliseconds{123} + std::chrono::microseconds{999};
  r.instance = "mx1";
  r.message_id = "6B030F29000001";
  r.campaign = "spring";
  r.category = "newsletter";
  r.rcpt = "a@example.org";
  r.decision = action::relay;
  r.rule = "optout";
  r.policy_version = "p1";
  r.downstream_reply = "250 2.0.0 Ok";
  return r;
}

// The line for `value` in the rcpt field, parsed back.
std::string round_trip_rcpt(const std::string& value) {
  record r = golden_record();
  r.rcpt = value;
  const std::string body = format_body(r, 7, genesis_hash);
  std::string line = format_line(body, chain_hash(genesis_hash, body));
  line.pop_back();  // "\n"
  BOOST_TEST_REQUIRE(parse_line(line).has_value());
  return std::string(boost::json::parse(line).as_object().at("rcpt").as_string());
}

}  // namespace

BOOST_AUTO_TEST_CASE(golden_line_matches_the_documented_format_and_hash) {
  const std::string body = format_body(golden_record(), 1, genesis_hash);
  const std::string line = format_line(body, chain_hash(genesis_hash, body));
  BOOST_TEST(line ==
             "{\"ts\":\"2026-11-22T15:04:05.123Z\",\"seq\":1,\"instance\":\"mx1\",\"message_id\":\"6B030F29000001\","
             "\"campaign\":\"spring\",\"category\":\"newsletter\",\"rcpt\":\"a@example.org\",\"decision\":\"relay\","
             "\"rule\":\"optout\",\"policy_version\":\"p1\",\"persona\":\"\",\"downstream_reply\":\"250 2.0.0 Ok\","
             "\"prev\":\"0000000000000000000000000000000000000000000000000000000000000000\","
             "\"hash\":\"28c2429111216edf50b2e1d750daa1703cd9066005850ff9181f8769a9a419b7\"}\n");
}

BOOST_AUTO_TEST_CASE(timestamps_are_utc_with_truncated_milliseconds) {
  using namespace std::chrono;
  BOOST_TEST(format_timestamp(system_clock::time_point{}) == "1970-01-01T00:00:00.000Z");
  BOOST_TEST(format_timestamp(golden_record().ts) == "2026-11-22T15:04:05.123Z");
}

BOOST_AUTO_TEST_CASE(quotes_backslashes_and_control_characters_are_escaped) {
  std::string out;
  append_json_string(out, "q\"b\\n\nc\x01\t\r\b\f\x1f\x7f");
  BOOST_TEST(out == "\"q\\\"b\\\\n\\nc\\u0001\\t\\r\\b\\f\\u001f\x7f\"");
  using namespace std::string_literals;
  const std::string nasty = "a\"b\\c\r\nd\x00"s + "e\x1b[31m";
  BOOST_TEST(round_trip_rcpt(nasty) == nasty);
}

BOOST_AUTO_TEST_CASE(non_ascii_is_kept_as_utf8) {
  BOOST_TEST(round_trip_rcpt("山田太郎 <taro@例え.jp> ✉ 😀") == "山田太郎 <taro@例え.jp> ✉ 😀");
  std::string out;
  append_json_string(out, "あ\u2028");
  BOOST_TEST(out == "\"あ\u2028\"");
}

BOOST_AUTO_TEST_CASE(invalid_utf8_becomes_replacement_characters) {
  const std::string fffd = "\xEF\xBF\xBD";
  BOOST_TEST(round_trip_rcpt("a\xFF" "b") == "a" + fffd + "b");
  BOOST_TEST(round_trip_rcpt("\xC0\xAF") == fffd + fffd);                 // overlong '/'
  BOOST_TEST(round_trip_rcpt("\xED\xA0\x80x") == fffd + fffd + fffd + "x");  // a surrogate
  BOOST_TEST(round_trip_rcpt("\xE3\x81") == fffd);                        // cut-off あ: one maximal subpart
  BOOST_TEST(round_trip_rcpt("\xE3\x81" "A") == fffd + "A");
  BOOST_TEST(round_trip_rcpt("\xF4\x90\x80\x80") == fffd + fffd + fffd + fffd);  // above U+10FFFF
  BOOST_TEST(round_trip_rcpt("\xF0\x9F\x98\x80") == "\xF0\x9F\x98\x80");        // 😀 is fine
}

BOOST_AUTO_TEST_CASE(parse_line_rejects_what_the_writer_never_writes) {
  const std::string body = format_body(golden_record(), 1, genesis_hash);
  std::string line = format_line(body, chain_hash(genesis_hash, body));
  line.pop_back();
  auto ok = parse_line(line);
  BOOST_TEST_REQUIRE(ok.has_value());
  BOOST_TEST(ok->seq == 1u);
  BOOST_TEST(ok->body == body);

  auto error_of = [](const std::string& l) {
    auto r = parse_line(l);
    return r ? std::string("accepted") : r.error();
  };
  BOOST_TEST(error_of(line.substr(0, 40)).starts_with("malformed record"));
  BOOST_TEST(error_of("[1,2]") == "malformed record (not a JSON object)");
  std::string swapped = line;
  const std::string in_order = "\"campaign\":\"spring\",\"category\":\"newsletter\"";
  swapped.replace(swapped.find(in_order), in_order.size(), "\"category\":\"newsletter\",\"campaign\":\"spring\"");
  BOOST_TEST(error_of(swapped).starts_with("fields out of order"), error_of(swapped));
  std::string null_rule = line;
  null_rule.replace(null_rule.find("\"optout\""), 8, "null");
  BOOST_TEST(error_of(null_rule) == "\"rule\" is not a string");
  std::string spaced = line;
  spaced.insert(spaced.size() - 1, " ");
  BOOST_TEST(error_of(spaced).starts_with("hash field not written canonically"));
  std::string upper = line;
  upper.replace(upper.find("28c2"), 4, "28C2");
  BOOST_TEST(error_of(upper) == "\"hash\" is not 64 lowercase hex digits");
  std::string bad_ts = line;
  bad_ts.replace(bad_ts.find(".123Z"), 5, "+0000");
  BOOST_TEST(error_of(bad_ts) == "\"ts\" is not RFC 3339 UTC with milliseconds");
}

BOOST_AUTO_TEST_CASE(actions_have_their_documented_names) {
  BOOST_TEST(std::string(to_string(action::relay)) == "relay");
  BOOST_TEST(std::string(to_string(action::discard)) == "discard");
  BOOST_TEST(std::string(to_string(action::unsubscribe)) == "unsubscribe");
  BOOST_TEST((parse_action("hold") == action::hold));
  BOOST_TEST(!parse_action("maybe").has_value());
}

// Issue 11: relay and outcome records carry copy_id between downstream_reply and
// prev; other records, and every record of older logs, have none. Both parse and
// the reader gives the copy_id back.
BOOST_AUTO_TEST_CASE(copy_id_is_written_only_when_set_and_parses_either_way) {
  record r = golden_record();
  const std::string without = format_body(r, 1, genesis_hash);
  BOOST_TEST(without.find("copy_id") == std::string::npos);
  r.decision = action::outcome;
  r.copy_id = "6B14EB866379E7A375000000-2";
  const std::string with = format_body(r, 2, genesis_hash);
  BOOST_TEST(with.find(",\"downstream_reply\":\"250 2.0.0 Ok\",\"copy_id\":\"6B14EB866379E7A375000000-2\","
                       "\"prev\":") != std::string::npos, with);
  for (const std::string& body : {without, with}) {
    std::string line = format_line(body, chain_hash(genesis_hash, body));
    line.pop_back();
    BOOST_TEST(parse_line(line).has_value(), line);
    stored_record s;
    BOOST_TEST_REQUIRE(parse_record(line, s).has_value());
    BOOST_TEST(s.copy_id == (body == with ? r.copy_id : ""));
  }
  // Anywhere else it is out of order.
  std::string misplaced = with;
  misplaced.erase(misplaced.find(",\"copy_id\""), std::string(",\"copy_id\":\"6B14EB866379E7A375000000-2\"").size());
  misplaced.insert(misplaced.find(",\"rule\""), ",\"copy_id\":\"x\"");
  std::string line = format_line(misplaced, chain_hash(genesis_hash, misplaced));
  line.pop_back();
  BOOST_TEST(!parse_line(line).has_value());
  BOOST_TEST((parse_action("outcome") == action::outcome));
}

// Issue 12: a relay intent under a dkim config names its signature (or why it
// has none) in "dkim", after copy_id; absent otherwise, and out of order anywhere else.
BOOST_AUTO_TEST_CASE(dkim_is_written_after_copy_id_only_when_set) {
  record r = golden_record();
  r.copy_id = "6B14EB866379E7A375000000-0";
  r.dkim = "d=example.com s=k2026 s=ed2026";
  const std::string with = format_body(r, 1, genesis_hash);
  BOOST_TEST(with.find(",\"copy_id\":\"6B14EB866379E7A375000000-0\",\"dkim\":\"d=example.com s=k2026 s=ed2026\","
                       "\"prev\":") != std::string::npos, with);
  r.copy_id.clear();
  const std::string dkim_only = format_body(r, 1, genesis_hash);
  for (const std::string& body : {with, dkim_only}) {
    std::string line = format_line(body, chain_hash(genesis_hash, body));
    line.pop_back();
    BOOST_TEST(parse_line(line).has_value(), line);
    stored_record s;
    BOOST_TEST_REQUIRE(parse_record(line, s).has_value());
    BOOST_TEST(s.dkim == "d=example.com s=k2026 s=ed2026");
  }
  std::string misplaced = with;
  misplaced.erase(misplaced.find(",\"dkim\""), std::string(",\"dkim\":\"d=example.com s=k2026 s=ed2026\"").size());
  misplaced.insert(misplaced.find(",\"copy_id\""), ",\"dkim\":\"x\"");
  std::string line = format_line(misplaced, chain_hash(genesis_hash, misplaced));
  line.pop_back();
  BOOST_TEST(!parse_line(line).has_value());
}
