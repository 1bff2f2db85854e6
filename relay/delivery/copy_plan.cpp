#include "relay/delivery/copy_plan.hpp"

#include <fmt/format.h>

#include <optional>

#include "relay/core/address.hpp"
#include "relay/core/ascii.hpp"
#include "relay/core/sha256.hpp"
#include "relay/dkim/from_domain.hpp"
#include "relay/mime/header.hpp"
#include "relay/policy/evaluator.hpp"
#include "relay/unsubscribe/links.hpp"
#include "relay/unsubscribe/token.hpp"

namespace kizuna::delivery {
namespace {

// The values one copy's slots read: the contact hash, the persona, the unsubscribe link.
class copy_values final : public personalize::value_source {
 public:
  copy_values(const policy::recipient_data& data, const policy::persona* persona, std::string_view unsubscribe_url)
      : contact_(data.contact), persona_(persona), unsubscribe_url_(unsubscribe_url) {}

  std::optional<std::string_view> find(std::string_view name) const override {
    if (name.starts_with("contact.")) {
      auto it = contact_.find(std::string(name.substr(8)));
      if (it == contact_.end()) return std::nullopt;
      return std::string_view(it->second);
    }
    if (name == "unsubscribe_url") {
      if (unsubscribe_url_.empty()) return std::nullopt;
      return unsubscribe_url_;
    }
    if (!persona_ || !name.starts_with("persona.")) return std::nullopt;
    const std::string_view attr = name.substr(8);
    if (attr.starts_with("fields.")) {
      auto it = persona_->fields.find(std::string(attr.substr(7)));
      if (it == persona_->fields.end()) return std::nullopt;
      return std::string_view(it->second);
    }
    if (attr == "display_name") return std::string_view(persona_->display_name);
    if (attr == "id") return std::string_view(persona_->id);
    if (attr == "address") return std::string_view(persona_->address);
    if (attr == "reply_to")
      return persona_->reply_to.empty() ? std::nullopt : std::optional<std::string_view>(persona_->reply_to);
    return std::nullopt;
  }

