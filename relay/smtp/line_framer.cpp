#include "relay/smtp/line_framer.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace kizuna::smtp {
namespace {
// Reported when the overlong line *ends*, with its real ending: DATA's
// end-of-data rule needs to know whether a bare LF preceded the next ".".
framed_line overlong(bool cr) { return {.text = {}, .bare_lf = !cr, .too_long = true}; }
}  // namespace

std::span<char> line_framer::prepare(std::size_t min) {
  if (buf_.size() - end_ < min && start_ > 0) {
    // Slide the partial line to the front rather than grow. Each byte moves at
    // most once: start_ stays 0 until the line it belongs to is consumed.
    std::memmove(buf_.data(), buf_.data() + start_, end_ - start_);
    end_ -= start_;
    start_ = 0;
  }
  if (buf_.size() - end_ < min) buf_.resize(end_ + min);
  return {buf_.data() + end_, buf_.size() - end_};
}

void line_framer::commit(std::size_t n) {
  assert(n <= buf_.size() - end_);
  end_ += n;
}

void line_framer::consume_to(std::size_t pos) {
  start_ = pos;
  scanned_ = 0;
  // An empty buffer costs nothing to rewind, and it saves the next memmove.
  if (start_ == end_) start_ = end_ = 0;
}

std::string_view line_framer::take_plain_lines() {
  if (discarding_ || scanned_ > 0) return {};  // a partial line is pending: next() owns it
  const char* const base = buf_.data();
  std::size_t pos = start_;
  while (pos < end_ && base[pos] != '.') {
    const std::size_t limit = std::min(end_ - pos, max_line_ + 2);  // the line, CR and LF
    const auto* lf = static_cast<const char*>(std::memchr(base + pos, '\n', limit));
    if (!lf || lf == base + pos) break;
    // Its first CR must be the one before the LF, and no NUL: a bare CR or a NUL
    // is for data_assembler::feed() to normalize or refuse.
    const auto len = static_cast<std::size_t>(lf - (base + pos));
    if (std::memchr(base + pos, '\r', len) != lf - 1 || std::memchr(base + pos, '\0', len)) break;
    pos = static_cast<std::size_t>(lf - base) + 1;
  }
  const std::string_view run(base + start_, pos - start_);
  if (!run.empty()) consume_to(pos);
  return run;
}

std::optional<framed_line> line_framer::next() {
  while (start_ < end_) {
    // Only bytes not yet scanned are searched, so tiny reads stay O(n) overall.
    const char* from = buf_.data() + start_ + scanned_;
    const auto* lf = static_cast<const char*>(std::memchr(from, '\n', end_ - start_ - scanned_));
    if (discarding_) {
      if (!lf) {
        discarded_cr_ = buf_[end_ - 1] == '\r';
        consume_to(end_);
        return std::nullopt;
      }
      const auto pos = static_cast<std::size_t>(lf - buf_.data());
      const bool cr = pos > start_ ? buf_[pos - 1] == '\r' : discarded_cr_;
      discarding_ = false;
      consume_to(pos + 1);
      return overlong(cr);
    }
    if (!lf) {
      scanned_ = end_ - start_;
      // max_line + 1 bytes may still be a full line whose CR awaits its LF.
      if (scanned_ > max_line_ + 1) {
        discarding_ = true;
        discarded_cr_ = buf_[end_ - 1] == '\r';
        consume_to(end_);
      }
      return std::nullopt;
    }
    const auto pos = static_cast<std::size_t>(lf - buf_.data());
    const bool cr = pos > start_ && buf_[pos - 1] == '\r';
    const std::size_t len = pos - start_ - (cr ? 1 : 0);
    const std::string_view text(buf_.data() + start_, len);
    consume_to(pos + 1);
    if (len > max_line_) return overlong(cr);
    return framed_line{.text = text, .bare_lf = !cr};
  }
  return std::nullopt;
}

}  // namespace kizuna::smtp
