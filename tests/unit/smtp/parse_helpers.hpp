// Shared helpers for the command parser tests: parse a line and require success
// or failure, reporting the line and the reply when the expectation is wrong.
#pragma once

#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "relay/smtp/command_parser.hpp"

// Printers so failed BOOST_TEST comparisons show the values.
namespace kizuna::smtp {
inline std::ostream& boost_test_print_type(std::ostream& os, verb v) { return os << "verb#" << int(v); }
inline std::ostream& boost_test_print_type(std::ostream& os, body_type b) { return os << "body#" << int(b); }
}  // namespace kizuna::smtp

template <>
struct boost::test_tools::tt_detail::print_log_value<std::optional<uint64_t>> {
  void operator()(std::ostream& os, const std::optional<uint64_t>& v) {
    if (v)
      os << *v;
    else
      os << "nullopt";
  }
};

namespace kizuna::smtp::test {

inline command accepted(std::string_view line) {
  auto r = parse_command(line);
  BOOST_REQUIRE_MESSAGE(r.has_value(),
                        "expected '" << line << "' to parse, got " << (r ? std::string() : r.error().wire()));
  return *r;
}

inline reply rejected(std::string_view line) {
  auto r = parse_command(line);
  BOOST_REQUIRE_MESSAGE(!r.has_value(), "expected '" << line << "' to be rejected");
  return r.error();
}

// "501 5.1.7" style prefix of a rejection, for compact assertions.
inline std::string status_of(std::string_view line) {
  auto r = rejected(line);
  return std::to_string(r.code) + " " + r.enhanced;
}

}  // namespace kizuna::smtp::test
