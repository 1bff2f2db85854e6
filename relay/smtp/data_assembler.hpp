// Builds the message from the DATA lines a client sends (RFC 5321 §4.1.1.4,
// §4.5.2), keeping it in wire form: CRLF line endings, dot-stuffed, no final
// "." line, so relaying it downstream needs no second pass.
//
// - End of data is "." on a line that ends in CRLF and follows a CRLF: a bare
//   LF never ends DATA (SMTP smuggling defence); bare-LF lines are stored with
//   CRLF.
// - Stuffing is made canonical: a received line ".x" that is not stuffed
//   correctly ("." followed by a non-dot) loses its dot as RFC 5321 §4.5.2 says
//   the receiver must do, so no stored line can ever read as end-of-data.
// - Size is bounded: past max_bytes the rest is read and discarded (the client
//   gets 552 after its "."), so memory never grows with what a client sends.
#pragma once

#include <cstdint>
#include <string>

#include "relay/smtp/line_framer.hpp"

namespace kizuna::smtp {

class data_assembler {
 public:
  enum class status { more, done };

  // `expected_size` (the client's SIZE=, if any) pre-sizes the buffer.
  data_assembler(uint64_t max_bytes, uint64_t expected_size = 0);

  status feed(const framed_line& line);
  // A run from line_framer::take_plain_lines(): whole CRLF lines, none starting
  // with '.', so none ends the data and none needs unstuffing.
  void feed_plain_lines(std::string_view run);

  bool too_large() const { return too_large_; }
  bool had_long_line() const { return long_line_; }
  bool had_bare_lf() const { return bare_lf_; }
  uint64_t size() const { return received_; }
  // The complete message in wire form (valid once feed() returned done).
  std::string take() { return std::move(data_); }

 private:
  // Counts bytes toward the size limit; false when they are not to be stored.
  bool counted(std::size_t bytes);

  std::string data_;
  uint64_t max_bytes_;
  uint64_t received_ = 0;  // client bytes counted toward the limit
  bool after_crlf_ = true;  // the previous line ended in CRLF (or this is the first)
  bool too_large_ = false;
  bool long_line_ = false;
  bool bare_lf_ = false;
};

}  // namespace kizuna::smtp