 private:
  const std::map<std::string, std::string>& contact_;
  const policy::persona* persona_;
  std::string_view unsubscribe_url_;
};

// A dot-atom domain (RFC 5322 id-right) or nothing.
bool plausible_id_domain(std::string_view s) {
  if (s.empty() || s.size() > 255 || s.front() == '.' || s.back() == '.') return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_')) return false;
  return true;
}

policy::action to_action(policy::missing_field_action a) {
  switch (a) {
    case policy::missing_field_action::drop: return policy::action::drop;
    case policy::missing_field_action::defer: return policy::action::defer;
    case policy::missing_field_action::hold:
    case policy::missing_field_action::blank: break;
  }
  return policy::action::hold;
}

void overrule(policy::decision& d, policy::action a, const char* rule, std::string reason) {
  d.trace.push_back({rule, policy::tri::yes, reason});
  d.action = a;
  d.rule_id = rule;
  d.reason = std::move(reason);
}

// The keys for a From domain, or what on_missing_key makes of one without:
// default_domain's keys, relayed unsigned (a note saying why), or `waits` (hold
// or defer: the caller says which it means). Shared by the relay and hold release.
struct key_choice {
  std::vector<const dkim::signing_key*> keys;
  std::string note;                   // the audit record's dkim field
  std::optional<std::string> waits;   // why the copy cannot go now
};

key_choice choose_keys(const std::string& domain, const config::dkim_settings& dkim) {
  using config::dkim_missing_key;
  key_choice out;
  auto keys = dkim.table->for_domain(domain);
  if (keys.empty()) {
    std::string why = "no DKIM key for " + domain + " or a parent domain";
    switch (dkim.on_missing_key) {
      case dkim_missing_key::hold:
      case dkim_missing_key::defer: out.waits = std::move(why); return out;
      case dkim_missing_key::relay_unsigned: out.note = "unsigned: " + why; return out;
      case dkim_missing_key::sign_default: keys = dkim.table->for_domain(dkim.default_domain); break;
    }
  }
  out.keys.assign(keys.begin(), keys.end());
  out.note = dkim_note_of(keys);
  return out;
}

// The keys for the copy's final From, or what on_missing_key makes of a copy without.
template <class Overrule>
void plan_signing(copy_decision& c, const message_plan& plan, const config::dkim_settings& dkim, Overrule&& overrule_relay) {
  const bool holds = dkim.on_missing_key == config::dkim_missing_key::hold;
  std::expected<std::string, std::string> domain = plan.from.domain;
  if (const policy::persona* p = c.persona.chosen; p && !p->address.empty()) {
    domain = dkim::from_domain(p->address);  // the persona's From replaces every original one
  } else if (plan.from.count != 1) {
    domain = std::unexpected(plan.from.count == 0 ? std::string("the message has no From field")
                                                  : fmt::format("the message has {} From fields", plan.from.count));
  }
  if (!domain) {
    const std::string why = domain.error() + "; a signed copy needs exactly one From mailbox (RFC 5322 §3.6.2)";
    overrule_relay(holds ? policy::action::hold : policy::action::reject, dkim_from_rule, why);
    return;
  }
  key_choice choice = choose_keys(*domain, dkim);
  if (choice.waits) {
    overrule_relay(holds ? policy::action::hold : policy::action::defer, dkim_no_key_rule, *choice.waits);
    return;
  }
  c.dkim_keys = std::move(choice.keys);
  c.dkim_note = std::move(choice.note);
}

}  // namespace

policy::campaign_info campaign_of(const policy::policy_set& policies, std::string_view fixed_category,
                                  const mime::control_headers& control) {
  return {true, true, control.campaign,
          !fixed_category.empty() ? std::string(fixed_category)
                                  : control.category.value_or(policies.default_category)};
}

std::expected<message_plan, std::string> plan_message(std::string plain, const policy::policy_set& policies,
                                                      const policy::campaign_info& campaign,
                                                      const mime::control_headers& control,
                                                      std::string message_id, std::string_view hostname,
                                                      personalize::part_cache* parts) {
  const bool marketing = !policies.transactional_categories.contains(campaign.category);
  personalize::compile_options options;
  options.cache = parts;
  if (marketing) {
    options.footer_text = policies.merge.footer_text;
    options.footer_html = policies.merge.footer_html;
  }
  auto tmpl = personalize::compile_message(std::move(plain), options);
  if (!tmpl) return std::unexpected(tmpl.error());
  message_plan plan{std::move(*tmpl), campaign, marketing, control.persona, std::move(message_id), {}};
  const std::string_view id = plan.message_id;
  const auto at = id.rfind('@');
  if (at != std::string_view::npos && id.ends_with('>') && plausible_id_domain(id.substr(at + 1, id.size() - at - 2)))
    plan.id_domain = std::string(id.substr(at + 1, id.size() - at - 2));
  else
    plan.id_domain = plausible_id_domain(hostname) ? std::string(hostname) : "kizuna.invalid";
  plan.from = from_fields_of(plan.tmpl.message().root().fields);
  return plan;
}

from_fields from_fields_of(std::span<const mime::header_field> fields) {
  from_fields out;
  for (const mime::header_field& f : fields)
    if (iequals(f.name, "From") && out.count++ == 0) out.domain = dkim::from_domain(f.value);
  return out;
}

std::string dkim_note_of(std::span<const dkim::signing_key* const> keys) {
  if (keys.empty()) return {};
  std::string note = "d=" + keys.front()->domain;
  for (const dkim::signing_key* k : keys) note += " s=" + k->selector;
  return note;
}

dkim::sign_options signing_options(const config::dkim_settings* dkim, std::chrono::system_clock::time_point now) {
  return {std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count(),
          dkim ? dkim->expire_s : std::nullopt};
}

std::expected<copy_signing, std::string> signing_for_copy(std::string_view plain, const config::dkim_settings& dkim) {
  auto [froms, domain] = from_fields_of(mime::parse_header_block(plain, 0).fields);
  if (froms > 1) domain = std::unexpected(fmt::format("{} From fields", froms));
  if (!domain) return std::unexpected(domain.error() + "; a signed copy needs exactly one From mailbox");
  key_choice choice = choose_keys(*domain, dkim);
  if (choice.waits) return std::unexpected(std::move(*choice.waits));
  return copy_signing{std::move(choice.keys), std::move(choice.note)};
}

copy_decision plan_copy(const message_plan& plan, const policy::policy_set& policies, const policy::inputs& in,
                        const config::unsubscribe_settings* unsubscribe, const config::dkim_settings* dkim) {
  copy_decision c;
  c.decision = policy::evaluate(policies, in);
  const policy::action a = c.decision.action;
  if (a != policy::action::relay && a != policy::action::hold) return c;

  c.persona = policy::choose_persona(policies, plan.persona_header, *in.data);
  if (unsubscribe && !unsubscribe->keys.empty() &&
      (plan.marketing || plan.tmpl.shows_unsubscribe_url())) {
    const std::string scope = plan.campaign.category.empty() ? "*" : plan.campaign.category;
    // The campaign rides in the token: the unsubscribe is counted for this copy's campaign.
    const std::string_view campaign = plan.campaign.id ? std::string_view(*plan.campaign.id) : std::string_view();
    if (auto token = unsubscribe::make_token(in.address, scope, unsubscribe->keys, campaign)) {
      c.unsubscribe_url = unsubscribe::url_for(unsubscribe->base_url, *token);
      if (!unsubscribe->mailto_domain.empty())
        c.unsubscribe_mailto = unsubscribe::mailto_for(unsubscribe->mailto_domain, *token);
    }
  }
  const copy_values values(*in.data, c.persona.chosen, c.unsubscribe_url);
  c.missing = personalize::missing_fields(plan.tmpl, values);
  if (a != policy::action::relay) return c;

  // An overruled relay is read (hold show, the reply): made again with its trace.
  auto overrule_relay = [&](policy::action to, const char* rule, std::string reason) {
    if (!in.explain) {
      policy::inputs explained = in;
      explained.explain = true;
      c.decision = policy::evaluate(policies, explained);
    }
    overrule(c.decision, to, rule, std::move(reason));
  };

  if (plan.marketing && policies.merge.require_unsubscribe_link &&
      (!plan.tmpl.shows_unsubscribe_url() || c.unsubscribe_url.empty())) {
    overrule_relay(policy::action::hold, unsubscribe_link_rule, "marketing copy without a visible unsubscribe link");
    return c;
  }
  if (!c.missing.empty() && policies.merge.on_missing_field != policy::missing_field_action::blank) {
    std::string names;
    for (const auto& m : c.missing) names += (names.empty() ? "" : ", ") + m;
    overrule_relay(to_action(policies.merge.on_missing_field), missing_field_rule, "no value for merge field " + names);
    if (c.decision.action != policy::action::relay) return c;
  }
  if (dkim && dkim->table) plan_signing(c, plan, *dkim, overrule_relay);
  return c;
}

std::expected<rendered, std::string> render_copy(const message_plan& plan, const copy_decision& copy,
                                                 const policy::recipient_data& data, std::string_view address,
                                                 std::string_view to) {
  personalize::copy_headers h;
  h.to = std::string(to);
  // Every copy gets a new To and Message-ID, and most a new From, body or
  // List-Unsubscribe: a signature the sender made no longer verifies, and a
  // broken one only costs the copy at receivers that score them (RFC 6376 §6.3).
  h.remove.emplace_back("DKIM-Signature");
  // SHA-256 over the original id and the address (the memo's digest function), 128 bits.
  h.message_id = "<" + sha256_hex({plan.message_id, "\n", address}).substr(0, 32) + "@" + plan.id_domain + ">";
  if (const policy::persona* p = copy.persona.chosen) {
    h.from_display = p->display_name;
    h.from_address = p->address;
    if (!p->reply_to.empty()) h.reply_to = p->reply_to;
  }
  if (plan.marketing && !copy.unsubscribe_url.empty()) {
    std::string links = "<" + copy.unsubscribe_url + ">";
    if (!copy.unsubscribe_mailto.empty())
      links += "," + std::string(plan.tmpl.message().newline()) + " <mailto:" + copy.unsubscribe_mailto + ">";
    h.set.emplace_back("List-Unsubscribe", std::move(links));
    h.set.emplace_back("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
  }
  const copy_values values(data, copy.persona.chosen, copy.unsubscribe_url);
  personalize::rendered_copy r = personalize::render_copy(plan.tmpl, values, h);
  if (!r.error.empty()) return std::unexpected(r.error);
  if (!r.refused_headers.empty()) return std::unexpected("header field refused: " + r.refused_headers.front());
  return rendered{std::move(r.bytes), r.reencoded_utf8};
}

std::vector<std::string> personalization_warnings(const policy::policy_set& policies,
                                                  const config::settings& cfg) {
  std::vector<std::string> out;
  if (cfg.unsubscribe) return out;
  const auto& merge = policies.merge;
  if (merge.footer_text.find("unsubscribe_url") != std::string::npos ||
      merge.footer_html.find("unsubscribe_url") != std::string::npos)
    out.push_back("merge.footer uses {{unsubscribe_url}} but the config has no unsubscribe section: "
                  "marketing copies will be held for a missing field (merge.on_missing_field)");
  if (merge.require_unsubscribe_link)
    out.push_back("merge.require_unsubscribe_link is on but the config has no unsubscribe section: "
                  "every marketing copy will be held");
  return out;
}

std::vector<std::string> trace_lines(const policy::decision& d) {
  std::vector<std::string> out;
  for (auto& t : d.trace)
    out.push_back(t.rule_id + ": " +
                  (t.result == policy::tri::yes  ? "matched"
                   : t.result == policy::tri::no ? "no"
                                                 : "unknown") +
                  (t.detail.empty() ? "" : " (" + t.detail + ")"));
  return out;
}

}  // namespace kizuna::delivery
