// The listener's AUTH users file ("user:crypt(3) hash") and the downstream
// credentials file ("user:password"): parsing, errors with line numbers, and
// crypt verification against the fixture (alice / "secret").
#include "relay/smtp/auth_users.hpp"

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "relay/smtp/client_credentials.hpp"

using namespace kizuna::smtp;

namespace {

std::filesystem::path fixture(const char* name) {
  const char* dir = std::getenv("KIZUNA_SOURCE_DIR");
  return std::filesystem::path(dir ? dir : ".") / "tests" / "fixtures" / "config" / "files" / name;
}

// `openssl passwd -6 -salt kizunatest secret`, as in the fixture.
const std::string alice_hash =
    "$6$kizunatest$ppw8QxspSlomo/aVsSnb9bgfHmupS1eUJ3jZ0C6BKEifd/YZuDL10r9DqLTOLS55DUyr8Gcy02raKMhzL758q0";

}  // namespace

BOOST_AUTO_TEST_SUITE(users_file)

BOOST_AUTO_TEST_CASE(fixture_user_alice_verifies_with_secret_only) {
  auto users = auth_users::load(fixture("users"));
  BOOST_REQUIRE_MESSAGE(users.has_value(), users.error());
  BOOST_TEST(users->size() == 1u);
  BOOST_TEST(users->verify("alice", "secret"));
  BOOST_TEST(!users->verify("alice", "Secret"));
  BOOST_TEST(!users->verify("alice", "secret "));
  BOOST_TEST(!users->verify("alice", ""));
  BOOST_TEST(!users->verify("bob", "secret"));
  BOOST_TEST(!users->verify("Alice", "secret"));
}

BOOST_AUTO_TEST_CASE(a_nul_in_the_password_never_verifies) {
  auto users = auth_users::parse("alice:" + alice_hash + "\n", "users");
  BOOST_REQUIRE(users.has_value());
  BOOST_TEST(!users->verify("alice", std::string("secret\0more", 11)));
}

BOOST_AUTO_TEST_CASE(comments_blank_lines_and_crlf_are_accepted) {
  auto users = auth_users::parse("# users\r\n\r\nalice:" + alice_hash + "\r\n# end\n", "users");
  BOOST_REQUIRE_MESSAGE(users.has_value(), users.error());
  BOOST_TEST(users->size() == 1u);
  BOOST_TEST(users->verify("alice", "secret"));
}

BOOST_AUTO_TEST_CASE(yescrypt_hashes_verify) {
  // mkpasswd -m yescrypt secret
  const std::string yescrypt = "$y$j9T$dzWGlbOsmxmLZAuc8BTT7.$8Cy1miubpc9hbEoAOLcjx7K5KXNHehytAO64LZUZKH7";
  auto users = auth_users::parse("carol:" + yescrypt + "\n", "users");
  BOOST_REQUIRE_MESSAGE(users.has_value(), users.error());
  BOOST_TEST(users->verify("carol", "secret"));
  BOOST_TEST(!users->verify("carol", "wrong"));
}

BOOST_AUTO_TEST_CASE(errors_name_the_file_and_line) {
  auto missing_colon = auth_users::parse("# c\nalice " + alice_hash + "\n", "users");
  BOOST_REQUIRE(!missing_colon.has_value());
  BOOST_TEST(missing_colon.error() == "users:2: expected \"user:hash\"");

  auto empty_user = auth_users::parse(":" + alice_hash, "users");
  BOOST_REQUIRE(!empty_user.has_value());
  BOOST_TEST(empty_user.error() == "users:1: empty user name");

  auto duplicate = auth_users::parse("alice:" + alice_hash + "\nalice:" + alice_hash + "\n", "users");
  BOOST_REQUIRE(!duplicate.has_value());
  BOOST_TEST(duplicate.error() == "users:2: duplicate user");
}

BOOST_AUTO_TEST_CASE(plain_text_and_legacy_hashes_are_refused) {
  for (const char* line : {"relay-user:relay-password", "bob:", "bob:abJnggxhB/yWI", "bob:$1$salt$qJH7.N4xYta3aEG/dfqo/0"}) {
    auto r = auth_users::parse(line, "users");
    BOOST_TEST(!r.has_value(), line);
    if (!r) BOOST_TEST(r.error().starts_with("users:1: the hash for \""), r.error());
  }
}

BOOST_AUTO_TEST_CASE(missing_file_is_reported) {
  auto r = auth_users::load("/nonexistent/users");
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error().starts_with("/nonexistent/users: cannot open: "));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(downstream_credentials_file)

BOOST_AUTO_TEST_CASE(fixture_holds_relay_user) {
  auto c = load_client_credentials(fixture("downstream-auth"));
  BOOST_REQUIRE_MESSAGE(c.has_value(), c.error());
  BOOST_TEST(c->user == "relay-user");
  BOOST_TEST(c->password == "relay-password");
}

BOOST_AUTO_TEST_CASE(first_real_line_wins_and_the_password_may_hold_colons) {
  auto c = parse_client_credentials("# smarthost\n\nuser:pa:ss\r\nother:x\n", "auth");
  BOOST_REQUIRE(c.has_value());
  BOOST_TEST(c->user == "user");
  BOOST_TEST(c->password == "pa:ss");
}

BOOST_AUTO_TEST_CASE(malformed_or_empty_files_are_errors) {
  BOOST_TEST(parse_client_credentials("# only a comment\n", "auth").error() ==
             "auth: no credentials (expected a line \"user:password\")");
  BOOST_TEST(parse_client_credentials("userpassword\n", "auth").error() == "auth:1: expected \"user:password\"");
  BOOST_TEST(parse_client_credentials("user:\n", "auth").error() == "auth:1: empty user or password");
}

BOOST_AUTO_TEST_SUITE_END()
