// Compiled text parts by content. A campaign usually reaches the relay as one
// message per recipient, each with the same body under its own headers: with
// this cache each distinct part is decoded, given its footer and compiled once,
// and later messages only compare bytes (DESIGN "compile once, render many",
// across messages). Only parts that compiled are kept; unreadable or lossy
// parts and broken templates take the full path every time.
//
// Not thread-safe: one cache per worker thread. The policy generation owns it,
// so a reload (new footers) starts empty. Bounded by entries and bytes; the
// least recently used entry goes first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "relay/mime/transfer_encoding.hpp"
#include "relay/personalize/template.hpp"

namespace kizuna::personalize {

class part_cache {
 public:
  // Everything the compiled result depends on.
  struct key {
    std::string_view raw;  // the part's body as received (transfer-encoded)
    mime::transfer_encoding encoding = mime::transfer_encoding::seven_bit;
    std::string_view charset;  // the Content-Type charset label, as written
    bool html = false;
    std::string_view footer;  // the footer compiled into the part ("": none)
  };

  explicit part_cache(std::size_t max_bytes = 32u << 20, std::size_t max_entries = 128);

  // The compiled part (possibly without slots), or null when not cached.
  std::shared_ptr<const compiled_template> find(const key& k);
  void put(const key& k, std::shared_ptr<const compiled_template> compiled);

  std::size_t size() const noexcept { return entries_.size(); }
  std::size_t bytes() const noexcept { return bytes_; }
  std::uint64_t hits() const noexcept { return hits_; }

 private:
  struct entry {
    std::uint64_t hash = 0;
    std::string raw;
    mime::transfer_encoding encoding;
    std::string charset;
    bool html = false;
    std::string footer;
    std::shared_ptr<const compiled_template> compiled;
    std::size_t bytes = 0;
    std::uint64_t last_used = 0;
  };

  static bool matches(const entry& e, std::uint64_t hash, const key& k) noexcept;
  void evict_one();

  std::vector<entry> entries_;
  std::size_t max_bytes_;
  std::size_t max_entries_;
  std::size_t bytes_ = 0;
  std::uint64_t clock_ = 0;
  std::uint64_t hits_ = 0;
};

}  // namespace kizuna::personalize
