#include "relay/dkim/canonical.hpp"

#include <array>

namespace kizuna::dkim {
namespace {

constexpr bool is_wsp(char c) noexcept { return c == ' ' || c == '\t'; }

// Relaxed body lines go to `emit` in pieces; the caller decides whether they
// are appended to a string or hashed.
template <class Emit>
void canonicalize_body(std::string_view body, Emit&& emit) {
  std::size_t empty_lines = 0;  // held back: they count only if a non-empty line follows
  std::size_t pos = 0;
  while (pos < body.size()) {
    std::size_t end = body.find("\r\n", pos);
    std::size_t next = end == std::string_view::npos ? body.size() : end + 2;
    if (end == std::string_view::npos) end = body.size();
    const std::string_view line = body.substr(pos, end - pos);
    pos = next;
    // The canonical line is the raw one unless it has a tab, a run of spaces or trailing space.
    bool clean = line.empty() || !is_wsp(line.back());
    for (std::size_t i = 0; clean && i < line.size(); ++i)
      if (line[i] == '\t' || (line[i] == ' ' && i + 1 < line.size() && is_wsp(line[i + 1]))) clean = false;
    if (clean) {
      if (line.empty()) {
        ++empty_lines;
        continue;
      }
      for (; empty_lines > 0; --empty_lines) emit(std::string_view("\r\n"));
      emit(line);
      emit(std::string_view("\r\n"));
      continue;
    }
    std::string out;
    out.reserve(line.size());
    bool space = false;
    for (char c : line) {
      if (is_wsp(c)) {
        space = true;
        continue;
      }
      if (space) out += ' ';
      space = false;
      out += c;
    }
    if (out.empty()) {
      ++empty_lines;
      continue;
    }
    for (; empty_lines > 0; --empty_lines) emit(std::string_view("\r\n"));
    emit(std::string_view(out));
    emit(std::string_view("\r\n"));
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
  // Small pieces (a CRLF, a short line) are gathered so the hash sees few, large updates.
  std::array<char, 8192> buf;
  std::size_t used = 0;
  canonicalize_body(body, [&](std::string_view piece) {
    if (piece.size() >= buf.size()) {
      h.update({buf.data(), used});
      used = 0;
      h.update(piece);
      return;
    }
    if (used + piece.size() > buf.size()) {
      h.update({buf.data(), used});
      used = 0;
    }
    piece.copy(buf.data() + used, piece.size());
    used += piece.size();
  });
  h.update({buf.data(), used});
  return h.digest();
}

}  // namespace kizuna::dkim
