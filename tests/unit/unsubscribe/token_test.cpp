// Unsubscribe tokens (relay/unsubscribe/token.hpp): round trip, scope and campaign
// carried (version 2), version-1 tokens still verifying, tampering and forgery refused, key rotation, malformed and oversized input.
#define BOOST_TEST_MODULE unsubscribe
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "relay/core/base64.hpp"
#include "relay/core/sha256.hpp"
#include "relay/unsubscribe/token.hpp"

using namespace kizuna;
using namespace kizuna::unsubscribe;

namespace {

const std::string key_a(32, 'a');
const std::string key_b = "0123456789abcdef0123456789abcdef-second-key";
const std::string key_c(48, '\x7f');

std::string token_for(std::string_view address, std::string_view scope, const std::vector<std::string>& keys) {
  auto t = make_token(address, scope, keys);
  BOOST_REQUIRE_MESSAGE(t.has_value(), (t ? "" : t.error()));
  return *t;
}

std::vector<std::string> keys(std::initializer_list<std::string> k) { return k; }

}  // namespace

BOOST_AUTO_TEST_CASE(round_trip_carries_address_and_scope) {
  const auto k = keys({key_a});
  auto claims = verify_token(token_for("taro@example.com", "newsletter", k), k);
  BOOST_REQUIRE(claims.has_value());
  BOOST_TEST(claims->address == "taro@example.com");
  BOOST_TEST(claims->scope == "newsletter");
  auto all = verify_token(token_for("taro@example.com", "*", k), k);
  BOOST_REQUIRE(all.has_value());
  BOOST_TEST(all->scope == "*");
}

BOOST_AUTO_TEST_CASE(address_is_normalized_before_signing) {
  const auto k = keys({key_a});
  BOOST_TEST(token_for("  Taro@Example.COM ", "*", k) == token_for("taro@example.com", "*", k));
  auto claims = verify_token(token_for("user@bücher.example", "*", k), k);
  BOOST_REQUIRE(claims.has_value());
  BOOST_TEST(claims->address == "user@xn--bcher-kva.example");
}

BOOST_AUTO_TEST_CASE(token_is_url_safe_base64_without_padding) {
  const auto k = keys({key_a});
  for (auto address : {"a@b.example", "ab@b.example", "abc@b.example", "taro.yamada+news@example.co.jp"}) {
    const auto t = token_for(address, "newsletter", k);
    BOOST_TEST(t.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
               std::string::npos);
    // version, scope length, scope, address, 16-byte MAC
    auto bytes = base64_decode(t, base64_alphabet::url, true);
    BOOST_REQUIRE(bytes.has_value());
    BOOST_TEST(bytes->size() == 2 + 10 + std::string_view(address).size() + 16);
    BOOST_TEST(int((*bytes)[0]) == 1);
    BOOST_TEST(int((*bytes)[1]) == 10);
  }
}

BOOST_AUTO_TEST_CASE(every_single_character_change_is_refused) {
  const auto k = keys({key_a});
  const auto t = token_for("taro@example.com", "newsletter", k);
  for (std::size_t i = 0; i < t.size(); ++i) {
    for (char c : {'A', 'z', '-', '_', '0'}) {
      if (t[i] == c) continue;
      std::string tampered = t;
      tampered[i] = c;
      BOOST_TEST_CONTEXT("position " << i << " -> " << c) { BOOST_TEST(!verify_token(tampered, k).has_value()); }
    }
  }
}

BOOST_AUTO_TEST_CASE(scope_cannot_be_changed_without_the_key) {
  const auto k = keys({key_a});
  auto bytes = *base64_decode(token_for("taro@example.com", "newsletter", k), base64_alphabet::url, true);
  // Same length scope, same MAC: "newsletter" -> "marketing!" would not even be a scope;
  // "newsletteR" is one.
  bytes[2 + 9] = 'R';
  const auto forged = base64_encode(bytes, base64_alphabet::url, false);
  auto r = verify_token(forged, k);
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST((r.error() == token_error::bad_signature));
}

BOOST_AUTO_TEST_CASE(a_token_of_another_key_is_refused) {
  const auto t = token_for("taro@example.com", "*", keys({key_b}));
  auto r = verify_token(t, keys({key_a}));
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST((r.error() == token_error::bad_signature));
}

