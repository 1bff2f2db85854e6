#include <boost/test/unit_test.hpp>

#include <string>

#include "relay/core/address.hpp"

using kizuna::domain_of;
using kizuna::normalize_address;
using kizuna::normalize_domain;

namespace {

std::string norm(std::string_view in) {
  auto r = normalize_address(in);
  BOOST_REQUIRE_MESSAGE(r, "\"" << in << "\" rejected: " << (r ? "" : r.error()));
  return *r;
}

bool rejected(std::string_view in) { return !normalize_address(in).has_value(); }

}  // namespace

BOOST_AUTO_TEST_SUITE(address)

BOOST_AUTO_TEST_CASE(trims_and_lower_cases_ascii) {
  BOOST_TEST(norm("  Alice@Example.COM ") == "alice@example.com");
  BOOST_TEST(norm("\tBob.Smith+Tag@MAIL.example.org\r\n") == "bob.smith+tag@mail.example.org");
}

BOOST_AUTO_TEST_CASE(idn_domains_become_lower_case_a_labels) {
  BOOST_TEST(norm("user@bücher.example") == "user@xn--bcher-kva.example");
  BOOST_TEST(norm("user@BÜCHER.example") == "user@xn--bcher-kva.example");
  BOOST_TEST(norm("user@xn--BCHER-kva.example") == "user@xn--bcher-kva.example");
}

BOOST_AUTO_TEST_CASE(utf8_local_part_is_kept_and_japanese_domain_punycoded) {
  BOOST_TEST(norm("山田@例え.jp") == "山田@xn--r8jz45g.jp");
  BOOST_TEST(norm("Yamada.山田@例え.JP") == "yamada.山田@xn--r8jz45g.jp");
  // UTS #46 maps the full-width dot and letters a Japanese IME may produce.
  BOOST_TEST(norm("taro@ｅｘａｍｐｌｅ．ｊｐ") == "taro@example.jp");
}

BOOST_AUTO_TEST_CASE(rejects_malformed_addresses) {
  for (const char* bad : {"", "   ", "a", "a@", "@b", "a@@b", "a@b@c", "a@b\r\nX", "a b@c.example", "<a@b.example>",
                          "a@b..example", "a@.b", "a@b.", "a@exa_mple.com", "a\x01@b.example", "\"unterminated@b",
                          "\"\"@b.example", "a@b .example"})
    BOOST_TEST(rejected(bad), "accepted \"" << bad << "\"");
  BOOST_TEST(normalize_address("a@@b").error() == "more than one '@'");
  BOOST_TEST(normalize_address("a").error() == "no '@' in address");
}

BOOST_AUTO_TEST_CASE(rejects_invalid_utf8_such_as_shift_jis) {
  BOOST_TEST(rejected("\x8e\x52\x93\x63@example.jp"));  // 山田 in Shift_JIS
  BOOST_TEST(rejected("user@\xff.example"));
}

BOOST_AUTO_TEST_CASE(enforces_rfc5321_lengths) {
  const std::string local64(64, 'a');
  BOOST_TEST(!rejected(local64 + "@example.com"));
  BOOST_TEST(rejected(local64 + "a@example.com"));
  BOOST_TEST(rejected("a@" + std::string(64, 'b') + ".example"));
  // 254 octets in all is the most: 64 + 1 + 189 = 254 is fine, one more is not.
  std::string domain = std::string(63, 'd') + "." + std::string(63, 'd') + "." + std::string(61, 'd');  // 189
  BOOST_TEST(domain.size() == 189u);
  BOOST_TEST(norm(local64 + "@" + domain).size() == 254u);
  BOOST_TEST(rejected(local64 + "@" + domain + "d"));
}

BOOST_AUTO_TEST_CASE(quoted_local_parts_that_need_quotes_keep_one_spelling) {
  BOOST_TEST(norm("\"John Doe\"@Example.com") == "\"john doe\"@example.com");
  BOOST_TEST(norm("\"John\\ Doe\"@Example.com") == "\"john doe\"@example.com");
  BOOST_TEST(norm("\"a@b\"@example.com") == "\"a@b\"@example.com");
  BOOST_TEST(norm("\"a\\\"b\"@example.com") == "\"a\\\"b\"@example.com");
  BOOST_TEST(norm("\"a\\\\b\"@example.com") == "\"a\\\\b\"@example.com");
  BOOST_TEST(domain_of("\"a@b\"@example.com") == "example.com");
  BOOST_TEST(rejected("\"a\"b@example.com"));
  BOOST_TEST(rejected("\"a\tb\"@example.com"));  // controls are refused quoted too
  BOOST_TEST(rejected("\"\\\"@example.com"));   // the quote is escaped: unterminated
}

