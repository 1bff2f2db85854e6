// SASL helpers: strict base64 (RFC 4648), the PLAIN message (RFC 4616).
#include "relay/smtp/sasl.hpp"

#include <boost/test/unit_test.hpp>
#include <string>

using namespace kizuna::smtp;
using namespace std::string_literals;

BOOST_AUTO_TEST_SUITE(base64)

BOOST_AUTO_TEST_CASE(rfc_4648_test_vectors_round_trip) {
  const std::pair<std::string, std::string> vectors[] = {
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    BOOST_TEST(base64_encode(plain) == encoded);
    auto decoded = base64_decode(encoded);
    BOOST_REQUIRE(decoded.has_value());
    BOOST_TEST(*decoded == plain);
  }
}

BOOST_AUTO_TEST_CASE(binary_bytes_round_trip) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  BOOST_TEST(*base64_decode(base64_encode(all)) == all);
}

BOOST_AUTO_TEST_CASE(malformed_input_is_refused) {
  for (const char* bad : {"Zg", "Zg=", "Z===", "Zm9v!", "Zm 9v", "Zg==Zg==", "Zh==", "Zm9=", "=Zm9"})
    BOOST_TEST(!base64_decode(bad).has_value(), bad);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(plain_mechanism)

BOOST_AUTO_TEST_CASE(splits_authzid_user_and_password) {
  auto c = parse_plain("admin\0alice\0secret"s);
  BOOST_REQUIRE(c.has_value());
  BOOST_TEST(c->authzid == "admin");
  BOOST_TEST(c->user == "alice");
  BOOST_TEST(c->password == "secret");
}

BOOST_AUTO_TEST_CASE(empty_authzid_is_allowed) {
  auto c = parse_plain("\0alice\0secret"s);
  BOOST_REQUIRE(c.has_value());
  BOOST_TEST(c->authzid.empty());
}

BOOST_AUTO_TEST_CASE(missing_parts_or_empty_user_or_password_are_refused) {
  for (const auto& bad : {"alice\0secret"s, "\0\0secret"s, "\0alice\0"s, "\0alice\0pass\0word"s, ""s,
                          "\0"s + std::string(256, 'u') + "\0pw"s})
    BOOST_TEST(!parse_plain(bad).has_value());
}

BOOST_AUTO_TEST_CASE(plain_response_is_nul_user_nul_password_in_base64) {
  BOOST_TEST(plain_response("alice", "secret") == base64_encode("\0alice\0secret"s));
  BOOST_TEST(plain_response("alice", "secret") == "AGFsaWNlAHNlY3JldA==");
}

BOOST_AUTO_TEST_CASE(wipe_empties_the_secret) {
  std::string s = "secret";
  wipe(s);
  BOOST_TEST(s.empty());
}

BOOST_AUTO_TEST_SUITE_END()
