// The `company` filter (SPEC §7): one spelling per Japanese company name, so
// that 「(株)ベーシック」, 「（株）ベーシック」, 「㈱ベーシック」 and
// 「株式会社 ベーシック」 all render 「株式会社ベーシック」.
//
//  1. Full-width ASCII (U+FF01..U+FF5E: letters, digits, punctuation and the
//     parentheses of 「（株）」) becomes half-width; U+3000 (ideographic space),
//     U+00A0, TAB, CR and LF become a space.
//  2. Legal-form markers become the full form, in place (前株 stays a prefix,
//     後株 a suffix; a marker in the middle stays there):
//       株式会社 (株) ㈱ ㍿ → 株式会社     有限会社 (有) ㈲ → 有限会社
//       合同会社 (同)       → 合同会社     合資会社 (資) ㈾ → 合資会社
//       合名会社 (名) ㈴    → 合名会社
//  3. Spaces next to a marker are removed, other runs of spaces become one,
//     and the ends are trimmed.
// Pure, total and idempotent: normalize_company(normalize_company(x)) ==
// normalize_company(x). Bytes that are not UTF-8 pass through unchanged.
#pragma once

#include <string>
#include <string_view>

namespace kizuna::personalize {

std::string normalize_company(std::string_view name);
void append_normalized_company(std::string& out, std::string_view name);  // `name` must not alias `out`

}  // namespace kizuna::personalize