BOOST_AUTO_TEST_CASE(key_rotation_old_key_verifies_while_listed) {
  const auto old_token = token_for("taro@example.com", "newsletter", keys({key_a}));
  // Rotated: a new first key signs, the old one is still listed.
  const auto rotated = keys({key_b, key_a});
  BOOST_TEST(verify_token(old_token, rotated).has_value());
  const auto new_token = token_for("taro@example.com", "newsletter", rotated);
  BOOST_TEST(new_token != old_token);
  BOOST_TEST(verify_token(new_token, rotated).has_value());
  BOOST_TEST(verify_token(new_token, keys({key_b})).has_value());
  // Any position in the list verifies.
  BOOST_TEST(verify_token(old_token, keys({key_c, key_b, key_a})).has_value());
  // Retired: the old key is gone from the list.
  BOOST_TEST(!verify_token(old_token, keys({key_b})).has_value());
}

BOOST_AUTO_TEST_CASE(malformed_tokens_are_refused) {
  const auto k = keys({key_a});
  auto error_of = [&](std::string_view t) {
    auto r = verify_token(t, k);
    BOOST_REQUIRE(!r.has_value());
    return r.error();
  };
  BOOST_TEST((error_of("") == token_error::malformed));
  BOOST_TEST((error_of("abc") == token_error::malformed));
  BOOST_TEST((error_of("a") == token_error::malformed));  // 4n+1 characters
  BOOST_TEST((error_of("not base64!") == token_error::malformed));
  BOOST_TEST((error_of("a+b/c") == token_error::malformed));  // standard alphabet
  const auto t = token_for("taro@example.com", "newsletter", k);
  BOOST_TEST((error_of(t + "=") == token_error::malformed));
  BOOST_TEST((error_of(t.substr(0, t.size() - 1)) != token_error::too_long));
  // A version this build does not issue.
  auto bytes = *base64_decode(t, base64_alphabet::url, true);
  bytes[0] = 3;
  BOOST_TEST((error_of(base64_encode(bytes, base64_alphabet::url, false)) == token_error::unknown_version));
  // A scope length that runs into the MAC, or a zero one.
  bytes[0] = 1;
  bytes[1] = static_cast<char>(200);
  BOOST_TEST((error_of(base64_encode(bytes, base64_alphabet::url, false)) == token_error::malformed));
  bytes[1] = 0;
  BOOST_TEST((error_of(base64_encode(bytes, base64_alphabet::url, false)) == token_error::malformed));
}

BOOST_AUTO_TEST_CASE(oversized_tokens_are_refused_before_decoding) {
  const auto k = keys({key_a});
  auto r = verify_token(std::string(max_token_chars + 1, 'A'), k);
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST((r.error() == token_error::too_long));
  // The longest real token (64-character scope, 254-octet address) fits.
  const std::string scope(64, 's');
  const std::string address = std::string(64, 'l') + "@" + std::string(63, 'd') + "." + std::string(63, 'e') + "." +
                              std::string(58, 'f') + ".jp";
  BOOST_REQUIRE_EQUAL(address.size(), 254u);
  const auto t = token_for(address, scope, k);
  BOOST_TEST(t.size() == 448u);
  BOOST_TEST(t.size() <= max_token_chars);
  BOOST_TEST(verify_token(t, k).has_value());
  // With the longest campaign a token carries.
  auto v2 = make_token(address, scope, k, std::string(max_campaign_bytes, 'c'));
  BOOST_REQUIRE(v2.has_value());
  BOOST_TEST(v2->size() == 535u);
  BOOST_TEST(v2->size() <= max_token_chars);
  auto claims = verify_token(*v2, k);
  BOOST_REQUIRE(claims.has_value());
  BOOST_TEST(claims->campaign == std::string(max_campaign_bytes, 'c'));
}

BOOST_AUTO_TEST_CASE(version_2_round_trip_carries_the_campaign) {
  const auto k = keys({key_a});
  for (std::string campaign : {"spring-2026", "春のキャンペーン", "a b/c?d=e"}) {
    auto t = make_token("Taro@Example.com", "newsletter", k, campaign);
    BOOST_REQUIRE(t.has_value());
    auto bytes = *base64_decode(*t, base64_alphabet::url, true);
    BOOST_TEST(int(bytes[0]) == 2);
    BOOST_TEST(bytes.size() == 2 + 10 + 1 + campaign.size() + std::string_view("taro@example.com").size() + 16);
    auto claims = verify_token(*t, k);
    BOOST_REQUIRE(claims.has_value());
    BOOST_TEST(claims->address == "taro@example.com");
    BOOST_TEST(claims->scope == "newsletter");
    BOOST_TEST(claims->campaign == campaign);
  }
}