// Defect 1 of issue 10: an opt-out of alice@example.com was bypassed by these.
BOOST_AUTO_TEST_CASE(quoted_dot_atoms_are_the_unquoted_mailbox) {
  for (const char* spelling : {"\"alice\"@example.com", "\"Alice\"@Example.Com", "\"al\\ice\"@example.com",
                               "\"\\a\\l\\i\\c\\e\"@EXAMPLE.com", " \"ALICE\"@example.com ",
                               "alice@example\xef\xbc\x8e" "com", "alice@example\xe3\x80\x82" "com",
                               "alice@\xef\xbd\x85xample.com"})
    BOOST_TEST(norm(spelling) == "alice@example.com", spelling);
  BOOST_TEST(norm("\"alice\"@bücher.example") == "alice@xn--bcher-kva.example");
  BOOST_TEST(norm("\"Alice\"@XN--BCHER-KVA.example") == "alice@xn--bcher-kva.example");
  BOOST_TEST(norm("\"taro..yamada.\"@docomo.ne.jp") == "taro..yamada.@docomo.ne.jp");
  BOOST_TEST(norm("\"山田\"@例え.jp") == "山田@xn--r8jz45g.jp");
  BOOST_TEST(norm("\"a+tag\"@example.com") == "a+tag@example.com");
}

BOOST_AUTO_TEST_CASE(non_ascii_local_parts_are_case_folded_and_nfc) {
  // é composed (U+00E9), decomposed (e U+0301), and É (U+00C9, E U+0301).
  const std::string key = norm("jos\xc3\xa9@example.com");
  BOOST_TEST(norm("jose\xcc\x81@example.com") == key);
  BOOST_TEST(norm("JOS\xc3\x89@example.com") == key);
  BOOST_TEST(norm("\"JOSE\xcc\x81\"@example.com") == key);
  BOOST_TEST(norm("jose@example.com") != key);
  // NFD in the domain: libidn2 composes before mapping.
  BOOST_TEST(norm("a@bu\xcc\x88" "cher.example") == "a@xn--bcher-kva.example");
}

// Found by tests/fuzz/fuzz_address: NFC maps U+037E GREEK QUESTION MARK to ';',
// so the key must be quoted to read the same when normalized again.
BOOST_AUTO_TEST_CASE(nfc_that_makes_an_ascii_special_keeps_the_key_idempotent) {
  const std::string key = norm("\xcd\xbe" "bob@example.com");
  BOOST_TEST(key == "\";bob\"@example.com");
  BOOST_TEST(norm(key) == key);
  BOOST_TEST(norm("\";bob\"@example.com") == key);
  BOOST_TEST(rejected(";bob@example.com"));  // written unquoted, ';' is a syntax error
}

BOOST_AUTO_TEST_CASE(address_literals_have_one_spelling) {
  BOOST_TEST(norm("x@[IPv6:2001:DB8:0:0::1]") == "x@[ipv6:2001:db8::1]");
  BOOST_TEST(norm("x@[iPv6:2001:db8::1]") == "x@[ipv6:2001:db8::1]");
}

BOOST_AUTO_TEST_CASE(tolerates_japanese_carrier_dots) {
  BOOST_TEST(norm("Taro..Yamada.@docomo.ne.jp") == "taro..yamada.@docomo.ne.jp");
}

BOOST_AUTO_TEST_CASE(address_literals_are_kept) {
  BOOST_TEST(norm("postmaster@[192.0.2.1]") == "postmaster@[192.0.2.1]");
  BOOST_TEST(norm("x@[IPv6:2001:DB8::1]") == "x@[ipv6:2001:db8::1]");
  BOOST_TEST(rejected("x@[192.0.2.300]"));
  BOOST_TEST(rejected("x@[192.0.2.1"));
  BOOST_TEST(rejected("x@[example.com]"));
}

BOOST_AUTO_TEST_CASE(domains_alone_normalize_the_same_way) {
  BOOST_TEST(*normalize_domain(" Bücher.Example ") == "xn--bcher-kva.example");
  BOOST_TEST(*normalize_domain("例え.jp") == "xn--r8jz45g.jp");
  BOOST_TEST(!normalize_domain(""));
  BOOST_TEST(!normalize_domain("a@b"));
}

BOOST_AUTO_TEST_CASE(domain_of_takes_the_part_after_the_last_at) {
  BOOST_TEST(domain_of("alice@example.com") == "example.com");
  BOOST_TEST(domain_of("nodomain") == "");
}

BOOST_AUTO_TEST_SUITE_END()
