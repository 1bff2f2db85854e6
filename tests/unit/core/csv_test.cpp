#include <boost/test/unit_test.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "relay/core/csv.hpp"

using kizuna::csv_append_field;
using kizuna::csv_reader;

namespace {

// Every record as "line:f1|f2|..." and every error as "line!reason".
std::vector<std::string> read_all(const std::string& text, std::size_t columns = 0) {
  std::istringstream in(text);
  csv_reader reader(in, columns);
  std::vector<std::string> out;
  while (auto r = reader.next()) {
    if (!*r) {
      out.push_back(std::to_string(r->error().line) + "!" + r->error().reason);
      continue;
    }
    std::string s = std::to_string((*r)->line) + ":";
    for (std::size_t i = 0; i < (*r)->fields.size(); ++i) s += (i ? "|" : "") + (*r)->fields[i];
    out.push_back(s);
  }
  return out;
}

using lines = std::vector<std::string>;

}  // namespace

BOOST_AUTO_TEST_SUITE(csv)

BOOST_AUTO_TEST_CASE(plain_records_with_lf_and_crlf) {
  BOOST_TEST(read_all("a,b,c\n1,2,3\n") == (lines{"1:a|b|c", "2:1|2|3"}));
  BOOST_TEST(read_all("a,b,c\r\n1,2,3\r\n") == (lines{"1:a|b|c", "2:1|2|3"}));
  BOOST_TEST(read_all("a,b\r1,2") == (lines{"1:a|b", "2:1|2"}));  // bare CR (old Mac), no final newline
}

BOOST_AUTO_TEST_CASE(quoted_fields_hold_commas_quotes_and_line_breaks) {
  BOOST_TEST(read_all("\"a,b\",\"say \"\"hi\"\"\",c\n") == (lines{"1:a,b|say \"hi\"|c"}));
  BOOST_TEST(read_all("x,\"two\r\nlines\",y\r\nnext,1,2\r\n") == (lines{"1:x|two\r\nlines|y", "3:next|1|2"}));
  BOOST_TEST(read_all("\"\"\n") == (lines{"1:"}));
}

BOOST_AUTO_TEST_CASE(empty_fields_are_kept) {
  BOOST_TEST(read_all("a,,c,\n,,,\n") == (lines{"1:a||c|", "2:|||"}));
}

BOOST_AUTO_TEST_CASE(bom_is_skipped_and_utf8_passes_through) {
  BOOST_TEST(read_all("\xEF\xBB\xBF" "address,reason\n山田@例え.jp,配信停止\n") ==
             (lines{"1:address|reason", "2:山田@例え.jp|配信停止"}));
}

BOOST_AUTO_TEST_CASE(blank_lines_are_skipped_but_counted) {
  BOOST_TEST(read_all("a,b\n\n\r\n1,2\n\n") == (lines{"1:a|b", "4:1|2"}));
}

BOOST_AUTO_TEST_CASE(wrong_column_count_is_reported_with_its_line_and_reading_goes_on) {
  BOOST_TEST(read_all("a,b,c\n1,2,3\n1,2,3,4\n\"multi\nline\",2,3\n1,2\n7,8,9\n", 3) ==
             (lines{"1:a|b|c", "2:1|2|3", "3!expected 3 fields, found 4", "4:multi\nline|2|3",
                    "6!expected 3 fields, found 2", "7:7|8|9"}));
}

BOOST_AUTO_TEST_CASE(malformed_quoting_skips_just_that_record) {
  BOOST_TEST(read_all("ab\"c,d\nok,1\n") == (lines{"1!quote inside an unquoted field", "2:ok|1"}));
  BOOST_TEST(read_all("\"ab\"c,d\nok,1\n") == (lines{"1!text after a closing quote", "2:ok|1"}));
  BOOST_TEST(read_all("ok,1\n\"never closed,2\nx,3\n") == (lines{"1:ok|1", "2!unterminated quoted field"}));
}

BOOST_AUTO_TEST_CASE(records_longer_than_one_read_chunk) {
  const std::string big(200000, 'x');
  BOOST_TEST(read_all("\"" + big + "\",b\nc,d\n") == (lines{"1:" + big + "|b", "2:c|d"}));
}

BOOST_AUTO_TEST_CASE(writer_quotes_only_when_needed_and_round_trips) {
  std::string out;
  for (const char* f : {"plain", "a,b", "say \"hi\"", "two\nlines", " padded", "", "山田"}) {
    if (!out.empty()) out.push_back(',');
    csv_append_field(out, f);
  }
  BOOST_TEST(out == "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\" padded\",,山田");
  BOOST_TEST(read_all(out + "\r\n") == (lines{"1:plain|a,b|say \"hi\"|two\nlines| padded||山田"}));
}

BOOST_AUTO_TEST_SUITE_END()
