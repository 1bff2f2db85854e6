#include <boost/test/unit_test.hpp>

#include "relay/unsubscribe/links.hpp"

using namespace kizuna::unsubscribe;

BOOST_AUTO_TEST_CASE(url_is_base_url_slash_u_slash_token) {
  BOOST_TEST(url_for("https://u.example.com", "AbC-_9") == "https://u.example.com/u/AbC-_9");
  BOOST_TEST(url_for("https://example.com/mail/", "tok") == "https://example.com/mail/u/tok");
}

BOOST_AUTO_TEST_CASE(mailto_is_unsubscribe_plus_token_at_domain) {
  BOOST_TEST(mailto_for("example.com", "AbC-_9") == "unsubscribe+AbC-_9@example.com");
}

BOOST_AUTO_TEST_CASE(token_of_mailto_keeps_the_token_case) {
  BOOST_TEST(token_of_mailto("unsubscribe+AbC-_9@example.com", "example.com").value_or("") == "AbC-_9");
  BOOST_TEST(token_of_mailto("Unsubscribe+AbC@Example.COM", "example.com").value_or("") == "AbC");
  BOOST_TEST(!token_of_mailto("unsubscribe+AbC@other.example", "example.com"));
  BOOST_TEST(!token_of_mailto("unsubscribe+@example.com", "example.com"));
  BOOST_TEST(!token_of_mailto("someone@example.com", "example.com"));
  BOOST_TEST(!token_of_mailto("unsubscribe+AbC@example.com", ""));
}
