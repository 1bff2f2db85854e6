// SHA-256 and HMAC-SHA256 against published vectors (FIPS 180-4 examples,
// RFC 4231), including the reused per-thread contexts: many keys in turn, more
// than the thread keeps keyed, must each still give their own MAC.
#include <boost/test/unit_test.hpp>
#include <string>

#include "relay/core/sha256.hpp"

using kizuna::hmac_sha256;
using kizuna::sha256_hex;
using kizuna::to_hex;

BOOST_AUTO_TEST_CASE(sha256_matches_the_standard_examples) {
  BOOST_TEST(sha256_hex({"abc"}) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  BOOST_TEST(sha256_hex({"a", "b", "", "c"}) == sha256_hex({"abc"}));  // parts are concatenated
  BOOST_TEST(sha256_hex({}) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  BOOST_TEST(sha256_hex({"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"}) ==
             "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

BOOST_AUTO_TEST_CASE(hmac_matches_rfc_4231) {
  const std::string key1(20, '\x0b');
  const std::string key6(131, '\xaa');
  const std::string mac1 = "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7";
  const std::string mac2 = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
  const std::string mac6 = "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54";
  // Interleaved, and with more keys than a thread keeps set up, twice over.
  for (int round = 0; round < 2; ++round) {
    BOOST_TEST(to_hex(hmac_sha256(key1, "Hi There")) == mac1);
    BOOST_TEST(to_hex(hmac_sha256("Jefe", "what do ya want for nothing?")) == mac2);
    for (char c = 'a'; c < 'h'; ++c) hmac_sha256(std::string(8, c), "filler");
    BOOST_TEST(to_hex(hmac_sha256(key6, "Test Using Larger Than Block-Size Key - Hash Key First")) == mac6);
    BOOST_TEST(to_hex(hmac_sha256(key1, "Hi There")) == mac1);
  }
}
