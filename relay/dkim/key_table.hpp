// The signing keys of one configuration generation, by domain (SPEC §3 `dkim`).
// A copy is signed by every key of its From domain, or, when that domain has
// none, of its nearest parent domain that has some: d= must share the From's
// organizational domain for relaxed DMARC alignment (RFC 7489 §3.1.1), and a
// parent key covers its subdomains. Single-label domains are never keyed (the
// config refuses them), so the walk up stops before a top-level domain.
// Immutable once built; shared read-only by every thread.
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "relay/dkim/signer.hpp"

namespace kizuna::dkim {

class key_table {
 public:
  explicit key_table(std::vector<signing_key> keys);

  // The keys for a From domain (lower-case A-labels), in config order; empty: no key.
  std::span<const signing_key* const> for_domain(std::string_view from_domain) const;
  const std::vector<signing_key>& keys() const noexcept { return keys_; }

 private:
  std::vector<signing_key> keys_;
  std::map<std::string, std::vector<const signing_key*>, std::less<>> by_domain_;
};

}  // namespace kizuna::dkim
