// Builds the message from the DATA lines a client sends (RFC 5321 §4.1.1.4,
// §4.5.2), keeping it in wire form: CRLF line endings, dot-stuffed, no final
// "." line, so relaying it downstream needs no second pass.
//
// - End of data is "." on a line that ends in CRLF and follows a CRLF: a bare
//   LF never ends DATA (SMTP smuggling defence).
// - Bare line ends and NUL (SMTP smuggling, CVE-2023-51764/51765: a downstream
//   that ends lines on a lone CR or LF could read a second transaction into
//   the message) never reach the stored message, per `bare_newline_mode`
//   (config limits.bare_newline, after Postfix's smtpd_forbid_bare_newline):
//   normalize (default) stores each bare LF and each bare CR as CRLF (a line
//   this makes that starts with '.' is stuffed: it is content, never an end of
//   data) and drops NUL bytes; reject stores nothing more once one is seen and
//   the session refuses the message (554 5.6.0).
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

enum class bare_newline_mode { normalize, reject };

class data_assembler {
 public:
  enum class status { more, done };

  // `expected_size` (the client's SIZE=, if any) pre-sizes the buffer.
  data_assembler(uint64_t max_bytes, uint64_t expected_size = 0,
                 bare_newline_mode bare = bare_newline_mode::normalize);

  status feed(const framed_line& line);
  // A run from line_framer::take_plain_lines(): whole CRLF lines, none starting
  // with '.', so none ends the data and none needs unstuffing.
  void feed_plain_lines(std::string_view run);

  bool too_large() const { return too_large_; }
  bool had_long_line() const { return long_line_; }
  bool had_bare_lf() const { return bare_lf_; }
  bool had_bare_cr() const { return bare_cr_; }
  bool had_nul() const { return nul_; }
  // Under bare_newline_mode::reject: a bare CR or LF or a NUL was seen, the
  // message is incomplete and must be refused.
  bool refused_bare() const { return bare_ == bare_newline_mode::reject && (bare_lf_ || bare_cr_ || nul_); }
  uint64_t size() const { return received_; }
  // The complete message in wire form (valid once feed() returned done).
  std::string take() { return std::move(data_); }

 private:
  // Counts bytes toward the size limit; false when they are not to be stored.
  bool counted(std::size_t bytes);
  // Stores one line's content (unstuffed, its line end excluded) that holds a
  // bare CR or a NUL: NULs dropped, each CR a line end, the lines it makes stuffed.
  void store_normalized(std::string_view content);

  std::string data_;
  uint64_t max_bytes_;
  uint64_t received_ = 0;  // client bytes counted toward the limit
  bool after_crlf_ = true;  // the previous line ended in CRLF (or this is the first)
  bool too_large_ = false;
  bool long_line_ = false;
  bool bare_lf_ = false;
  bool bare_cr_ = false;
  bool nul_ = false;
  bare_newline_mode bare_;
};

}  // namespace kizuna::smtp
