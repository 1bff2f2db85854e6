#define BOOST_TEST_MODULE smtp
#include "relay/smtp/reply.hpp"

#include <boost/test/unit_test.hpp>

using namespace kizuna::smtp;

BOOST_AUTO_TEST_CASE(wire_includes_enhanced_status_and_crlf) {
  BOOST_TEST(replies::sender_ok().wire() == "250 2.1.0 Ok\r\n");
  BOOST_TEST(replies::recipient_ok().wire() == "250 2.1.5 Ok\r\n");
}

BOOST_AUTO_TEST_CASE(wire_omits_empty_enhanced_status) {
  reply r{250, "", "Ok"};
  BOOST_TEST(r.wire() == "250 Ok\r\n");
  BOOST_TEST(replies::start_data().wire() == "354 End data with <CR><LF>.<CR><LF>\r\n");
}

BOOST_AUTO_TEST_CASE(wire_turns_crlf_in_text_into_spaces_so_replies_cannot_be_injected) {
  auto r = replies::tempfail_downstream("busy\r\n250 2.0.0 fake");
  BOOST_TEST(r.wire() == "451 4.4.1 busy  250 2.0.0 fake\r\n");
}

BOOST_AUTO_TEST_CASE(reply_classes_follow_the_first_digit) {
  BOOST_TEST(replies::ok().positive());
  BOOST_TEST(replies::start_data().positive());
  BOOST_TEST(replies::too_many_recipients().transient());
  BOOST_TEST(!replies::too_many_recipients().permanent());
  BOOST_TEST(replies::line_too_long().permanent());
  BOOST_TEST(!replies::line_too_long().positive());
}

BOOST_AUTO_TEST_CASE(reply_table_codes_match_rfc_3463_statuses) {
  struct expect {
    reply r;
    int code;
    const char* enhanced;
  };
  const expect table[] = {
      {replies::ok(), 250, "2.0.0"},
      {replies::bye(), 221, "2.0.0"},
      {replies::vrfy_cannot(), 252, "2.5.0"},
      {replies::help(), 214, "2.0.0"},
      {replies::syntax_error("x"), 500, "5.5.2"},
      {replies::param_syntax("x"), 501, "5.5.4"},
      {replies::not_implemented(), 502, "5.5.1"},
      {replies::bad_sequence("x"), 503, "5.5.1"},
      {replies::param_not_implemented("x"), 555, "5.5.4"},
      {replies::bad_sender_syntax("x"), 501, "5.1.7"},
      {replies::bad_recipient_syntax("x"), 501, "5.1.3"},
      {replies::non_ascii_address(), 553, "5.6.7"},
      {replies::line_too_long(), 500, "5.5.2"},
      {replies::too_many_recipients(), 452, "4.5.3"},
      {replies::message_too_large(), 552, "5.3.4"},
      {replies::not_allowed_client(), 554, "5.7.1"},
      {replies::auth_required(), 530, "5.7.0"},
      {replies::too_many_errors(), 421, "4.7.0"},
      {replies::timeout(), 421, "4.4.2"},
      {replies::shutting_down(), 421, "4.3.2"},
      {replies::too_many_connections(), 421, "4.7.0"},
      {replies::local_error("x"), 451, "4.3.0"},
      {replies::tempfail_downstream("x"), 451, "4.4.1"},
  };
  for (const auto& e : table) {
    BOOST_TEST(e.r.code == e.code);
    BOOST_TEST(e.r.enhanced == e.enhanced);
    BOOST_TEST(!e.r.text.empty());
  }
}

BOOST_AUTO_TEST_CASE(reason_is_carried_into_the_text) {
  BOOST_TEST(replies::bad_sequence("Need MAIL first").wire() == "503 5.5.1 Need MAIL first\r\n");
  BOOST_TEST(replies::syntax_error("").text == "Syntax error");
}
