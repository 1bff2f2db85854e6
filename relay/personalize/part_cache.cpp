#include "relay/personalize/part_cache.hpp"

#include <algorithm>
#include <cstring>
#include <functional>

namespace kizuna::personalize {
namespace {

constexpr std::uint64_t mix(std::uint64_t h, std::uint64_t v) noexcept {
  h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  return h;
}

std::uint64_t word_at(std::string_view s, std::size_t at) noexcept {
  std::uint64_t w = 0;
  std::memcpy(&w, s.data() + at, std::min<std::size_t>(8, s.size() - at));
  return w;
}

// A sample, not the whole body: a lookup must cost far less than the compile it
// saves. Two bodies that share the sample still differ at the full compare.
std::uint64_t hash_of(const part_cache::key& k) noexcept {
  std::uint64_t h = mix(k.raw.size(), static_cast<std::uint64_t>(k.encoding) << 1 | (k.html ? 1 : 0));
  h = mix(h, std::hash<std::string_view>{}(k.charset));
  h = mix(h, std::hash<std::string_view>{}(k.footer));
  if (k.raw.empty()) return h;
  constexpr std::size_t samples = 32;
  const std::size_t step = std::max<std::size_t>(1, k.raw.size() / samples);
  for (std::size_t at = 0; at < k.raw.size(); at += step) h = mix(h, word_at(k.raw, at));
  return mix(h, word_at(k.raw, k.raw.size() - std::min<std::size_t>(8, k.raw.size())));
}

std::size_t weight(const part_cache::key& k, const compiled_template& t) noexcept {
  return k.raw.size() + k.charset.size() + k.footer.size() + t.literal().size() + t.slots().size() * sizeof(slot) +
         256;
}

}  // namespace

part_cache::part_cache(std::size_t max_bytes, std::size_t max_entries)
    : max_bytes_(max_bytes), max_entries_(std::max<std::size_t>(1, max_entries)) {}

bool part_cache::matches(const entry& e, std::uint64_t hash, const key& k) noexcept {
  return e.hash == hash && e.encoding == k.encoding && e.html == k.html && e.raw.size() == k.raw.size() &&
         e.charset == k.charset && e.footer == k.footer && std::memcmp(e.raw.data(), k.raw.data(), k.raw.size()) == 0;
}

std::shared_ptr<const compiled_template> part_cache::find(const key& k) {
  const std::uint64_t h = hash_of(k);
  for (entry& e : entries_)
    if (matches(e, h, k)) {
      e.last_used = ++clock_;
      ++hits_;
      return e.compiled;
    }
  return nullptr;
}

void part_cache::put(const key& k, std::shared_ptr<const compiled_template> compiled) {
  if (!compiled) return;
  const std::size_t w = weight(k, *compiled);
  if (w > max_bytes_) return;  // a part larger than the whole cache: not worth a slot
  const std::uint64_t h = hash_of(k);
  for (entry& e : entries_)
    if (matches(e, h, k)) return;  // already there
  while (!entries_.empty() && (entries_.size() >= max_entries_ || bytes_ + w > max_bytes_)) evict_one();
  entries_.push_back({h, std::string(k.raw), k.encoding, std::string(k.charset), k.html, std::string(k.footer),
                      std::move(compiled), w, ++clock_});
  bytes_ += w;
}

void part_cache::evict_one() {
  auto oldest = std::min_element(entries_.begin(), entries_.end(),
                                 [](const entry& a, const entry& b) { return a.last_used < b.last_used; });
  bytes_ -= oldest->bytes;
  if (oldest != entries_.end() - 1) *oldest = std::move(entries_.back());
  entries_.pop_back();
}

}  // namespace kizuna::personalize
