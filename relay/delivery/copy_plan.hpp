// What each recipient's copy of a message becomes (SPEC §6, §7, §10), decided by
// pure code that `serve` (policy_transaction) and `kizuna preview` share, so a
// preview shows exactly what the relay would send.
//
//   plan_message()  once per message, after DATA: the merge-field template
//                   (with the policy's footers when the mail is marketing), the
//                   campaign, the X-Kizuna-Persona header, the Message-ID.
//   plan_copy()     per recipient: the policy decision, then what
//                   personalization can change in it:
//                     - a marketing copy with merge.require_unsubscribe_link and
//                       no visible {{unsubscribe_url}} → hold
//                       (builtin:unsubscribe-link-missing);
//                     - a field with no value → merge.on_missing_field
//                       (builtin:missing-field; `blank` renders it empty);
//                   and the persona and unsubscribe links the copy carries.
//   render_copy()   the copy's bytes (plain, not dot-stuffed): To is the
//                   recipient alone, a Message-ID of its own (derived from the
//                   original's and the address, so a retry or a preview gives the
//                   same one), the persona's From/Reply-To, every X-Kizuna-*
//                   field removed, and on marketing copies List-Unsubscribe and
//                   List-Unsubscribe-Post (RFC 8058) replacing any the sender set.
// Marketing = the category is not one the policies declare transactional.
#pragma once

#include <chrono>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "relay/config/settings.hpp"
#include "relay/dkim/signer.hpp"
#include "relay/mime/control_headers.hpp"
#include "relay/mime/header.hpp"
#include "relay/personalize/message_template.hpp"
#include "relay/policy/decision.hpp"
#include "relay/policy/inputs.hpp"
#include "relay/policy/model.hpp"
#include "relay/policy/persona_choice.hpp"

namespace kizuna::delivery {

inline constexpr const char* missing_field_rule = "builtin:missing-field";
inline constexpr const char* unsubscribe_link_rule = "builtin:unsubscribe-link-missing";
inline constexpr const char* merge_template_rule = "builtin:merge-template";  // a broken merge field
inline constexpr const char* dkim_no_key_rule = "builtin:dkim-no-key";  // no key for the From domain (issue 12)
inline constexpr const char* dkim_from_rule = "builtin:dkim-from";      // not exactly one From mailbox

// The message's campaign after DATA: X-Kizuna-Campaign, and the category from
// the listener (when fixed), else X-Kizuna-Category, else the policies' default.
policy::campaign_info campaign_of(const policy::policy_set& policies, std::string_view fixed_category,
                                  const mime::control_headers& control);

// A header's From fields: how many, and the domain of the first (or why it has none).
struct from_fields {
  std::size_t count = 0;
  std::expected<std::string, std::string> domain = std::unexpected(std::string("no From field"));
};
from_fields from_fields_of(std::span<const mime::header_field> fields);

struct message_plan {
  personalize::message_template tmpl;
  policy::campaign_info campaign;
  bool marketing = false;
  std::optional<std::string> persona_header;  // X-Kizuna-Persona
  std::string message_id;                     // the original Message-ID (or the caller's stand-in)
  std::string id_domain;                      // right-hand side of the copies' Message-IDs
  from_fields from;                           // the original's From fields
};

// `plain`: the whole message, dot-stuffing removed. `message_id`: its
// Message-ID, or when it has none an id unique to this message (the copies'
// Message-IDs derive from it). The error says which part or the Subject holds
// a broken merge field (the message cannot be sent as it is).
// `parts` (serve's per-thread cache; preview and hold release pass none) serves
// parts compiled for an earlier message with the same body.
std::expected<message_plan, std::string> plan_message(std::string plain, const policy::policy_set& policies,
                                                      const policy::campaign_info& campaign,
                                                      const mime::control_headers& control,
                                                      std::string message_id, std::string_view hostname,
                                                      personalize::part_cache* parts = nullptr);

struct copy_decision {
  policy::decision decision;  // the policy's, possibly changed by the checks above
  policy::persona_choice persona;
  std::string unsubscribe_url;     // "" : unsubscribe not configured
  std::string unsubscribe_mailto;  // an address; "" : no mailto_domain
  std::vector<std::string> missing;  // fields with no value (relayed blank only under `blank`)
  // DKIM (config `dkim`, issue 12): the keys a relayed copy is signed with (none:
  // unsigned), and what the audit record says of it ("" without a dkim section).
  std::vector<const dkim::signing_key*> dkim_keys;
  std::string dkim_note;
};

// With `dkim`, a relayed copy gets the keys of its final From's domain (the
// persona's, else the original's), or of its nearest keyed parent; a copy
// whose domain has none gets dkim.on_missing_key: hold or defer (rule
// builtin:dkim-no-key), relayed unsigned, or signed with default_domain's keys.
// A copy with other than one From mailbox is held (on_missing_key: hold) or
// refused (builtin:dkim-from, 554 5.6.0): it cannot pass DMARC either way.
copy_decision plan_copy(const message_plan& plan, const policy::policy_set& policies, const policy::inputs& in,
                        const config::unsubscribe_settings* unsubscribe, const config::dkim_settings* dkim = nullptr);

// The keys for a finished copy (plain form) by its own From field, under the
// same rules as plan_copy; for copies signed outside the relay's pipeline (hold
// release, which signs with the keys loaded now). The error says why the copy
// cannot go out signed (it then stays where it is).
struct copy_signing {
  std::vector<const dkim::signing_key*> keys;  // empty: relayed unsigned (on_missing_key: unsigned)
  std::string note;                            // for the audit record
};
std::expected<copy_signing, std::string> signing_for_copy(std::string_view plain, const config::dkim_settings& dkim);

// The sign options for copies signed at `now` under `dkim` (t= now, x= now +
// expire_s when set); the same for serve, hold release and preview.
dkim::sign_options signing_options(const config::dkim_settings* dkim, std::chrono::system_clock::time_point now);

// The audit note of a signed copy: "d=<domain> s=<selector>[ s=<selector>...]".
std::string dkim_note_of(std::span<const dkim::signing_key* const> keys);

struct rendered {
  std::string bytes;  // plain form, the message's line ends
  bool reencoded_utf8 = false;
};

// `to`: the recipient as the client wrote it; `contact`: its contact hash.
// An error means the copy could not be built whole and must not be sent.
std::expected<rendered, std::string> render_copy(const message_plan& plan, const copy_decision& copy,
                                                 const policy::recipient_data& data, std::string_view address,
                                                 std::string_view to);

// Settings that load but would hold every marketing copy: footers or
// require_unsubscribe_link without the config's `unsubscribe:` section. One line
// each, for `kizuna check` and the log at start and reload.
std::vector<std::string> personalization_warnings(const policy::policy_set& policies,
                                                  const config::settings& cfg);

// One line per decision step, for logs, hold files and `kizuna preview`.
std::vector<std::string> trace_lines(const policy::decision& d);

}  // namespace kizuna::delivery
