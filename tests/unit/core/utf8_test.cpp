// UTF-8 well-formedness: the fast prefix scanner (ASCII words, inline three-byte
// path) must agree with the sequence-by-sequence definition on every input,
// including the edges the fast paths skip past: surrogates, overlong forms,
// truncation at the end, and a bad byte at each position of an ASCII word.
#include <boost/test/unit_test.hpp>
#include <random>
#include <string>

#include "relay/core/utf8.hpp"

using kizuna::utf8_sequence_length;
using kizuna::utf8_valid_prefix;

namespace {

// The definition, one sequence at a time.
std::size_t reference_prefix(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t n = utf8_sequence_length(s, i);
    if (n == 0) break;
    i += n;
  }
  return i;
}

}  // namespace

BOOST_AUTO_TEST_CASE(well_formed_text_is_valid_whole) {
  for (std::string_view s : {"", "plain ascii text, longer than one word", "日本語のテキスト", "mixé ✓ 𝄞 テスト ok",
                             "\xEF\xBF\xBD", "\xF4\x8F\xBF\xBF", "\xE0\xA0\x80", "\xED\x9F\xBF"})
    BOOST_TEST(kizuna::is_valid_utf8(s), s);
}

BOOST_AUTO_TEST_CASE(the_prefix_stops_at_the_first_bad_sequence) {
  BOOST_TEST(utf8_valid_prefix("abc\xED\xA0\x80xyz") == 3u);       // surrogate
  BOOST_TEST(utf8_valid_prefix("abcdefgh\xE0\x80\x80") == 8u);     // overlong three-byte
  BOOST_TEST(utf8_valid_prefix("\xC0\xAF") == 0u);                 // overlong two-byte
  BOOST_TEST(utf8_valid_prefix("あい\xE3\x81") == 6u);              // truncated at the end
  BOOST_TEST(utf8_valid_prefix("あい\xE3\x81" "a") == 6u);          // cut by ASCII
  BOOST_TEST(utf8_valid_prefix("\xF4\x90\x80\x80") == 0u);         // past U+10FFFF
  BOOST_TEST(utf8_valid_prefix("0123456\x80" "89") == 7u);         // stray continuation in a word
}

BOOST_AUTO_TEST_CASE(agrees_with_the_definition_on_random_input) {
  // Pieces that make runs of each kind, glued at random, then a random byte flipped.
  const std::string pieces[] = {"a",  "plain text ", "日本", "語", "\xC3\xA9", "\xF0\x9F\x98\x80", "\xED\x9F\xBF",
                                "\xE0\xA0\x80", "\x80", "\xFF", "\xED\xA0\x80", "\xE3\x81", "\xF0\x9F"};
  std::mt19937 rng(20261122);
  for (int round = 0; round < 20000; ++round) {
    std::string s;
    const int n = static_cast<int>(rng() % 12);
    for (int k = 0; k < n; ++k) s += pieces[rng() % std::size(pieces)];
    if (!s.empty() && rng() % 3 == 0) s[rng() % s.size()] = static_cast<char>(rng() % 256);
    BOOST_TEST_REQUIRE(utf8_valid_prefix(s) == reference_prefix(s));
  }
}
