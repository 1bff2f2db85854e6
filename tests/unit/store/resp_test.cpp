#define BOOST_TEST_MODULE store
// resp: commands are encoded exactly as hiredis' redisFormatCommandArgv would
// (binary-safe multi-bulk), and an empty command is refused.
#include <boost/test/unit_test.hpp>

#include <hiredis/hiredis.h>

#include "relay/store/resp.hpp"

using namespace kizuna::store;

namespace {

std::string hiredis_encoding(const std::vector<std::string>& command) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const auto& a : command) argv.push_back(a.data()), lens.push_back(a.size());
  char* out = nullptr;
  const int n = redisFormatCommandArgv(&out, static_cast<int>(argv.size()), argv.data(), lens.data());
  std::string s(out, static_cast<std::size_t>(n));
  redisFreeCommand(out);
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(resp_encoding)

BOOST_AUTO_TEST_CASE(a_command_is_a_multi_bulk_of_its_arguments) {
  std::string out;
  BOOST_TEST(resp::append_command(out, {"HGETALL", "kizuna:optout:{a@example.com}"}));
  BOOST_TEST(out == "*2\r\n$7\r\nHGETALL\r\n$29\r\nkizuna:optout:{a@example.com}\r\n");
}

BOOST_AUTO_TEST_CASE(encodings_match_hiredis_and_append_to_what_is_there) {
  const std::vector<std::vector<std::string>> commands = {
      {"PING"},
      {"SET", std::string("a\0b\r\nc\xff", 7), "", "EX", "86400"},
      {"ZADD", "kizuna:sent:{山田@例え.jp}", "1700000000", std::string(100000, 'x')},
  };
  std::string out = "prefix", expected = "prefix";
  for (const auto& c : commands) {
    BOOST_TEST(resp::append_command(out, c));
    expected += hiredis_encoding(c);
  }
  BOOST_TEST(out == expected);
}

BOOST_AUTO_TEST_CASE(an_empty_command_is_refused) {
  std::string out;
  BOOST_TEST(!resp::append_command(out, {}));
  BOOST_TEST(out.empty());
}

BOOST_AUTO_TEST_SUITE_END()

// fuzz_resp finding: "*<huge>" alone made hiredis allocate the claimed element
// pointers (9 GB for *1116211611) and spend seconds freeing them. An array may
// not claim more elements than the byte limit could hold, nor more than 1M.
BOOST_AUTO_TEST_CASE(an_array_claiming_more_elements_than_the_limit_allows_is_refused_at_once) {
  for (std::string_view wire : {"*1116211611\r\n:1\r\n", "*2000000\r\n", "*1\r\n*1048577\r\n"}) {
    resp::decoder d(std::size_t{64} << 20);
    BOOST_TEST(!d.feed(wire.data(), wire.size()));
    auto r = d.next();
    BOOST_TEST(!r.has_value(), wire);
    BOOST_TEST(d.error_text().find("longer than 1048576 elements") != std::string::npos, d.error_text());
  }
  // With a small byte limit the element limit follows it (3 bytes per element).
  resp::decoder small(500);
  const std::string_view claim = "*167\r\n";  // 500 / 3 = 166
  BOOST_TEST(!small.feed(claim.data(), claim.size()));
  BOOST_TEST(!small.next().has_value());
  resp::decoder ok(500);
  std::string fits = "*100\r\n";
  for (int i = 0; i < 100; ++i) fits += ":1\r\n";
  BOOST_TEST(!ok.feed(fits.data(), fits.size()));
  auto v = ok.next();
  BOOST_TEST_REQUIRE(v.has_value());
  BOOST_TEST_REQUIRE(v->has_value());
  BOOST_TEST((*v)->elements.size() == 100u);
}
