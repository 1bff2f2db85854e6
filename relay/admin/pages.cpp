#include "relay/admin/pages.hpp"

#include <fmt/format.h>

#include "relay/personalize/escape.hpp"

namespace kizuna::admin {
namespace {

// Inline CSS only (the Content-Security-Policy allows nothing else), readable
// on a phone, large tap target, works without it.
constexpr std::string_view style =
    "body{font-family:system-ui,-apple-system,'Hiragino Sans','Noto Sans JP',sans-serif;margin:0;"
    "padding:2rem 1rem;line-height:1.7;color:#1a1a1a;background:#fff}"
    "main{max-width:36rem;margin:0 auto}h1{font-size:1.4rem}"
    "button{font:inherit;font-size:1.1rem;padding:.75rem 1.5rem;min-height:44px;border:2px solid #1a1a1a;"
    "border-radius:.4rem;background:#1a1a1a;color:#fff;cursor:pointer}"
    "button:focus-visible{outline:3px solid #0b57d0;outline-offset:2px}";

std::string page(std::string_view title, std::string_view content) {
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<meta name=\"robots\" content=\"noindex, nofollow\">\n<title>{}</title>\n<style>{}</style>\n</head>\n"
      "<body>\n<main>\n{}</main>\n</body>\n</html>\n",
      title, style, content);
}

// What the scope means, for people.
std::string scope_ja(std::string_view scope) {
  if (scope == "*") return "すべてのお知らせ・マーケティングメール";
  return fmt::format("「{}」のメール", personalize::escape_html(scope));
}

std::string scope_en(std::string_view scope) {
  if (scope == "*") return "all marketing email";
  return fmt::format("email of the category “{}”", personalize::escape_html(scope));
}

}  // namespace

std::string mask_address(std::string_view address) {
  const auto at = address.rfind('@');
  const std::string_view local = address.substr(0, at == std::string_view::npos ? address.size() : at);
  const std::string_view domain = at == std::string_view::npos ? std::string_view{} : address.substr(at);
  std::size_t first = local.empty() ? 0 : 1;
  while (first < local.size() && (static_cast<unsigned char>(local[first]) & 0xC0) == 0x80) ++first;
  return std::string(local.substr(0, first)) + "***" + std::string(domain);
}

std::string confirm_page(std::string_view address, std::string_view scope) {
  const auto who = personalize::escape_html(mask_address(address));
  return page("配信停止の確認 / Confirm unsubscribe",
              fmt::format("<h1>配信停止 / Unsubscribe</h1>\n"
                          "<p>{0} 宛ての{1}の配信を停止します。よろしければ下のボタンを押してください。</p>\n"
                          "<p lang=\"en\">Stop sending {2} to {0}? Press the button to confirm.</p>\n"
                          "<form method=\"post\">\n"
                          "<input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">\n"
                          "<button type=\"submit\">配信を停止する / Unsubscribe</button>\n"
                          "</form>\n",
                          who, scope_ja(scope), scope_en(scope)));
}

std::string done_page(std::string_view address, std::string_view scope) {
  const auto who = personalize::escape_html(mask_address(address));
  return page("配信を停止しました / Unsubscribed",
              fmt::format("<h1>配信を停止しました / Unsubscribed</h1>\n"
                          "<p>{0} 宛ての{1}の配信を停止しました。</p>\n"
                          "<p lang=\"en\">{0} will no longer receive {2}.</p>\n",
                          who, scope_ja(scope), scope_en(scope)));
}

std::string invalid_link_page() {
  return page("無効なリンク / Invalid link",
              "<h1>無効なリンク / Invalid link</h1>\n"
              "<p>この配信停止リンクは無効です。メールに記載されたリンクを、途中で切れないようにそのまま開いてください。</p>\n"
              "<p lang=\"en\">This unsubscribe link is not valid. Please open the link from the email exactly "
              "as it appears, without cutting it short.</p>\n");
}

}  // namespace kizuna::admin
