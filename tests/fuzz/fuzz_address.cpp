// Fuzz target: address normalization (relay/core/address: normalize_address),
// with issue 10 item 1's property as the oracle: one mailbox, one key.
//
// Input: an address as a client could write it (the last two bytes pick the
// variant spellings below).
// Oracles, when normalize_address(x) is ok with result a:
//  - idempotent: normalize_address(a) == a;
//  - a has no ASCII upper case, no control character (< 0x20, DEL), at most 254
//    octets, exactly one '@' outside a quoted local part (domain_of finds it);
//  - spellings of the same mailbox give the same key: a with its ASCII letters
//    upper-cased (local part and domain); and when a's local part is a dot-atom:
//    the local part quoted ("alice"@d), and quoted with one atext character as a
//    quoted-pair ("al\ice"@d), as long as the spelling stays within the length limits.
#include <algorithm>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "relay/core/address.hpp"

namespace {

bool atext(unsigned char c) {
  if (c >= 0x80) return true;  // RFC 6531 UTF8-non-ascii
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-/=?^_`{|}~").find(static_cast<char>(c)) != std::string_view::npos;
}

// RFC 5322 dot-atom-text: atext runs separated by single dots.
bool dot_atom(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.' || s.find("..") != std::string_view::npos) return false;
  return std::ranges::all_of(s, [](char c) { return c == '.' || atext(static_cast<unsigned char>(c)); });
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

void same_key(std::string_view input, const std::string& key, const std::string& variant) {
  const auto n = kizuna::normalize_address(variant);
  if (!n) kizuna::fuzz::oracle_failed(__FILE__, __LINE__, "variant refused", variant + " | " + n.error() + " | " + std::string(input));
  if (*n != key) kizuna::fuzz::oracle_failed(__FILE__, __LINE__, "variant gives another key", variant + " -> " + *n + " != " + key);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  FuzzedDataProvider fdp(bytes, size);
  const auto pick = fdp.ConsumeIntegral<std::uint16_t>();
  const std::string input = fdp.ConsumeRemainingBytesAsString();
  const auto r = kizuna::normalize_address(input);
  if (!r) {
    FUZZ_CHECK(!r.error().empty(), input);
    return 0;
  }
  const std::string& a = *r;
  FUZZ_CHECK(a.size() <= 254 && !a.empty(), input);
  for (unsigned char c : a) {
    FUZZ_CHECK(!(c >= 'A' && c <= 'Z'), input);
    FUZZ_CHECK(c >= 0x20 && c != 0x7f, input);
  }
  const auto again = kizuna::normalize_address(a);
  FUZZ_CHECK(again.has_value() && *again == a,
             input + " -> " + a + " -> " + (again ? *again : "refused: " + again.error()));
  const std::string domain = kizuna::domain_of(a);
  FUZZ_CHECK(!domain.empty() && a.size() > domain.size() + 1 && a[a.size() - domain.size() - 1] == '@', input);
  const std::string local = a.substr(0, a.size() - domain.size() - 1);

  same_key(input, a, upper(a));
  same_key(input, a, local + "@" + upper(domain));
  // Quoting adds octets: keep the variants within the length limits (64 for the
  // local part as written, 254 for the address), which bound the spelling.
  if (dot_atom(local) && local.size() + 3 <= 64 && a.size() + 3 <= 254) {
    same_key(input, a, "\"" + local + "\"@" + domain);
    same_key(input, a, "\"" + upper(local) + "\"@" + upper(domain));
    const std::size_t at = pick % local.size();
    if (local[at] != '.' && static_cast<unsigned char>(local[at]) < 0x80) {
      std::string escaped = local;
      escaped.insert(at, 1, '\\');
      same_key(input, a, "\"" + escaped + "\"@" + domain);
    }
  }
  return 0;
}
