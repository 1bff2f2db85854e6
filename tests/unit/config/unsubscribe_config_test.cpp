// admin_http and unsubscribe (SPEC §3, §10): the key file format (secret_keys.hpp)
// and how its problems are located; the invalid fixtures cover the other wording.
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "relay/config/loader.hpp"
#include "relay/config/secret_keys.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/unit/config/support.hpp"

namespace fs = std::filesystem;
using namespace kizuna::config;
using kizuna::test::printed;
using kizuna::test::temp_dir;
using kizuna::test::write_file;

namespace {

const std::string hex_key = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const std::string head =
    "listen:\n  - address: 127.0.0.1:2525\ndownstream:\n  maildir: md\nredis:\n  embedded: true\n";

std::vector<std::string> problems_of(std::string_view text) {
  auto keys = parse_secret_keys(text);
  BOOST_REQUIRE(!keys.has_value());
  std::vector<std::string> out;
  for (const auto& p : keys.error())
    out.push_back(std::to_string(p.line) + ":" + std::to_string(p.column) + ": " + p.message);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(secret_key_file)

BOOST_AUTO_TEST_CASE(hex_and_base64_keys_in_file_order) {
  const std::string text = "# rotated 2026-04\r\n" + hex_key + "\r\n\n  # old\n" +
                           "  q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=\t\n" +  // standard, padded
                           "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80\n" +       // unpadded
                           "-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_\n";       // URL-safe
  auto keys = parse_secret_keys(text);
  BOOST_REQUIRE(keys.has_value());
  BOOST_REQUIRE_EQUAL(keys->size(), 4u);
  BOOST_TEST((*keys)[0].size() == 32u);
  BOOST_TEST((*keys)[0][31] == '\x1f');
  BOOST_TEST((*keys)[1].size() == 32u);
  BOOST_TEST((*keys)[1] == (*keys)[2]);
  BOOST_TEST((*keys)[3].size() == 33u);
}

BOOST_AUTO_TEST_CASE(an_empty_file_has_no_keys) {
  auto keys = parse_secret_keys("# nothing yet\n\n   \n");
  BOOST_REQUIRE(keys.has_value());
  BOOST_TEST(keys->empty());
}

BOOST_AUTO_TEST_CASE(problems_carry_line_and_column) {
  const auto problems = problems_of(
      "00112233445566778899aabbccddeeff\n"          // 16 bytes
      "  abc def\n"                                  // space inside
      + hex_key + "\n" +
      "q83v+jRW_Jq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=\n"  // both alphabets
      "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq8\n"    // 4n+2 digits but non-canonical end
      "パスワード\n");
  BOOST_TEST(problems ==
                 (std::vector<std::string>{
                     "1:1: key of 16 bytes; at least 32 are required (make one with: openssl rand -hex 32)",
                     "2:6: unexpected ' ' in a key (expected one hex or base64 key per line)",
                     "4:1: a key mixes the standard (+/) and URL-safe (-_) base64 alphabets",
                     "5:1: a key that is neither hex nor valid base64 (wrong length or padding)",
                     "6:1: unexpected byte 0xE3 in a key (expected one hex or base64 key per line)",
                 }),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(key_count_and_length_are_bounded) {
  std::string many;
  for (std::size_t i = 0; i <= max_keys; ++i) many += hex_key + "\n";
  BOOST_TEST(problems_of(many) == (std::vector<std::string>{"17:1: more than 16 keys; remove the retired ones"}),
             boost::test_tools::per_element());
  BOOST_TEST(problems_of(std::string(1026, 'a')) ==
                 (std::vector<std::string>{"1:1: a key longer than 1024 characters"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(unsubscribe_section)

BOOST_AUTO_TEST_CASE(secret_file_problems_point_into_the_key_file_after_the_config_ones) {
  temp_dir dir;
  write_file(dir.path() / "keys", "# current\nshort\n");
  write_file(dir.path() / "kizuna.yaml",
             head + "unsubscribe:\n  base_url: https://u.example.com\n  secret_file: keys\nthreads: 0\n");
  auto loaded = load(dir.path() / "kizuna.yaml");
  BOOST_REQUIRE(!loaded.has_value());
  BOOST_TEST(printed(loaded.error(), dir.path()) ==
                 (std::vector<std::string>{
                     "kizuna.yaml:10:10: threads: must be between 1 and 256, got 0",
                     "keys:2:1: unsubscribe.secret_file: a key that is neither hex nor valid base64 (wrong "
                     "length or padding)",
                 }),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(base_url_must_be_absolute_http_without_query) {
  temp_dir dir;
  write_file(dir.path() / "keys", hex_key + "\n");
  auto errors_for = [&](const std::string& url) {
    write_file(dir.path() / "kizuna.yaml",
               head + "unsubscribe:\n  base_url: \"" + url + "\"\n  secret_file: keys\n");
    auto loaded = load(dir.path() / "kizuna.yaml");
    std::vector<std::string> out;
    if (!loaded)
      for (const auto& d : loaded.error()) out.push_back(d.message);
    return out;
  };
  BOOST_TEST(errors_for("https://u.example.com").empty());
  BOOST_TEST(errors_for("http://127.0.0.1:8080/kizuna/").empty());
  for (auto bad : {"u.example.com", "https://", "https:///u", "https://u.example.com/a b", "https://u.example.com/#x",
                   "https://u.example.com/<x>", "https://例え.jp"})
    BOOST_TEST_CONTEXT(bad) { BOOST_TEST(errors_for(bad).size() == 1u); }
}

BOOST_AUTO_TEST_CASE(admin_http_listen_is_tcp_and_not_an_smtp_listener) {
  temp_dir dir;
  write_file(dir.path() / "kizuna.yaml", head + "admin_http:\n  listen: 127.0.0.1:0\n");
  auto loaded = load(dir.path() / "kizuna.yaml");
  BOOST_REQUIRE(loaded.has_value());
  BOOST_TEST((*loaded)->admin_http->listen.port == 0);
  BOOST_TEST(!(*loaded)->unsubscribe.has_value());
}

BOOST_AUTO_TEST_SUITE_END()
