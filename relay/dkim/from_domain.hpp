// The domain DMARC aligns with (RFC 7489 §3.1): that of the single mailbox in a
// copy's From field. Picks the addr-spec out of `Name <local@domain>` or a bare
// `local@domain`, skipping quoted strings and (nested) comments, and refuses
// what has no single such mailbox: several mailboxes, a group, no '@', an empty
// or invalid domain. Pure; the result is lower-case A-labels (normalize_domain).
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace kizuna::dkim {

// `value`: the From field's unfolded value (RFC 2047 words may stay encoded).
std::expected<std::string, std::string> from_domain(std::string_view value);

}  // namespace kizuna::dkim
