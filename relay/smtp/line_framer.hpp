// Splits a byte stream into lines for the SMTP session, with a bounded buffer.
// Pure: the session reads from the socket into prepare()/commit(), then takes
// lines with next() until it returns nothing, which is how pipelined batches
// (RFC 2920) are consumed in order without extra reads.
//
// A line ends at LF. The returned text excludes the line ending; `bare_lf` says
// whether the LF had no CR before it (end-of-data must be CRLF.CRLF, so a bare
// LF can never end DATA: the SMTP-smuggling defence). A line longer than the
// limit is reported once as `too_long` when its LF arrives (with its real
// bare_lf), and its bytes are discarded without being buffered.
// The report comes as soon as the line is known to be too long, which may be
// before its LF arrives; the rest of it is then dropped as it comes in.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace kizuna::smtp {

struct framed_line {
  std::string_view text;  // valid until the next call to next(), prepare() or commit()
  bool bare_lf = false;
  bool too_long = false;  // text is empty; the overlong line was dropped
};

class line_framer {
 public:
  explicit line_framer(std::size_t max_line) : max_line_(max_line) {}

  void set_max_line(std::size_t n) { max_line_ = n; }
  // Writable space of at least `min` bytes for the next read.
  std::span<char> prepare(std::size_t min = 4096);
  void commit(std::size_t n);
  // Call until it returns nothing before the next prepare(): that is what keeps
  // the buffer within max_line + one read (only a partial line is carried over).
  std::optional<framed_line> next();
  // DATA's fast path: the complete lines at the front that need nothing done to
  // them (each ends in CRLF, none starts with '.', none holds a bare CR or a
  // NUL, none is past the limit),
  // consumed and returned as one run, line endings included. Empty when the next
  // line needs next(). A message body is mostly such lines: this spares a
  // framed_line and two appends per line.
  std::string_view take_plain_lines();
  // Bytes received but not yet returned as lines (pipelined data after a command).
  std::size_t buffered() const { return end_ - start_; }
  // Bytes allocated: stays within max_line + 1 + the largest prepare() size.
  std::size_t capacity() const { return buf_.size(); }

 private:
  void consume_to(std::size_t pos);  // drop bytes before pos and reset scanning

  std::string buf_;
  std::size_t start_ = 0;  // first unconsumed byte
  std::size_t end_ = 0;    // one past the last committed byte
  std::size_t scanned_ = 0;  // bytes after start_ already known to hold no LF
  std::size_t max_line_;
  bool discarding_ = false;  // inside an overlong line, dropping up to its LF
  bool discarded_cr_ = false;  // the last byte dropped was CR (its LF may come in the next read)
};

}  // namespace kizuna::smtp
