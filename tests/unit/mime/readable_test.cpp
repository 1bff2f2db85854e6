// mime::readable_view: what `kizuna preview` shows a reviewer before the exact
// copy: decoded headers and text parts, other parts named, no control bytes.
#include "relay/mime/readable.hpp"

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

using kizuna::mime::readable_view;

namespace {

std::string fixture(const std::string& name) {
  const char* root = std::getenv("KIZUNA_SOURCE_DIR");
  std::ifstream in(std::filesystem::path(root ? root : ".") / "tests" / "fixtures" / "mime" / name, std::ios::binary);
  BOOST_REQUIRE_MESSAGE(in, "missing fixture " << name);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool has_controls(const std::string& s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\n' && c != '\t') || u == 0x7f) return true;
  }
  return false;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(readable)

BOOST_AUTO_TEST_CASE(iso_2022_jp_subject_and_text_read_as_japanese) {
  const std::string view = readable_view(fixture("alternative_iso2022jp.eml"));
  BOOST_TEST(view.find("Subject: " + fixture("alternative_iso2022jp.subject.txt")) != std::string::npos, view);
  BOOST_TEST(view.find("いつも「さくら商事」をご利用いただき") != std::string::npos, view);
  BOOST_TEST(view.find("\x1b$B") == std::string::npos, "no ISO-2022-JP escape is shown raw");
  BOOST_TEST(view.find("[part 0: multipart/alternative]") != std::string::npos, view);
  BOOST_TEST(!has_controls(view));
}

BOOST_AUTO_TEST_CASE(base64_text_is_decoded_and_attachments_only_named) {
  const std::string m =
      "From: a@example.org\r\nSubject: =?UTF-8?B?5pil44Gu44K744O844Or?=\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n"
      "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n5bGx55Sw5qeY\r\n"
      "--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"a.pdf\"\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n";
  const std::string view = readable_view(m);
  BOOST_TEST(view.find("Subject: 春のセール") != std::string::npos, view);
  BOOST_TEST(view.find("山田様") != std::string::npos, view);
  BOOST_TEST(view.find("application/pdf") != std::string::npos, view);
  BOOST_TEST(view.find("a.pdf") != std::string::npos, view);
  BOOST_TEST(view.find("JVBERi0") == std::string::npos, "attachment bytes are not shown");
}

BOOST_AUTO_TEST_CASE(control_characters_cannot_reach_the_terminal) {
  const std::string m =
      "Subject: =?UTF-8?B?G1szMW1yZWQbWzBt?=\r\nX-Raw: a\x1b]0;title\x07 b\r\n\r\n"
      "text \x1b[2J with \r escapes \xc2\x9b and bad \xff bytes\r\n";
  const std::string view = readable_view(m);
  BOOST_TEST(!has_controls(view), view);
  BOOST_TEST(view.find("\xc2\x9b") == std::string::npos, "C1 controls are replaced");
  BOOST_TEST(view.find("red") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
