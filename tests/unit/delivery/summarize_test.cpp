#define BOOST_TEST_MODULE delivery
// summarize(): the one SMTP reply a client gets for a message whose copies went
// to each recipient separately (SPEC §8). Pure: envelope + per-recipient replies in.
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "relay/delivery/dispatcher.hpp"

using kizuna::delivery::summarize;
using kizuna::smtp::envelope;
using kizuna::smtp::reply;

namespace {

envelope three_recipients() {
  envelope e;
  e.id = "K7Q2X";
  e.recipients = {"a@example.org", "b@example.org", "c@example.org"};
  return e;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_CASE(all_accepted_gives_250_relayed_to_n_of_n) {
  const auto env = three_recipients();
  auto r = summarize(env, {{250, "2.0.0", "Ok"}, {250, "2.6.0", "queued"}, {251, "", "forwarded"}});
  BOOST_TEST(r.code == 250);
  BOOST_TEST(r.enhanced == "2.0.0");
  BOOST_TEST(contains(r.text, "handled for 3 of 3"), r.text);
  BOOST_TEST(contains(r.text, "K7Q2X"), r.text);
}

BOOST_AUTO_TEST_CASE(one_temporary_failure_gives_its_4xx_naming_the_recipient) {
  const auto env = three_recipients();
  auto r = summarize(env, {{250, "2.0.0", "Ok"}, {452, "4.2.2", "mailbox full"}, {250, "2.0.0", "Ok"}});
  BOOST_TEST(r.code == 452);
  BOOST_TEST(r.enhanced == "4.2.2");
  BOOST_TEST(contains(r.text, "<b@example.org>"), r.text);
  BOOST_TEST(contains(r.text, "mailbox full"), r.text);
  BOOST_TEST(contains(r.text, "2 of 3"), r.text);
  BOOST_TEST(!contains(r.text, "a@example.org"), r.text);
}

BOOST_AUTO_TEST_CASE(temporary_failure_wins_over_permanent_ones) {
  const auto env = three_recipients();
  auto r = summarize(env, {{550, "5.1.1", "no such user"}, {250, "2.0.0", "Ok"}, {421, "4.4.2", "timeout"}});
  BOOST_TEST(r.code == 421);
  BOOST_TEST(contains(r.text, "<c@example.org>"), r.text);
  BOOST_TEST(contains(r.text, "1 of 3"), r.text);
}

BOOST_AUTO_TEST_CASE(the_first_temporary_failure_is_reported) {
  const auto env = three_recipients();
  auto r = summarize(env, {{250, "2.0.0", "Ok"}, {451, "4.3.0", "first"}, {450, "4.2.0", "second"}});
  BOOST_TEST(r.code == 451);
  BOOST_TEST(contains(r.text, "<b@example.org>"), r.text);
  BOOST_TEST(contains(r.text, "first"), r.text);
  BOOST_TEST(contains(r.text, "1 of 3"), r.text);
}

BOOST_AUTO_TEST_CASE(all_permanent_failures_give_the_first_5xx) {
  const auto env = three_recipients();
  auto r = summarize(env, {{550, "5.1.1", "no such user"}, {554, "5.7.1", "rejected"}, {552, "5.2.2", "full"}});
  BOOST_TEST(r.code == 550);
  BOOST_TEST(r.enhanced == "5.1.1");
  BOOST_TEST(r.text == "no such user");
}

BOOST_AUTO_TEST_CASE(permanent_failures_mixed_with_successes_give_250) {
  const auto env = three_recipients();
  auto r = summarize(env, {{550, "5.1.1", "no such user"}, {250, "2.0.0", "Ok"}, {250, "2.0.0", "Ok"}});
  BOOST_TEST(r.code == 250);
  BOOST_TEST(r.enhanced == "2.0.0");
  BOOST_TEST(contains(r.text, "handled for 2 of 3"), r.text);
}

BOOST_AUTO_TEST_CASE(missing_enhanced_status_is_filled_from_the_class) {
  const auto env = three_recipients();
  auto temp = summarize(env, {{250, "", "Ok"}, {450, "", "busy"}, {250, "", "Ok"}});
  BOOST_TEST(temp.code == 450);
  BOOST_TEST(temp.enhanced == "4.0.0");

  auto perm = summarize(env, {{550, "", "no"}, {551, "", "no"}, {553, "", "no"}});
  BOOST_TEST(perm.code == 550);
  BOOST_TEST(perm.enhanced == "5.0.0");
}

BOOST_AUTO_TEST_CASE(downstream_control_bytes_never_reach_the_client_reply) {
  const auto env = three_recipients();
  auto r = summarize(env, {{250, "2.0.0", "Ok"}, {451, "4.3.0", "busy\r\n250 2.0.0 fake"}, {250, "2.0.0", "Ok"}});
  BOOST_TEST(r.code == 451);
  BOOST_TEST(!contains(r.text, "\r"), r.text);
  BOOST_TEST(!contains(r.text, "\n"), r.text);
  BOOST_TEST(r.wire().find("\r\n") == r.wire().size() - 2);

  auto perm = summarize(env, {{550, "5.1.1", "no\nsuch"}, {550, "5.1.1", "x"}, {550, "5.1.1", "y"}});
  BOOST_TEST(!contains(perm.text, "\n"), perm.text);
}
