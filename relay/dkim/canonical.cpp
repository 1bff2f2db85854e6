#include "relay/dkim/canonical.hpp"

#include <array>
#include <cstdint>
#include <cstring>

namespace kizuna::dkim {
namespace {

constexpr bool is_wsp(char c) noexcept { return c == ' ' || c == '\t'; }

// Gathers output for `emit` in a fixed buffer so the sink sees few, large pieces;
// a piece at least as large as the buffer goes through as it is.
template <class Emit>
class gather {
 public:
  explicit gather(Emit& emit) : emit_(emit) {}
  ~gather() { flush(); }
  void put(char c) {
    if (used_ == buf_.size()) flush();
    buf_[used_++] = c;
  }
  void put(std::string_view s) {
    if (used_ + s.size() > buf_.size()) flush();
    if (s.size() >= buf_.size()) {
      emit_(s);
      return;
    }
    s.copy(buf_.data() + used_, s.size());
    used_ += s.size();
  }
  void flush() {
    if (used_) emit_(std::string_view(buf_.data(), used_));
    used_ = 0;
  }

 private:
  Emit& emit_;
  std::array<char, 8192> buf_;
  std::size_t used_ = 0;
};

// 0x80 in each byte of `x` equal to the byte `c` broadcast in `pattern`, 0 elsewhere
// (exact: no false positives from borrows).
constexpr std::uint64_t bytes_equal(std::uint64_t x, std::uint64_t pattern) noexcept {
  constexpr std::uint64_t low7 = 0x7f7f7f7f7f7f7f7fULL;
  const std::uint64_t t = x ^ pattern;
  return ~(((t & low7) + low7) | t | low7);
}

// A body relaxed canonicalization leaves as it is, but for its end: no tab, no
// space followed by a space or a CR, no space at the very end. Most bodies are
// (base64, most quoted-printable, plain text): eight bytes at a time, this costs
// a small fraction of hashing them. A bare CR after a space also sends the body
// the slow way, which is exact for every input.
bool needs_no_rewrite(std::string_view body) noexcept {
  constexpr std::uint64_t spaces = 0x2020202020202020ULL, tabs = 0x0909090909090909ULL,
                          crs = 0x0d0d0d0d0d0d0d0dULL;
  const char* p = body.data();
  const std::size_t n = body.size();
  std::uint64_t carry = 0;  // 0x80 when the previous word ended in a space
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    const std::uint64_t sp = bytes_equal(w, spaces);
    const std::uint64_t next = (sp | bytes_equal(w, crs));  // bytes that may not follow a space
    if (bytes_equal(w, tabs) | (sp & (next >> 8)) | (carry & next)) return false;
    carry = sp >> 56;
  }
  bool space = carry != 0;
  for (; i < n; ++i) {
    const char c = p[i];
    if (c == '\t' || (space && (c == ' ' || c == '\r'))) return false;
    space = c == ' ';
  }
  return !space;
}

// Relaxed body lines go to `emit` in pieces; the caller decides whether they
// are appended to a string or hashed.
template <class Emit>
void canonicalize_body(std::string_view body, Emit&& emit) {
  if (needs_no_rewrite(body)) {
    // Only the end changes: trailing empty lines go, a last line gets its CRLF.
    while (body.ends_with("\r\n\r\n")) body.remove_suffix(2);
    if (body == "\r\n") body = {};
    if (body.empty()) return;
    emit(body);
    if (!body.ends_with("\r\n")) emit(std::string_view("\r\n"));
    return;
  }
  gather out(emit);
  std::size_t empty_lines = 0;  // held back: they count only if a non-empty line follows
  std::size_t pos = 0;
  while (pos < body.size()) {
    std::size_t end = body.find("\r\n", pos);
    const std::size_t next = end == std::string_view::npos ? body.size() : end + 2;
    if (end == std::string_view::npos) end = body.size();
    const std::string_view line = body.substr(pos, end - pos);
    pos = next;
    // Find where the line's content ends (trailing space/tab dropped).
    std::size_t last = line.size();
    while (last > 0 && is_wsp(line[last - 1])) --last;
    if (last == 0) {
      ++empty_lines;
      continue;
    }
    for (; empty_lines > 0; --empty_lines) out.put(std::string_view("\r\n"));
    bool space = false;
    std::size_t run = 0;  // start of the current stretch copied as it is
    for (std::size_t i = 0; i < last; ++i) {
      const char c = line[i];
      if (!is_wsp(c)) {
        if (space) {
          out.put(' ');
          run = i;
          space = false;
        }
        continue;
      }
      if (space) continue;
      // A single space followed by a non-space stays as it is.
      if (c == ' ' && !is_wsp(line[i + 1])) continue;
      out.put(line.substr(run, i - run));
      space = true;
    }
    out.put(line.substr(run, last - run));
    out.put(std::string_view("\r\n"));
  }
}

}  // namespace

void append_relaxed_header(std::string& out, std::string_view name, std::string_view value) {
  while (!name.empty() && is_wsp(name.back())) name.remove_suffix(1);
  for (char c : name) out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
  out += ':';
  bool space = false;
  bool started = false;  // leading space after the colon is dropped
  for (char c : value) {
    if (c == '\r' || c == '\n') continue;  // unfold
    if (is_wsp(c)) {
      space = started;
      continue;
    }
    if (space) out += ' ';
    space = false;
    started = true;
    out += c;
  }
  out += "\r\n";
}

std::string relaxed_body(std::string_view body) {
  std::string out;
  out.reserve(body.size() + 2);
  canonicalize_body(body, [&](std::string_view piece) { out += piece; });
  return out;
}

sha256_digest relaxed_body_hash(std::string_view body) {
  sha256 h;
  canonicalize_body(body, [&](std::string_view piece) { h.update(piece); });
  return h.digest();
}

}  // namespace kizuna::dkim
