#include <boost/test/unit_test.hpp>

#include <string>

#include "relay/mime/transfer_encoding.hpp"

using namespace kizuna::mime;

namespace {
// Longest line of `s` (line ends excluded).
std::size_t longest_line(const std::string& s) {
  std::size_t best = 0, cur = 0;
  for (char c : s) {
    if (c == '\n') {
      best = std::max(best, cur);
      cur = 0;
    } else if (c != '\r') {
      ++cur;
    }
  }
  return std::max(best, cur);
}
}  // namespace

BOOST_AUTO_TEST_SUITE(transfer_encoding_codecs)

BOOST_AUTO_TEST_CASE(transfer_encoding_names_are_case_insensitive_and_default_to_7bit) {
  BOOST_TEST((parse_transfer_encoding("Base64") == transfer_encoding::base64));
  BOOST_TEST((parse_transfer_encoding(" quoted-printable (comment)") == transfer_encoding::quoted_printable));
  BOOST_TEST((parse_transfer_encoding("") == transfer_encoding::seven_bit));
  BOOST_TEST((parse_transfer_encoding("8BIT") == transfer_encoding::eight_bit));
  BOOST_TEST((parse_transfer_encoding("x-uuencode") == transfer_encoding::unknown));
}

BOOST_AUTO_TEST_CASE(quoted_printable_decodes_escapes_soft_breaks_and_keeps_hard_breaks) {
  const auto r = decode_quoted_printable("caf=C3=A9 =\r\nbar  \r\nx=3d=\nend");
  BOOST_TEST(r.data == "caf\xC3\xA9 bar\r\nx=end");
  BOOST_TEST(!r.malformed);
}

BOOST_AUTO_TEST_CASE(quoted_printable_keeps_a_bad_escape_literally) {
  const auto r = decode_quoted_printable("100=% and =G1 and =4");
  BOOST_TEST(r.data == "100=% and =G1 and =4");
  BOOST_TEST(r.malformed);
}

BOOST_AUTO_TEST_CASE(quoted_printable_encoding_keeps_lines_within_76_and_round_trips) {
  std::string text;
  for (int i = 0; i < 40; ++i) text += "日本語のテキスト=とても長い行 ";
  text += "\ntrailing space \nlast\ttab\t\n";
  const std::string enc = encode_quoted_printable(text);
  BOOST_TEST(longest_line(enc) <= 76u);
  BOOST_TEST(enc.find(" \r\n") == std::string::npos);   // no trailing whitespace before a hard break
  BOOST_TEST(enc.find("\t\r\n") == std::string::npos);
  std::string expected = text;
  std::string crlf;
  for (char c : expected) {
    if (c == '\n') crlf += "\r\n";
    else crlf += c;
  }
  BOOST_TEST(decode_quoted_printable(enc).data == crlf);
}

BOOST_AUTO_TEST_CASE(quoted_printable_line_of_exactly_76_needs_no_soft_break) {
  const std::string line(76, 'a');
  BOOST_TEST(encode_quoted_printable(line) == line);
  BOOST_TEST(encode_quoted_printable(line + "a") == std::string(75, 'a') + "=\r\naa");
}

BOOST_AUTO_TEST_CASE(base64_round_trips_all_byte_values_in_76_character_lines) {
  std::string bytes;
  for (int i = 0; i < 1000; ++i) bytes.push_back(static_cast<char>(i * 7 % 256));
  const std::string enc = encode_base64(bytes);
  BOOST_TEST(longest_line(enc) == 76u);
  BOOST_TEST(enc.find("\r\n") == 76u);
  const auto dec = decode_base64(enc);
  BOOST_TEST(dec.data == bytes);
  BOOST_TEST(!dec.malformed);
}

BOOST_AUTO_TEST_CASE(base64_is_lenient_with_junk_and_truncation) {
  BOOST_TEST(decode_base64("aGVs bG8=\r\n").data == "hello");
  const auto junk = decode_base64("aG!Vsb*G8");
  BOOST_TEST(junk.data == "hello");
  BOOST_TEST(junk.malformed);
  const auto cut = decode_base64("aGVsbG8gd29y");  // "hello wor"
  BOOST_TEST(cut.data == "hello wor");
  const auto truncated = decode_base64("aGVsbG8gd2");  // a quantum cut short
  BOOST_TEST(truncated.data == "hello w");
  BOOST_TEST(truncated.malformed);
  BOOST_TEST(decode_base64("").data.empty());
}

BOOST_AUTO_TEST_SUITE_END()
