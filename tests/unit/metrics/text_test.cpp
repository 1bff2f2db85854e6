// Prometheus text format lexics (relay/metrics/text.hpp): escaping of label
// values and help text, name rules, number spelling.
#define BOOST_TEST_MODULE metrics
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <limits>
#include <string>

#include "relay/metrics/text.hpp"

using namespace kizuna::metrics;

namespace {
std::string label(std::string_view v) {
  std::string out;
  append_label_value(out, v);
  return out;
}
std::string help(std::string_view v) {
  std::string out;
  append_help(out, v);
  return out;
}
std::string value(double v) {
  std::string out;
  append_value(out, v);
  return out;
}
}  // namespace

BOOST_AUTO_TEST_CASE(label_values_escape_backslash_quote_and_newline) {
  BOOST_TEST(label(R"(a\b)") == R"(a\\b)");
  BOOST_TEST(label(R"(say "hi")") == R"(say \"hi\")");
  BOOST_TEST(label("two\nlines") == R"(two\nlines)");
  BOOST_TEST(label("\\\"\n") == R"(\\\"\n)");
  BOOST_TEST(label("配信停止") == "配信停止");  // UTF-8 passes as is
  BOOST_TEST(label("tab\there") == "tab\there");
}

BOOST_AUTO_TEST_CASE(help_escapes_backslash_and_newline_but_not_quotes) {
  BOOST_TEST(help(R"(a\b "q")") == R"(a\\b "q")");
  BOOST_TEST(help("one\ntwo") == R"(one\ntwo)");
}

BOOST_AUTO_TEST_CASE(values_use_the_shortest_exact_spelling) {
  BOOST_TEST(value(0.0005) == "0.0005");
  BOOST_TEST(value(10) == "10");
  BOOST_TEST(value(2.5) == "2.5");
  BOOST_TEST(value(1e-05) == "1e-05");
  BOOST_TEST(value(0.1 + 0.2) == "0.30000000000000004");
  BOOST_TEST(value(std::numeric_limits<double>::infinity()) == "+Inf");
  BOOST_TEST(value(-std::numeric_limits<double>::infinity()) == "-Inf");
  BOOST_TEST(value(std::numeric_limits<double>::quiet_NaN()) == "NaN");
  std::string out;
  append_value(out, std::uint64_t{18446744073709551615u});
  BOOST_TEST(out == "18446744073709551615");
  out.clear();
  append_value(out, std::int64_t{-3});
  BOOST_TEST(out == "-3");
}

BOOST_AUTO_TEST_CASE(names_follow_the_data_model) {
  BOOST_TEST(valid_metric_name("kizuna_recipients_total"));
  BOOST_TEST(valid_metric_name("a:b_c9"));
  BOOST_TEST(!valid_metric_name("9lives"));
  BOOST_TEST(!valid_metric_name("kizuna-x"));
  BOOST_TEST(!valid_metric_name(""));
  BOOST_TEST(valid_label_name("rule"));
  BOOST_TEST(valid_label_name("_x1"));
  BOOST_TEST(!valid_label_name("__name__"));
  BOOST_TEST(!valid_label_name("a:b"));
  BOOST_TEST(!valid_label_name("1a"));
}
