// A message as a person reads it, for `kizuna preview` (issue 13: an
// ISO-2022-JP copy printed raw shows escape sequences, not Japanese): every
// header field of the message with RFC 2047 words decoded, then each part of
// the tree, text parts decoded (transfer encoding, then charset) to UTF-8 and
// the others named with their size. For review only: the exact copy is what
// is sent, and what preview prints after it.
//
// Everything printed is UTF-8 without control characters other than LF and
// TAB (a hostile header or body cannot drive the terminal). Text parts are
// shown up to max_readable_text bytes each.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace kizuna::mime {

inline constexpr std::size_t max_readable_text = 64 * 1024;

std::string readable_view(std::string_view message);

}  // namespace kizuna::mime