BOOST_AUTO_TEST_CASE(version_1_tokens_keep_verifying) {
  const auto k = keys({key_a});
  // Without a campaign make_token() still issues version 1: the bytes of links in
  // mail sent before version 2 existed (this one built by hand, as they were).
  std::string bytes = std::string("\x01\x0a", 2) + "newsletter" + "taro@example.com";
  const auto full = hmac_sha256(key_a, bytes);
  bytes.append(reinterpret_cast<const char*>(full.data()), 16);
  const auto old = base64_encode(bytes, base64_alphabet::url, false);
  BOOST_TEST(token_for("taro@example.com", "newsletter", k) == old);
  auto claims = verify_token(old, k);
  BOOST_REQUIRE(claims.has_value());
  BOOST_TEST(claims->address == "taro@example.com");
  BOOST_TEST(claims->scope == "newsletter");
  BOOST_TEST(claims->campaign.empty());
}

BOOST_AUTO_TEST_CASE(a_campaign_that_does_not_fit_gives_a_version_1_token) {
  const auto k = keys({key_a});
  for (std::string campaign : {std::string(), std::string(max_campaign_bytes + 1, 'c'), std::string("a\x01b")}) {
    BOOST_TEST(!campaign_fits(campaign));
    auto t = make_token("taro@example.com", "newsletter", k, campaign);
    BOOST_REQUIRE(t.has_value());
    BOOST_TEST(*t == token_for("taro@example.com", "newsletter", k));
  }
}

BOOST_AUTO_TEST_CASE(a_tampered_version_2_token_is_refused) {
  const auto k = keys({key_a});
  const auto t = *make_token("taro@example.com", "newsletter", k, "spring");
  for (std::size_t i = 0; i < t.size(); ++i) {
    std::string tampered = t;
    tampered[i] = t[i] == 'A' ? 'B' : 'A';
    BOOST_TEST_CONTEXT("position " << i) { BOOST_TEST(!verify_token(tampered, k).has_value()); }
  }
  auto bytes = *base64_decode(t, base64_alphabet::url, true);
  auto error_of = [&](const std::string& b) {
    auto r = verify_token(base64_encode(b, base64_alphabet::url, false), k);
    BOOST_REQUIRE(!r.has_value());
    return r.error();
  };
  // Another campaign of the same length, same MAC: refused.
  std::string other = bytes;
  other[2 + 10 + 1] = 'S';
  BOOST_TEST((error_of(other) == token_error::bad_signature));
  // Read as version 1 (the campaign would become part of the address): refused.
  std::string as_v1 = bytes;
  as_v1[0] = 1;
  BOOST_TEST((error_of(as_v1) != token_error::unknown_version));
  BOOST_TEST(!verify_token(base64_encode(as_v1, base64_alphabet::url, false), k).has_value());
  // A campaign length that runs into the MAC, a zero one, an oversized one.
  for (int len : {0, 200, int(max_campaign_bytes) + 1}) {
    std::string b = bytes;
    b[2 + 10] = static_cast<char>(len);
    BOOST_TEST_CONTEXT("campaign length " << len) { BOOST_TEST((error_of(b) == token_error::malformed)); }
  }
  // A version-1 token relabelled as version 2: refused.
  auto v1 = *base64_decode(token_for("taro@example.com", "newsletter", k), base64_alphabet::url, true);
  v1[0] = 2;
  BOOST_TEST(!verify_token(base64_encode(v1, base64_alphabet::url, false), k).has_value());
}

BOOST_AUTO_TEST_CASE(make_token_refuses_bad_input) {
  BOOST_TEST(!make_token("not an address", "*", keys({key_a})).has_value());
  BOOST_TEST(!make_token("taro@example.com", "news letter", keys({key_a})).has_value());
  BOOST_TEST(!make_token("taro@example.com", "", keys({key_a})).has_value());
  BOOST_TEST(!make_token("taro@example.com", "*", {}).has_value());
  auto r = verify_token(token_for("taro@example.com", "*", keys({key_a})), {});
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST((r.error() == token_error::no_key));
}
