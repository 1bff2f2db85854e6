// RFC 8058 one-click bodies: what Gmail and the confirmation page send
// (urlencoded), the multipart form RFC 8058 prefers, and what is not one-click.
#include <boost/test/unit_test.hpp>

#include <string>

#include "relay/admin/one_click.hpp"

using kizuna::admin::is_one_click;

namespace {
constexpr const char* form = "application/x-www-form-urlencoded";

std::string multipart(const std::string& boundary, const std::string& parts) {
  return parts + "--" + boundary + "--\r\n";
}
std::string part(const std::string& boundary, const std::string& headers, const std::string& content) {
  return "--" + boundary + "\r\n" + headers + "\r\n" + content + "\r\n";
}
}  // namespace

BOOST_AUTO_TEST_CASE(urlencoded_one_click_as_gmail_sends_it) {
  BOOST_TEST(is_one_click(form, "List-Unsubscribe=One-Click"));
  BOOST_TEST(is_one_click(form, "List-Unsubscribe=One-Click\r\n"));
  BOOST_TEST(is_one_click(form, "List-Unsubscribe=One-Click\n"));
  BOOST_TEST(is_one_click("Application/X-WWW-Form-Urlencoded; charset=UTF-8", "List-Unsubscribe=One-Click"));
}

BOOST_AUTO_TEST_CASE(other_urlencoded_bodies_are_not_one_click) {
  for (auto body : {"", "List-Unsubscribe=One-Click&x=1", "list-unsubscribe=one-click", "List-Unsubscribe=",
                    "List-Unsubscribe=One-Click\r\n\r\n", " List-Unsubscribe=One-Click", "One-Click",
                    "List-Unsubscribe%3DOne-Click"})
    BOOST_TEST_CONTEXT(body) { BOOST_TEST(!is_one_click(form, body)); }
}

BOOST_AUTO_TEST_CASE(content_type_is_required) {
  BOOST_TEST(!is_one_click("", "List-Unsubscribe=One-Click"));
  BOOST_TEST(!is_one_click("text/plain", "List-Unsubscribe=One-Click"));
  BOOST_TEST(!is_one_click("application/json", "{\"List-Unsubscribe\":\"One-Click\"}"));
}

BOOST_AUTO_TEST_CASE(multipart_form_data_one_click) {
  const std::string b = "----kizuna42";
  const auto body = multipart(b, part(b, "Content-Disposition: form-data; name=\"List-Unsubscribe\"\r\n", "One-Click"));
  BOOST_TEST(is_one_click("multipart/form-data; boundary=" + b, body));
  BOOST_TEST(is_one_click("multipart/form-data; boundary=\"" + b + "\"", body));
  // A preamble and a Content-Type on the part are fine.
  const auto with_type =
      "preamble\r\n" +
      multipart(b, part(b, "Content-Disposition: form-data; name=List-Unsubscribe\r\nContent-Type: text/plain\r\n",
                        "One-Click"));
  BOOST_TEST(is_one_click("multipart/form-data; boundary=" + b, with_type));
}

BOOST_AUTO_TEST_CASE(other_multipart_bodies_are_not_one_click) {
  const std::string b = "xyz";
  const std::string type = "multipart/form-data; boundary=" + b;
  const auto disposition = std::string("Content-Disposition: form-data; name=\"List-Unsubscribe\"\r\n");
  BOOST_TEST(!is_one_click("multipart/form-data", multipart(b, part(b, disposition, "One-Click"))));
  BOOST_TEST(!is_one_click(type, multipart(b, part(b, disposition, "one-click"))));
  BOOST_TEST(!is_one_click(type, multipart(b, part(b, "Content-Disposition: form-data; name=\"x\"\r\n", "One-Click"))));
  BOOST_TEST(!is_one_click(type, multipart(b, part(b, disposition, "One-Click") + part(b, disposition, "One-Click"))));
  BOOST_TEST(!is_one_click(type, part(b, disposition, "One-Click")));  // never closed
  BOOST_TEST(!is_one_click(type, multipart(b, part(b, "X-Other: 1\r\n" + disposition, "One-Click"))));
  BOOST_TEST(!is_one_click(type, "--xyz--\r\n"));
}
