#include <boost/test/unit_test.hpp>

#include "relay/core/base64.hpp"

using namespace kizuna;

BOOST_AUTO_TEST_SUITE(base64)

BOOST_AUTO_TEST_CASE(rfc4648_test_vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"}};
  for (auto [plain, encoded] : vectors) {
    BOOST_TEST(base64_encode(plain) == encoded);
    BOOST_TEST(base64_decode(encoded).value_or("?") == plain);
  }
}

BOOST_AUTO_TEST_CASE(url_alphabet_without_padding) {
  const std::string bytes = "\xfb\xff\xbf";
  BOOST_TEST(base64_encode(bytes) == "+/+/");
  BOOST_TEST(base64_encode(bytes, base64_alphabet::url, false) == "-_-_");
  BOOST_TEST(base64_encode("fo", base64_alphabet::url, false) == "Zm8");
  BOOST_TEST(base64_decode("Zm8", base64_alphabet::url, true).value_or("?") == "fo");
  BOOST_TEST(base64_decode("Zm8=", base64_alphabet::url, true).value_or("?") == "fo");
  BOOST_TEST(base64_decode("-_-_", base64_alphabet::url).value_or("?") == bytes);
  BOOST_TEST(!base64_decode("+/+/", base64_alphabet::url));
  BOOST_TEST(!base64_decode("-_-_"));
}

BOOST_AUTO_TEST_CASE(strict_decoding) {
  BOOST_TEST(!base64_decode("Zm8"));                                        // padding required
  BOOST_TEST(!base64_decode("Z", base64_alphabet::standard, true));         // 4n+1
  BOOST_TEST(!base64_decode("Zm9=", base64_alphabet::standard));           // non-canonical last bits
  BOOST_TEST(!base64_decode("Zh==", base64_alphabet::standard));
  BOOST_TEST(!base64_decode("Zm=8"));                                       // '=' inside
  BOOST_TEST(!base64_decode("Zm8=="));                                      // too much padding
  BOOST_TEST(!base64_decode("Zg="));                                        // padding too short
  BOOST_TEST(!base64_decode("===="));
  BOOST_TEST(!base64_decode("Zm 8="));
  BOOST_TEST(base64_decode("").value_or("?").empty());
}

BOOST_AUTO_TEST_SUITE_END()
