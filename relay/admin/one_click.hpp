// Recognizes the body of an RFC 8058 one-click unsubscribe POST: the form field
// List-Unsubscribe=One-Click and nothing else, sent either as
//  - application/x-www-form-urlencoded: exactly "List-Unsubscribe=One-Click",
//    a trailing CRLF or LF tolerated (what Gmail sends, and the confirmation
//    page's form), or
//  - multipart/form-data (RFC 7578, which RFC 8058 §3.1 prefers): one part,
//    Content-Disposition: form-data; name="List-Unsubscribe", content "One-Click".
// Media type and parameter names are case-insensitive; the field is not.
// Anything else (another field, a second part, a missing Content-Type) is not
// a one-click request: the endpoint answers 400 and changes nothing.
#pragma once

#include <string_view>

namespace kizuna::admin {

bool is_one_click(std::string_view content_type, std::string_view body);

}  // namespace kizuna::admin
