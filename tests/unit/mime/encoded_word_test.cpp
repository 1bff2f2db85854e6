#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "relay/mime/charset.hpp"
#include "relay/mime/encoded_word.hpp"

using namespace kizuna::mime;

namespace {

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t nl = s.find("\r\n", pos);
    out.push_back(s.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos));
    if (nl == std::string::npos) return out;
    pos = nl + 2;
  }
}

// Unfolds and checks the RFC 2047 / RFC 5322 length rules for "Name: value".
void check_folding(const std::string& name, const std::string& value) {
  const auto ls = lines(name + ": " + value);
  for (const auto& l : ls) {
    BOOST_TEST(l.size() <= max_header_line, "line too long: " << l);
    for (std::size_t p = l.find("=?"); p != std::string::npos;) {
      const std::size_t e = l.find("?=", p + 10);
      BOOST_REQUIRE(e != std::string::npos);
      BOOST_TEST(e + 2 - p <= max_encoded_word);
      p = l.find("=?", e + 2);
    }
  }
  for (std::size_t i = 1; i < ls.size(); ++i) BOOST_TEST((ls[i].starts_with(' ') || ls[i].starts_with('\t')));
}

// What the parser hands decode_header_value: line ends gone, ends trimmed.
std::string unfold(const std::string& s) {
  std::string out;
  for (char c : s)
    if (c != '\r' && c != '\n') out += c;
  return out.substr(out.find_first_not_of(' '));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(rfc2047)

BOOST_AUTO_TEST_CASE(decodes_b_and_q_words_in_japanese_charsets) {
  BOOST_TEST(decode_header_value("=?ISO-2022-JP?B?GyRCIVokNDBGRmIhWxsoQg==?=") == "【ご案内】");
  BOOST_TEST(decode_header_value("=?UTF-8?Q?=E5=B1=B1=E7=94=B0_=E6=A7=98?=") == "山田 様");
  BOOST_TEST(decode_header_value("=?shift_jis?B?jvOQTQ==?=") == "受信");
  BOOST_TEST(decode_header_value("=?euc-jp?b?xvzL3A==?=") == "日本");
  BOOST_TEST(decode_header_value("=?utf-8*ja?B?5pel5pys?=") == "日本");  // RFC 2231 language
}

BOOST_AUTO_TEST_CASE(adjacent_words_join_and_the_space_between_them_goes) {
  // "日本語" split inside a UTF-8 character across two words.
  BOOST_TEST(decode_header_value("=?UTF-8?B?5pel5pys6A==?= =?UTF-8?B?qp4=?=") == "日本語");
  // ISO-2022-JP runs split across words (each word shifts back, as the RFC wants).
  BOOST_TEST(decode_header_value("=?ISO-2022-JP?B?GyRCOzMbKEI=?=\r\n =?ISO-2022-JP?B?GyRCRUQbKEI=?=") == "山田");
  BOOST_TEST(decode_header_value("=?UTF-8?Q?a?= =?UTF-8?Q?b?=") == "ab");
  BOOST_TEST(decode_header_value("=?UTF-8?Q?a?=  b =?UTF-8?Q?c?=") == "a  b c");
  BOOST_TEST(decode_header_value("Re: =?UTF-8?B?5pel5pys?= news") == "Re: 日本 news");
}

BOOST_AUTO_TEST_CASE(words_glued_to_text_are_decoded_and_broken_ones_kept) {
  BOOST_TEST(decode_header_value("x=?UTF-8?B?5pel5pys?=y") == "x日本y");
  BOOST_TEST(decode_header_value("=?UTF-8?B?5pel5pys") == "=?UTF-8?B?5pel5pys");
  BOOST_TEST(decode_header_value("=?x-unknown?B?5pel5pys?=") == "=?x-unknown?B?5pel5pys?=");
  BOOST_TEST(decode_header_value("=?UTF-8?X?abc?=") == "=?UTF-8?X?abc?=");
  BOOST_TEST(decode_header_value("=??B?abc?=") == "=??B?abc?=");
}

BOOST_AUTO_TEST_CASE(raw_8bit_and_raw_iso_2022_jp_text_is_decoded) {
  BOOST_TEST(decode_header_value("生のUTF-8") == "生のUTF-8");
  BOOST_TEST(decode_header_value("\x1b$B$3$s\x1b(B") == "こん");
  BOOST_TEST(decode_header_value("\x83V\x83t\x83g", "Shift_JIS") == "シフト");
  BOOST_TEST(decode_header_value("\x83V\x83t\x83g") == "\xEF\xBF\xBDV\xEF\xBF\xBDt\xEF\xBF\xBDg");
}

BOOST_AUTO_TEST_CASE(japanese_subject_round_trips_within_length_limits) {
  const std::string subject = "「【ご案内】山田様へ」";
  const std::string enc = encode_header_value(subject, 7);
  BOOST_TEST(enc.starts_with("=?UTF-8?B?"));
  check_folding("Subject", enc);
  BOOST_TEST(decode_header_value(enc) == subject);
}

BOOST_AUTO_TEST_CASE(long_japanese_subject_is_split_without_breaking_characters) {
  std::string subject;
  for (int i = 0; i < 12; ++i) subject += "【ご案内】春の特別セール🎉のお知らせ";
  const std::string enc = encode_header_value(subject, 7);
  check_folding("Subject", enc);
  BOOST_TEST(lines(enc).size() > 5u);
  // Every word decodes on its own to whole characters.
  for (const auto& l : lines(enc)) {
    const std::string word = l.substr(l.find("=?"));
    BOOST_TEST(sanitize_utf8(decode_header_value(word)).lossy == false);
  }
  BOOST_TEST(decode_header_value(enc) == subject);
}

BOOST_AUTO_TEST_CASE(long_field_names_start_the_words_on_the_next_line) {
  const std::string name(74, 'X');
  const std::string enc = encode_header_value("日本語", name.size());
  check_folding(name, enc);
  BOOST_TEST(enc.starts_with("\r\n =?UTF-8?B?"));
  BOOST_TEST(decode_header_value(unfold(enc)) == "日本語");
}

BOOST_AUTO_TEST_CASE(plain_ascii_is_left_alone_and_folded_at_spaces) {
  BOOST_TEST(encode_header_value("Spring sale: 10% off (today)", 7) == "Spring sale: 10% off (today)");
  std::string longer;
  for (int i = 0; i < 20; ++i) longer += "word" + std::to_string(i) + " ";
  longer += "end";
  const std::string enc = encode_header_value(longer, 7);
  BOOST_TEST(enc.find("=?") == std::string::npos);
  check_folding("Subject", enc);
  std::string unfolded;
  for (char c : enc)
    if (c != '\r' && c != '\n') unfolded += c;
  BOOST_TEST(unfolded == longer);
}

BOOST_AUTO_TEST_CASE(line_breaks_cannot_inject_fields) {
  const std::string enc = encode_header_value("hello\r\nBcc: victim@example.com", 7);
  BOOST_TEST(enc.find('\n') == std::string::npos);
  BOOST_TEST(enc == "helloBcc: victim@example.com");
  const std::string ja = encode_header_value("山田\r\nBcc: x@example.com", 7);
  BOOST_TEST(decode_header_value(ja) == "山田Bcc: x@example.com");
  // Text that looks like an encoded-word is encoded, so it reads back as written.
  const std::string tricky = encode_header_value("=?UTF-8?B?5pel?=", 7);
  BOOST_TEST(decode_header_value(tricky) == "=?UTF-8?B?5pel?=");
}

BOOST_AUTO_TEST_CASE(mailboxes_use_atoms_quotes_or_words) {
  BOOST_TEST(format_mailbox("Sakura Shoji", "info@shop.example.jp", 4) == "Sakura Shoji <info@shop.example.jp>");
  BOOST_TEST(format_mailbox("Yamada, Taro \"TY\"", "ty@example.jp", 4) == "\"Yamada, Taro \\\"TY\\\"\" <ty@example.jp>");
  BOOST_TEST(format_mailbox("", "a@example.jp", 4) == "a@example.jp");
  BOOST_TEST(format_mailbox("x", "a@ex\r\n>ample.jp", 4) == "x <a@example.jp>");
  const std::string ja = format_mailbox("さくら商事 営業部 山田", "yamada@shop.example.jp", 4);
  BOOST_TEST(ja.starts_with("=?UTF-8?B?"));
  BOOST_TEST(ja.ends_with(" <yamada@shop.example.jp>"));
  check_folding("From", ja);
}

BOOST_AUTO_TEST_SUITE_END()
