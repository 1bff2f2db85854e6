// Which sender persona a recipient's copy goes out as (SPEC §6
// persona_assignment), in this order:
//   1. the message's X-Kizuna-Persona header, when `header: true` allows it
//      (a campaign sent on behalf of one rep);
//   2. the contact's sticky assignment persona:{addr}, when `sticky: true`;
//   3. the contact field `from_field` (e.g. the CRM owner);
//   4. the default.
// An id that names no loaded persona is skipped (and reported in `ignored`), so
// a stale CRM value or a persona removed from the policy falls through to the
// next source instead of failing the copy. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "relay/policy/inputs.hpp"
#include "relay/policy/model.hpp"

namespace kizuna::policy {

enum class persona_source { none, header, sticky, contact_field, fallback };
const char* to_string(persona_source s) noexcept;

struct persona_choice {
  const persona* chosen = nullptr;  // null: no personas configured; the copy keeps its From
  persona_source source = persona_source::none;
  // With sticky on: write persona:{addr} for this copy (nothing stored yet, or the
  // stored id no longer exists: replace_sticky). Only a contact-field choice is
  // recorded: a header choice is per campaign, and the default is what a contact
  // without an owner gets until the CRM assigns one.
  bool record_sticky = false;
  bool replace_sticky = false;
  std::vector<std::string> ignored;  // "header 'x'", "contact.owner 'y'": ids that name no persona
};

const persona* find_persona(const policy_set& set, std::string_view id) noexcept;

persona_choice choose_persona(const policy_set& set, const std::optional<std::string>& header_id,
                              const recipient_data& data);

}  // namespace kizuna::policy
