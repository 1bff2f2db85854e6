// copy_plan (pure): what personalization changes in a recipient's decision
// (missing fields, require_unsubscribe_link), footers only on marketing mail,
// List-Unsubscribe replacing the sender's, deterministic per-copy Message-IDs.
#include <boost/test/unit_test.hpp>
#include <string>

#include "relay/delivery/copy_plan.hpp"

using namespace kizuna;
using namespace kizuna::delivery;

namespace {

const std::string marketing_mail =
    "From: news@example.org\r\nTo: list:;\r\nMessage-ID: <m1@shop.example.jp>\r\n"
    "List-Unsubscribe: <https://esp.example.net/x>\r\nX-Kizuna-Category: newsletter\r\n"
    "Subject: {{last_name}} 様\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n\r\nこんにちは {{last_name}} 様\r\n";

struct world {
  policy::policy_set policies;
  config::unsubscribe_settings unsubscribe{"https://u.example.com", "example.com", {}, {std::string(32, 'k')}};
  policy::recipient_data data;

  world() {
    policies.transactional_categories = {"receipt"};
    policies.default_category = "newsletter";
    policies.merge.footer_text = "配信停止: {{unsubscribe_url}}\n";
  }

  message_plan plan(const std::string& mail) {
    const std::string wire = mail;  // no line starts with '.': wire form == plain form
    const auto control = mime::read_control_headers(wire);
    auto p = plan_message(wire, policies, campaign_of(policies, {}, control), control,
                          control.message_id.value_or("<x>"), "relay.example.net");
    BOOST_REQUIRE(p.has_value());
    return std::move(*p);
  }

  copy_decision decide(const message_plan& p, const std::string& address = "a@example.com") {
    policy::inputs in{address, &data, p.campaign, std::chrono::system_clock::now()};
    return plan_copy(p, policies, in, &unsubscribe);
  }
};

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_CASE(marketing_copy_gets_footer_and_list_unsubscribe_replacing_the_senders) {
  world w;
  w.data.contact["last_name"] = "青木";
  auto p = w.plan(marketing_mail);
  BOOST_TEST(p.marketing);
  auto c = w.decide(p);
  BOOST_TEST((c.decision.action == policy::action::relay));
  BOOST_TEST(c.missing.empty());
  auto copy = render_copy(p, c, w.data, "a@example.com", "A@Example.com");
  BOOST_REQUIRE(copy.has_value());
  const std::string& b = copy->bytes;
  BOOST_TEST(has(b, "List-Unsubscribe: <https://u.example.com/u/"));
  BOOST_TEST(has(b, "<mailto:unsubscribe+"));
  BOOST_TEST(!has(b, "esp.example.net"));
  BOOST_TEST(has(b, "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"));
  BOOST_TEST(has(b, "配信停止: https://u.example.com/u/"), b);
  BOOST_TEST(has(b, "To: A@Example.com\r\n"));
  BOOST_TEST(!has(b, "X-Kizuna-"));
}

BOOST_AUTO_TEST_CASE(transactional_copy_gets_neither) {
  world w;
  w.data.contact["last_name"] = "青木";
  std::string mail = marketing_mail;
  mail.replace(mail.find("newsletter"), 10, "receipt");
  auto p = w.plan(mail);
  BOOST_TEST(!p.marketing);
  auto copy = render_copy(p, w.decide(p), w.data, "a@example.com", "a@example.com");
  BOOST_REQUIRE(copy.has_value());
  BOOST_TEST(has(copy->bytes, "List-Unsubscribe: <https://esp.example.net/x>"));  // the sender's, untouched
  BOOST_TEST(!has(copy->bytes, "List-Unsubscribe-Post"));
  BOOST_TEST(!has(copy->bytes, "配信停止"));
}

BOOST_AUTO_TEST_CASE(missing_field_follows_on_missing_field) {
  const std::pair<policy::missing_field_action, policy::action> cases[] = {
      {policy::missing_field_action::hold, policy::action::hold},
      {policy::missing_field_action::drop, policy::action::drop},
      {policy::missing_field_action::defer, policy::action::defer},
      {policy::missing_field_action::blank, policy::action::relay},
  };
  for (auto [setting, expected] : cases) {
    world w;
    w.policies.merge.on_missing_field = setting;
    auto p = w.plan(marketing_mail);
    auto c = w.decide(p);
    BOOST_TEST((c.decision.action == expected));
    BOOST_REQUIRE(c.missing.size() == 1u);
    BOOST_TEST(c.missing[0] == "contact.last_name");
    if (expected != policy::action::relay) {
      BOOST_TEST(c.decision.rule_id == missing_field_rule);
      BOOST_TEST(has(c.decision.reason, "contact.last_name"));
    }
  }
}

BOOST_AUTO_TEST_CASE(required_link_missing_holds_marketing_only) {
  world w;
  w.policies.merge.require_unsubscribe_link = true;
  w.policies.merge.footer_text.clear();
  w.data.contact["last_name"] = "青木";
  auto c = w.decide(w.plan(marketing_mail));
  BOOST_TEST((c.decision.action == policy::action::hold));
  BOOST_TEST(c.decision.rule_id == unsubscribe_link_rule);

  // A footer with the link satisfies it, unless unsubscribe links cannot be made.
  w.policies.merge.footer_text = "{{unsubscribe_url}}";
  BOOST_TEST((w.decide(w.plan(marketing_mail)).decision.action == policy::action::relay));
  w.unsubscribe.keys.clear();
  BOOST_TEST((w.decide(w.plan(marketing_mail)).decision.action != policy::action::relay));

  std::string mail = marketing_mail;
  mail.replace(mail.find("newsletter"), 10, "receipt");
  w.policies.merge.footer_text.clear();
  BOOST_TEST((w.decide(w.plan(mail)).decision.action == policy::action::relay));
}

BOOST_AUTO_TEST_CASE(policy_decisions_other_than_relay_and_hold_are_left_alone) {
  world w;
  w.data.optout["*"] = "1700000000|cli|";
  auto c = w.decide(w.plan(marketing_mail));
  BOOST_TEST((c.decision.action == policy::action::reject));
  BOOST_TEST(c.decision.rule_id == policy::builtin_optout_rule);
  BOOST_TEST(c.unsubscribe_url.empty());
}

BOOST_AUTO_TEST_CASE(message_ids_are_per_copy_and_stable) {
  world w;
  w.data.contact["last_name"] = "青木";
  auto p = w.plan(marketing_mail);
  auto id = [&](const std::string& address) {
    auto copy = render_copy(p, w.decide(p, address), w.data, address, address);
    BOOST_REQUIRE(copy.has_value());
    const auto at = copy->bytes.find("Message-ID: <");
    return copy->bytes.substr(at, copy->bytes.find('>', at) - at + 1);
  };
  BOOST_TEST(id("a@example.com") == id("a@example.com"));
  BOOST_TEST(id("a@example.com") != id("b@example.com"));
  BOOST_TEST(has(id("a@example.com"), "@shop.example.jp>"));
  BOOST_TEST(!has(id("a@example.com"), "m1@"));
}
