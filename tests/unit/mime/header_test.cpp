#include <boost/test/unit_test.hpp>

#include <string>

#include "relay/mime/content_type.hpp"
#include "relay/mime/header.hpp"

using namespace kizuna::mime;

BOOST_AUTO_TEST_SUITE(headers)

BOOST_AUTO_TEST_CASE(fields_keep_raw_ranges_and_unfold_values) {
  const std::string block = "Subject: one\r\n two\r\n\tthree\r\nTo : a@example.jp\r\n\r\nbody";
  const header_block h = parse_header_block(block, 0);
  BOOST_REQUIRE_EQUAL(h.fields.size(), 2u);
  BOOST_TEST(h.fields[0].name == "Subject");
  BOOST_TEST(h.fields[0].value == "one two\tthree");
  BOOST_TEST(block.substr(h.fields[0].raw.begin, h.fields[0].raw.size()) == "Subject: one\r\n two\r\n\tthree\r\n");
  BOOST_TEST(h.fields[1].name == "To");
  BOOST_TEST(h.separator);
  BOOST_TEST(block.substr(h.body_begin) == "body");
  BOOST_TEST(h.range.end == block.find("\r\n\r\n") + 2);
}

BOOST_AUTO_TEST_CASE(a_non_field_line_starts_the_body) {
  const std::string block = "Subject: x\nthis is body text\n";
  const header_block h = parse_header_block(block, 0);
  BOOST_TEST(h.fields.size() == 1u);
  BOOST_TEST(!h.separator);
  BOOST_TEST(block.substr(h.body_begin) == "this is body text\n");
  BOOST_TEST((h.defects & defect::no_header_separator) != 0u);
  BOOST_TEST((h.defects & defect::bare_lf) != 0u);
}

BOOST_AUTO_TEST_CASE(field_limits_keep_bytes_but_bound_values_and_counts) {
  parse_limits lim;
  lim.max_field_bytes = 1000;
  lim.max_fields = 3;
  std::string block = "X-Big: " + std::string(5000, 'a') + "\r\n";
  for (int i = 0; i < 5; ++i) block += "X-" + std::to_string(i) + ": v\r\n continued\r\n";
  block += "\r\n";
  const header_block h = parse_header_block(block, 0, lim);
  BOOST_REQUIRE_EQUAL(h.fields.size(), 3u);
  BOOST_TEST(h.fields[0].truncated);
  BOOST_TEST(h.fields[0].value.size() <= 1000u);
  BOOST_TEST(h.fields[0].raw.size() == 5009u);
  BOOST_TEST((h.defects & defect::field_too_long) != 0u);
  BOOST_TEST((h.defects & defect::too_many_fields) != 0u);
  BOOST_TEST(h.separator);
  BOOST_TEST(h.body_begin == block.size());
}

BOOST_AUTO_TEST_CASE(content_type_with_parameters_comments_and_defaults) {
  const content_type ct = parse_content_type("Multipart/Mixed (comment); Boundary=\"a b\\\"c\" ; charset=utf-8");
  BOOST_TEST(ct.present);
  BOOST_TEST(ct.mime_type() == "multipart/mixed");
  BOOST_TEST(ct.param("boundary") == "a b\"c");
  BOOST_TEST(ct.param("CHARSET") == "utf-8");
  const content_type bad = parse_content_type("garbage");
  BOOST_TEST(!bad.present);
  BOOST_TEST(bad.mime_type() == "text/plain");
  // Unquoted boundaries with '=' and a missing ';' are common.
  const content_type lax = parse_content_type("multipart/alternative boundary=----=_Part_1.2");
  BOOST_TEST(lax.param("boundary") == "----=_Part_1.2");
}

BOOST_AUTO_TEST_CASE(rfc2231_continuations_and_charsets_decode_filenames) {
  const content_disposition d = parse_content_disposition(
      "attachment; filename*0*=UTF-8''%E8%A6%8B%E7%A9%8D; filename*1*=%E6%9B%B8; filename*2=.pdf; "
      "filename=\"fallback.pdf\"");
  BOOST_TEST(d.is_attachment());
  BOOST_TEST(d.param("filename") == "見積書.pdf");
  const content_disposition sj = parse_content_disposition("attachment; filename*=shift_jis'ja'%8C%A9%90%CF.txt");
  BOOST_TEST(sj.param("filename") == "見積.txt");
  const content_type w = parse_content_type("application/pdf; name=\"=?UTF-8?B?6KaL56mN5pu4LnBkZg==?=\"");
  BOOST_TEST(w.param("name") == "見積書.pdf");
  // Sections out of order are sorted; a gap ends the value.
  const content_disposition gap = parse_content_disposition("inline; filename*1=b; filename*0=a; filename*3=d");
  BOOST_TEST(gap.param("filename") == "ab");
}

BOOST_AUTO_TEST_CASE(hostile_parameters_never_throw) {
  BOOST_TEST(parse_content_type("text/plain; a*99999999999999999999=x").params.size() == 0u);
  BOOST_TEST(parse_content_type("text/plain; ;;;=;= ;\"unterminated").mime_type() == "text/plain");
  BOOST_TEST(parse_content_type("text/plain; filename*=%%%'''%").present);
  std::string many = "text/plain";
  for (int i = 0; i < 1000; ++i) many += "; p" + std::to_string(i) + "=v";
  BOOST_TEST(parse_content_type(many).params.size() == 256u);
  BOOST_TEST(parse_content_type("text/plain; (unclosed comment").present);
}

// Issue 10 (fuzz_mime, "multipart/mixed;*0*=ndary=\"XyZ\""): a parameter whose
// name is empty or keeps a '*' once the RFC 2231 markers are removed is dropped,
// so what is formatted parses back to the same names.
BOOST_AUTO_TEST_CASE(parameters_without_a_valid_name_are_dropped) {
  const content_type ct =
      parse_content_type("multipart/mixed;*0*=ndary=\"XyZ\"; *=a; **=b; a**=c; a*0*0=d; a*b=e; boundary=q; t*0*=x; t*1=y");
  BOOST_TEST_REQUIRE(ct.params.size() == 2u);
  BOOST_TEST(ct.params[0].name == "boundary");
  BOOST_TEST(ct.param("boundary") == "q");
  BOOST_TEST(ct.params[1].name == "t");
  BOOST_TEST(ct.param("t") == "xy");
  const content_type again = parse_content_type(format_content_type(ct));
  BOOST_TEST_REQUIRE(again.params.size() == 2u);
  BOOST_TEST(again.params[0].name == "boundary");
  BOOST_TEST(again.params[1].name == "t");
}

BOOST_AUTO_TEST_CASE(content_type_formatting_quotes_and_extends) {
  content_type ct = parse_content_type("text/plain; charset=ISO-2022-JP; format=flowed");
  for (auto& p : ct.params)
    if (p.name == "charset") p.value = "UTF-8";
  BOOST_TEST(format_content_type(ct) == "text/plain; charset=UTF-8; format=flowed");
  ct.params.push_back({"name", "見積 書.txt", true});
  ct.params.push_back({"x", "a b", false});
  const std::string f = format_content_type(ct);
  BOOST_TEST(f.find("name*=UTF-8''%E8%A6%8B%E7%A9%8D%20%E6%9B%B8.txt") != std::string::npos);
  BOOST_TEST(f.find("x=\"a b\"") != std::string::npos);
  BOOST_TEST(parse_content_type(f).param("name") == "見積 書.txt");
}

BOOST_AUTO_TEST_SUITE_END()
