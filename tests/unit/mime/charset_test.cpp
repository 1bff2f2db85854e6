#include <boost/test/unit_test.hpp>

#include <string>

#include "relay/mime/charset.hpp"

using namespace kizuna::mime;

BOOST_AUTO_TEST_SUITE(charsets)

BOOST_AUTO_TEST_CASE(iso_2022_jp_decodes_and_encodes_jis_x0208) {
  const std::string jis = "\x1b$B$3$s$K$A$O\x1b(B, world";  // こんにちは
  const auto u = to_utf8(jis, "ISO-2022-JP");
  BOOST_REQUIRE(u.has_value());
  BOOST_TEST(u->text == "こんにちは, world");
  BOOST_TEST(!u->lossy);
  const auto back = from_utf8("こんにちは, world", "iso-2022-jp");
  BOOST_REQUIRE(back.has_value());
  BOOST_TEST(*back == jis);
}

BOOST_AUTO_TEST_CASE(iso_2022_jp_returns_to_ascii_before_every_line_end) {
  const auto enc = from_utf8("山田\n様\r\n", "ISO-2022-JP");
  BOOST_REQUIRE(enc.has_value());
  BOOST_TEST(*enc == "\x1b$B;3ED\x1b(B\n\x1b$BMM\x1b(B\r\n");
}

BOOST_AUTO_TEST_CASE(iso_2022_jp_reads_cp50220_extras_and_half_width_kana) {
  // NEC row 13 (①) as Outlook sends it, ESC ( I kana, SO/SI kana, ESC ( J roman.
  const auto u = to_utf8("\x1b$B-!\x1b(B \x1b(I12\x1b(B \x0e" "34\x0f \x1b(Jok\x1b(B", "iso-2022-jp");
  BOOST_REQUIRE(u.has_value());
  BOOST_TEST(u->text == "① ｱｲ ｳｴ ok");
  BOOST_TEST(!u->lossy);
}

BOOST_AUTO_TEST_CASE(iso_2022_jp_maps_the_wave_dash_like_mail_readers) {
  // 0x2141 reads as U+FF5E (CP932/WHATWG); both dashes encode back to it.
  const auto u = to_utf8("\x1b$B!A\x1b(B", "ISO-2022-JP");
  BOOST_REQUIRE(u.has_value());
  BOOST_TEST(u->text == "～");
  BOOST_TEST(from_utf8("〜", "ISO-2022-JP").value_or("") == "\x1b$B!A\x1b(B");
  BOOST_TEST(from_utf8("～", "ISO-2022-JP").value_or("") == "\x1b$B!A\x1b(B");
}

BOOST_AUTO_TEST_CASE(iso_2022_jp_reports_unrepresentable_characters) {
  BOOST_TEST((from_utf8("絵文字🎉", "ISO-2022-JP").error() == charset_error::unrepresentable));
  BOOST_TEST((from_utf8("ｱ", "ISO-2022-JP").error() == charset_error::unrepresentable));   // half-width kana
  BOOST_TEST((from_utf8("髙", "ISO-2022-JP").error() == charset_error::unrepresentable));  // IBM extension
  BOOST_TEST((from_utf8("\x1b", "ISO-2022-JP").error() == charset_error::unrepresentable));
  BOOST_TEST(from_utf8("①", "ISO-2022-JP").has_value());  // NEC row 13, as CP50220 writes it
}

BOOST_AUTO_TEST_CASE(iso_2022_jp_2_escapes_fall_back_to_glibc) {
  // ESC $ ( D: JIS X 0212 (ISO-2022-JP-1/2); glibc reads its tilde 0x2237 as U+FF5E.
  const auto u = to_utf8("a\x1b$(D\"7\x1b(Bb", "ISO-2022-JP-2");
  BOOST_REQUIRE(u.has_value());
  BOOST_TEST(u->text == "a～b");
}

