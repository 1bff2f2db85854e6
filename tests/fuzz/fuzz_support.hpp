// Shared by the libFuzzer targets in tests/fuzz/: the oracle check, and a
// deterministic chunker that cuts a byte stream the way reads from a socket
// would (the cut points come from the fuzzer input, so it explores them).
#pragma once

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace kizuna::fuzz {

// An oracle failure is a crash for libFuzzer: the input is saved as crash-*.
[[noreturn]] inline void oracle_failed(const char* file, int line, const char* what, std::string_view detail) {
  std::fprintf(stderr, "%s:%d: oracle failed: %s\n", file, line, what);
  if (!detail.empty()) {
    std::fprintf(stderr, "  detail (%zu bytes): ", detail.size());
    for (unsigned char c : detail.substr(0, 400)) {
      if (c >= 0x20 && c < 0x7f && c != '\\') std::fputc(c, stderr);
      else std::fprintf(stderr, "\\x%02x", c);
    }
    std::fputc('\n', stderr);
  }
  std::abort();
}

}  // namespace kizuna::fuzz

#define FUZZ_CHECK(cond, detail) \
  do {                           \
    if (!(cond)) ::kizuna::fuzz::oracle_failed(__FILE__, __LINE__, #cond, (detail)); \
  } while (0)

namespace kizuna::fuzz {

// Read sizes for a stream: 1..max bytes each, drawn from `seed` (an xorshift
// sequence, so a small seed still gives varied cuts, and seed 0 gives whole reads).
class chunker {
 public:
  chunker(std::uint64_t seed, std::size_t max) : state_(seed | 1), max_(max ? max : 1), whole_(seed == 0) {}
  std::size_t next() {
    if (whole_) return max_;
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    // Mostly small reads (the interesting cuts), sometimes large ones.
    const std::size_t r = static_cast<std::size_t>(state_ >> 8);
    return 1 + ((state_ & 3) == 0 ? r % max_ : r % (max_ < 16 ? max_ : 16));
  }

 private:
  std::uint64_t state_;
  std::size_t max_;
  bool whole_;
};

// Where two results part: "at N: <a...> vs <b...>", for an oracle's detail.
inline std::string first_difference(std::string_view a, std::string_view b) {
  std::size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  const std::size_t from = i > 40 ? i - 40 : 0;
  return "sizes " + std::to_string(a.size()) + "/" + std::to_string(b.size()) + ", first difference at " +
         std::to_string(i) + ": [" + std::string(a.substr(from, 80)) + "] vs [" + std::string(b.substr(from, 80)) + "]";
}

// Every LF in `s` is preceded by CR, no CR is followed by anything but LF.
inline bool crlf_only(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) return false;
    if (s[i] == '\r' && (i + 1 == s.size() || s[i + 1] != '\n')) return false;
  }
  return true;
}

}  // namespace kizuna::fuzz
