#include "relay/policy/persona_choice.hpp"

namespace kizuna::policy {

const char* to_string(persona_source s) noexcept {
  switch (s) {
    case persona_source::none: return "none";
    case persona_source::header: return "header";
    case persona_source::sticky: return "sticky";
    case persona_source::contact_field: return "contact field";
    case persona_source::fallback: return "default";
  }
  return "none";
}

const persona* find_persona(const policy_set& set, std::string_view id) noexcept {
  for (const persona& p : set.personas)
    if (p.id == id) return &p;
  return nullptr;
}

persona_choice choose_persona(const policy_set& set, const std::optional<std::string>& header_id,
                              const recipient_data& data) {
  persona_choice c;
  if (!set.persona_assignment || set.personas.empty()) return c;
  const persona_assignment_settings& how = *set.persona_assignment;
  auto pick = [&](std::string_view id, persona_source from, std::string_view what) {
    if (const persona* p = find_persona(set, id)) {
      c.chosen = p;
      c.source = from;
      return true;
    }
    c.ignored.push_back(std::string(what) + " '" + std::string(id) + "'");
    return false;
  };

  if (how.header && header_id && pick(*header_id, persona_source::header, "X-Kizuna-Persona")) return c;
  bool stale_sticky = false;
  if (how.sticky && data.sticky_persona) {
    if (pick(*data.sticky_persona, persona_source::sticky, "persona:{addr}")) return c;
    stale_sticky = true;
  }
  if (!how.from_field.empty()) {
    auto it = data.contact.find(how.from_field);
    if (it != data.contact.end() && !it->second.empty() &&
        pick(it->second, persona_source::contact_field, "contact." + how.from_field)) {
      c.record_sticky = how.sticky;
      c.replace_sticky = stale_sticky;
      return c;
    }
  }
  pick(how.default_persona, persona_source::fallback, "default");
  return c;
}

}  // namespace kizuna::policy
