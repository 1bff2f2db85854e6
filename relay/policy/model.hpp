// The loaded policy (SPEC §6): plain data built by policy::load() from the YAML
// files named in `policies:`, then only read (shared_ptr<const policy_set>,
// swapped on SIGHUP with the config). The evaluator (evaluator.hpp) walks it.
//
// Policy file format (several files may be loaded; rules are concatenated in
// order: config entries in order, each glob's matches sorted by name):
//
//   categories:
//     transactional: [transactional, receipt]  # exempt from the built-in opt-out (union over files)
//     default: newsletter                      # category when X-Kizuna-Category is absent (one file at most)
//   optout:
//     action: reject                           # reject | drop; built-in opt-out rule's action (default reject)
//   timezone:
//     field: timezone                          # contact field holding an IANA zone (default "timezone")
//     default: Asia/Tokyo                      # zone when the contact has none or an unknown one (default UTC)
//   rules:
//     - id: complaint-open                     # unique across all files
//       description: クレーム対応中は配信しない
//       match: { exclusion: complaint }
//       action: drop                           # relay | drop | reject | defer | hold
//   personas:                                  # senders a copy may go out as (SPEC §6); list, concatenated over files
//     - id: yamada                             # unique across all files; letters, digits, '.', '_', '-'
//       display_name: 山田 太郎（営業部）      # UTF-8, one line, no control characters
//       address: yamada@example.co.jp          # stored normalized (core/address.hpp)
//       reply_to: eigyo@example.co.jp          # optional
//       fields: { title: 営業部 課長, phone: 03-1234-5678 }  # optional; {{persona.fields.<name>}}
//   persona_assignment:                        # one file at most; required (for `default`) when personas exist
//     from_field: contact.owner                # optional; the contact field holding a persona id
//     header: true                             # X-Kizuna-Persona may choose the persona (default true)
//     default: yamada                          # persona id when nothing else chooses one
//     sticky: false                            # keep a contact with the same persona across campaigns
//   merge:                                     # one file at most
//     on_missing_field: hold                   # hold | drop | defer | blank (default hold)
//     require_unsubscribe_link: false          # default false
//     footer:                                  # optional; each a template (personalize/template.hpp),
//       text: "...{{unsubscribe_url}}"         # compiled (text / html context) when the file loads
//       html: "<p>{{persona.display_name}}</p>"
//
// Matchers (a mapping with exactly one matcher key; `field` takes one operator):
//   optout: true | <scope>          opted out (address or domain) for "*" or the message's category / <scope>
//   exclusion: <name>               exclusion:{addr} has <name>, and its `until` is "-" or in the future
//   field: contact.<name>           with one of  equals: v | in: [v, ...] | exists: true|false | matches: <RE2>
//   campaign.category: v | [v, ...]
//   campaign.id: v | [v, ...]
//   sent_within: {period: 7d, at_least: 3, category: newsletter}   at least N copies relayed within period
//   local_time_between: ["21:00", "08:00"]   contact's local time in [from, to), may cross midnight
//   consent_missing: true | <scope>  no consent:{addr} entry for the message's category / <scope>
//   all: [m, ...] | any: [m, ...] | not: m
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

namespace re2 {
class RE2;
}

namespace kizuna::policy {

enum class action { relay, drop, reject, defer, hold };

struct matcher;
using matcher_list = std::vector<matcher>;

struct optout_match {
  std::optional<std::string> scope;  // nullopt: "*" or the message's category
};
struct exclusion_match {
  std::string name;
};
struct field_match {
  enum class op { equals, in, exists, matches };
  std::string field;                // contact field name, without "contact."
  op operation = op::equals;
  std::vector<std::string> values;  // equals: one; in: several
  bool exists = true;               // exists
  std::shared_ptr<const re2::RE2> regex;  // matches (RE2: linear time on contact data)
};
struct campaign_match {
  enum class part { category, id };
  part which = part::category;
  std::vector<std::string> values;
};
struct sent_within_match {
  std::chrono::seconds period{0};
  unsigned at_least = 1;
  std::optional<std::string> category;  // nullopt: copies of every category count
};
struct local_time_match {
  std::chrono::minutes from{0};  // minutes after local midnight
  std::chrono::minutes to{0};    // exclusive; to < from crosses midnight
};
struct consent_missing_match {
  std::optional<std::string> scope;  // nullopt: the message's category
};
struct all_match {
  matcher_list items;
};
struct any_match {
  matcher_list items;
};
struct not_match {
  std::shared_ptr<const matcher> item;
};

struct matcher {
  std::variant<optout_match, exclusion_match, field_match, campaign_match, sent_within_match, local_time_match,
               consent_missing_match, all_match, any_match, not_match>
      kind;
};

struct rule {
  std::string id;
  std::string description;
  matcher match;
  policy::action action = action::relay;
  std::string file;  // where it was defined, for traces and diagnostics
  int line = 0;
};

// What the loaded rules need from Redis, so one pipelined round trip fetches
// exactly that (opt-out data is always fetched: the built-in rule needs it).
struct data_needs {
  bool contact = false;
  bool exclusion = false;
  bool consent = false;
  bool sent = false;
  bool sticky_persona = false;  // persona:{addr}
};

// A sender identity (SPEC §6): the From / Reply-To a copy goes out with, and
// what {{persona.*}} slots render.
struct persona {
  std::string id;
  std::string display_name;  // UTF-8, one line
  std::string address;       // normalized
  std::string reply_to;      // normalized; "" : none
  std::map<std::string, std::string> fields;  // {{persona.fields.<name>}} -> UTF-8 value
};

// How a recipient's persona is chosen (policy/persona_choice.hpp): the control
// header (when allowed), the sticky assignment, the contact field, the default.
struct persona_assignment_settings {
  std::string from_field;  // contact field name, without "contact."; "" : none
  bool header = true;      // X-Kizuna-Persona may choose (override) the persona
  std::string default_persona;  // a persona id (checked to exist)
  bool sticky = false;     // keep a contact with the same persona across campaigns
};

// What to do with a recipient whose copy uses a contact field it does not have.
enum class missing_field_action { hold, drop, defer, blank };

struct merge_settings {
  missing_field_action on_missing_field = missing_field_action::hold;
  bool require_unsubscribe_link = false;
  std::string footer_text;  // templates (compiled once at load to check them); "" : none
  std::string footer_html;
};

struct policy_set {
  std::vector<rule> rules;  // in evaluation order, after the built-in opt-out rule
  std::set<std::string> transactional_categories;
  std::string default_category;       // "" : none (the category stays unknown -> not transactional)
  action optout_action = action::reject;
  std::string timezone_field = "timezone";
  std::string default_timezone = "UTC";
  std::chrono::seconds longest_sent_period{0};  // how much of sent:{addr} to keep and fetch
  std::vector<persona> personas;  // in file order
  std::optional<persona_assignment_settings> persona_assignment;
  merge_settings merge;
  data_needs needs;
  std::string version;  // hex SHA-256 over the loaded files' names and bytes (audit policy_version)
};

// The id the built-in opt-out rule has in traces and audit records.
inline constexpr const char* builtin_optout_rule = "builtin:optout";

}  // namespace kizuna::policy
