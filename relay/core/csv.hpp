// CSV reading and writing (RFC 4180, as spreadsheets and CRMs write it).
//
// Reader: fields separated by ',', records by CRLF, LF or a bare CR; a field in
// double quotes may hold ',', line breaks and doubled quotes (""). A UTF-8 BOM
// at the start is skipped; blank lines are skipped. Bytes are passed through
// (no transcoding; the caller checks UTF-8 where it matters). Streams the
// input in 64 KiB chunks, so a file of any size reads in constant memory
// (one record at a time; one field is capped at max_field_bytes).
// Per-record errors do not end the reading: the record is skipped up to its
// end and reported with the line it starts on (1-based; a quoted line break
// counts as a line), then the next record is read. Errors: a quote inside an
// unquoted field, text after a closing quote, a field over the cap, a record
// with another number of fields than `columns` (when set), and an unterminated
// quoted field at the end of the input (which ends the reading).
//
// Writer: csv_append_field() quotes a field only when it must (',', '"', CR, LF,
// or leading/trailing space); records end with CRLF as RFC 4180 asks.
#pragma once

#include <cstddef>
#include <expected>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kizuna {

struct csv_record {
  std::size_t line = 0;  // line the record starts on
  std::vector<std::string> fields;
};

struct csv_error {
  std::size_t line = 0;
  std::string reason;
};

class csv_reader {
 public:
  static constexpr std::size_t max_field_bytes = 1 << 20;

  // columns: expected fields per record, 0 = any (set it after the header).
  explicit csv_reader(std::istream& in, std::size_t columns = 0);

  void expect_columns(std::size_t columns) { columns_ = columns; }

  // The next record or the error that made it unreadable; nullopt at the end.
  std::optional<std::expected<csv_record, csv_error>> next();

  // False once the stream failed for a reason other than its end (bad()).
  bool stream_ok() const { return !in_.bad(); }

 private:
  int peek();
  void advance() { ++pos_; }
  bool refill();
  void skip_rest_of_record(bool in_quotes);

  std::istream& in_;
  std::size_t columns_;
  std::string buf_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
  bool started_ = false;  // BOM checked
};

// Appends one field, quoted if needed, to `out` (no separator).
void csv_append_field(std::string& out, std::string_view field);

}  // namespace kizuna