BOOST_AUTO_TEST_CASE(shift_jis_labels_all_read_as_cp932) {
  const std::string sjis = "\x87\x40\x81\x60\xfb\xfc\x82\xa0";  // ①～髙あ
  for (const char* label : {"Shift_JIS", "shift-jis", "SJIS", "CP932", "Windows-31J", "x-sjis"}) {
    const auto u = to_utf8(sjis, label);
    BOOST_REQUIRE(u.has_value());
    BOOST_TEST(u->text == "①～髙あ");
  }
  BOOST_TEST(from_utf8("①～髙あ", "Shift_JIS").value_or("") == sjis);
  BOOST_TEST((from_utf8("🎉", "Shift_JIS").error() == charset_error::unrepresentable));
}

BOOST_AUTO_TEST_CASE(euc_jp_round_trips) {
  const auto enc = from_utf8("桜ロールケーキ～", "EUC-JP");
  BOOST_REQUIRE(enc.has_value());
  BOOST_TEST(to_utf8(*enc, "euc-jp")->text == "桜ロールケーキ～");
}

BOOST_AUTO_TEST_CASE(ascii_and_latin1) {
  BOOST_TEST(to_utf8("caf\xe9", "ISO-8859-1")->text == "café");
  BOOST_TEST(from_utf8("café", "iso-8859-1").value_or("") == "caf\xe9");
  BOOST_TEST((from_utf8("café", "us-ascii").error() == charset_error::unrepresentable));
  BOOST_TEST(from_utf8("plain", "").value_or("") == "plain");
  // Unlabelled 8-bit text that is UTF-8 is read as UTF-8, raw ISO-2022-JP as such.
  BOOST_TEST(to_utf8("caf\xc3\xa9", "us-ascii")->text == "café");
  BOOST_TEST(to_utf8("\x1b$B$3$s\x1b(B", "")->text == "こん");
}

BOOST_AUTO_TEST_CASE(invalid_bytes_become_replacement_characters) {
  const auto u = to_utf8("ok\xff\xc3", "UTF-8");
  BOOST_REQUIRE(u.has_value());
  BOOST_TEST(u->text == "ok\xEF\xBF\xBD\xEF\xBF\xBD");  // one per maximal subpart
  BOOST_TEST(to_utf8("\xe6\x97x", "UTF-8")->text == "\xEF\xBF\xBDx");
  BOOST_TEST(u->lossy);
  const auto s = to_utf8("\x82\xa0\x82", "Shift_JIS");  // あ then a truncated character
  BOOST_REQUIRE(s.has_value());
  BOOST_TEST(s->text == "あ\xEF\xBF\xBD");
  BOOST_TEST(s->lossy);
  const auto j = to_utf8("\x1b$B$3\x1b(Bok\xa0", "ISO-2022-JP");
  BOOST_REQUIRE(j.has_value());
  BOOST_TEST(j->text == "こok\xEF\xBF\xBD");
}

BOOST_AUTO_TEST_CASE(unknown_and_hostile_labels_are_refused) {
  BOOST_TEST((to_utf8("x\x80", "x-no-such-charset").error() == charset_error::unknown_charset));
  BOOST_TEST((from_utf8("é", "UTF-8//TRANSLIT").error() == charset_error::unknown_charset));
  BOOST_TEST((from_utf8("\xff", "UTF-8").error() == charset_error::invalid_input));
  BOOST_TEST(!iconv_converter::open("UTF-8", "../../etc/passwd").has_value());
}

BOOST_AUTO_TEST_CASE(converter_streams_large_input_through_its_fixed_buffer) {
  std::string big;
  for (int i = 0; i < 20000; ++i) big += "あいう";
  auto conv = iconv_converter::open("CP932", "UTF-8");
  BOOST_REQUIRE(conv.has_value());
  std::string out;
  BOOST_TEST((conv->convert(big, out, conversion_cap(big.size())).st == iconv_converter::status::ok));
  BOOST_TEST(out.size() == 20000u * 6);
  std::string capped;
  conv->reset();
  BOOST_TEST((conv->convert(big, capped, 1000).st == iconv_converter::status::too_large));
  BOOST_TEST(capped.size() <= 1000u);
}

BOOST_AUTO_TEST_SUITE_END()
