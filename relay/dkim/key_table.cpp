#include "relay/dkim/key_table.hpp"

namespace kizuna::dkim {

key_table::key_table(std::vector<signing_key> keys) : keys_(std::move(keys)) {
  for (const signing_key& k : keys_) by_domain_[k.domain].push_back(&k);
}

std::span<const signing_key* const> key_table::for_domain(std::string_view from_domain) const {
  while (!from_domain.empty()) {
    if (auto it = by_domain_.find(from_domain); it != by_domain_.end()) return it->second;
    const auto dot = from_domain.find('.');
    if (dot == std::string_view::npos) break;
    from_domain.remove_prefix(dot + 1);
  }
  return {};
}

}  // namespace kizuna::dkim
