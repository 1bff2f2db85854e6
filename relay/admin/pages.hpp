// The unsubscribe pages (SPEC §10) and short texts, in Japanese and English.
// Pure: every value that reaches HTML goes through personalize::escape_html
// (the one HTML escaping the templates use too); the address is
// shown masked (the page may be seen by whoever holds the link, e.g. a
// forwarded mail, so it confirms "t***@example.com", not the whole address).
//
// The confirmation page's form posts "List-Unsubscribe=One-Click" as
// application/x-www-form-urlencoded to its own URL (no action attribute, so it
// works behind any proxy path), i.e. exactly the RFC 8058 one-click request:
// one endpoint, one rule for what unsubscribes.
#pragma once

#include <string>
#include <string_view>

namespace kizuna::admin {

// "taro@example.com" -> "t***@example.com": the first character (a whole UTF-8
// sequence) of the local part, "***", the domain.
std::string mask_address(std::string_view address);

// GET /u/<token>: what will stop, and the button.
std::string confirm_page(std::string_view address, std::string_view scope);
// After the POST, for a browser (the form); a one-click client gets done_text.
std::string done_page(std::string_view address, std::string_view scope);
inline constexpr std::string_view done_text = "Unsubscribed. 配信を停止しました。\n";
// 400 for a link that does not verify.
std::string invalid_link_page();
inline constexpr std::string_view invalid_link_text = "This unsubscribe link is not valid. このリンクは無効です。\n";

}  // namespace kizuna::admin
