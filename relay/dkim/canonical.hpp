// DKIM "relaxed" canonicalization (RFC 6376 §3.4.2 header, §3.4.4 body), the
// only one Kizuna signs with: it survives the re-folding and whitespace changes
// relays make, and "simple" buys nothing for mail we build ourselves.
//
// Pure. Line ends are CRLF (copies always are: the DATA reader and the renderer
// make them so); a lone CR or LF is an ordinary byte here, as in the wire bytes
// a verifier sees. The body is hashed as it streams through a small buffer, so
// a 20 KB copy costs one pass and no second copy of itself.
#pragma once

#include <string>
#include <string_view>

#include "relay/core/sha256.hpp"

namespace kizuna::dkim {

// One header field, relaxed: the name lower-cased, the value unfolded, every
// run of space/tab one space, none around the colon or at the end, then CRLF.
// `name` as written before the colon; `value` everything after the colon up
// to (not including) the field's final line end, folds included.
void append_relaxed_header(std::string& out, std::string_view name, std::string_view value);

// The body, relaxed: space/tab runs become one space, none at a line's end,
// empty lines at the end dropped, and a non-empty body ends in CRLF (an empty
// body stays empty).
std::string relaxed_body(std::string_view body);

// SHA-256 of relaxed_body(body), without building it.
sha256_digest relaxed_body_hash(std::string_view body);

}  // namespace kizuna::dkim
