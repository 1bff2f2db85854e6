#include "relay/core/csv.hpp"

namespace kizuna {
namespace {
constexpr std::size_t chunk_bytes = 64 * 1024;
constexpr int end_of_input = -1;
}  // namespace

csv_reader::csv_reader(std::istream& in, std::size_t columns) : in_(in), columns_(columns) {}

bool csv_reader::refill() {
  buf_.resize(chunk_bytes);
  in_.read(buf_.data(), std::streamsize(buf_.size()));
  buf_.resize(std::size_t(in_.gcount()));
  pos_ = 0;
  return !buf_.empty();
}

int csv_reader::peek() {
  if (pos_ >= buf_.size() && !refill()) return end_of_input;
  return static_cast<unsigned char>(buf_[pos_]);
}

// After an error: consume up to the end of the record (the next line break
// outside quotes), counting lines, so reading resumes at the next record.
void csv_reader::skip_rest_of_record(bool in_quotes) {
  for (int c = peek(); c != end_of_input; c = peek()) {
    advance();
    if (c == '"') {
      in_quotes = !in_quotes;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && peek() == '\n') advance();
      ++line_;
      if (!in_quotes) return;
    }
  }
}

std::optional<std::expected<csv_record, csv_error>> csv_reader::next() {
  if (!started_) {
    started_ = true;
    if (peek() == 0xEF) {
      // Only a complete BOM is skipped; the first chunk holds it (or the whole input).
      if (buf_.compare(pos_, 3, "\xEF\xBB\xBF") == 0) pos_ += 3;
    }
  }
  for (;;) {
    // Blank lines between records are skipped.
    int c = peek();
    while (c == '\n' || c == '\r') {
      advance();
      if (c == '\r' && peek() == '\n') advance();
      ++line_;
      c = peek();
    }
    if (c == end_of_input) return std::nullopt;

    csv_record rec;
    rec.line = line_;
    std::string field;
    bool quoted = false;      // the current field started with a quote
    bool in_quotes = false;   // inside its quotes
    bool after_quote = false; // its closing quote has been read
    auto fail = [&](std::string reason, bool still_in_quotes) {
      skip_rest_of_record(still_in_quotes);
      return std::expected<csv_record, csv_error>(std::unexpect, csv_error{rec.line, std::move(reason)});
    };
    for (;;) {
      c = peek();
      if (in_quotes) {
        if (c == end_of_input) {
          return std::expected<csv_record, csv_error>(std::unexpect,
                                                      csv_error{rec.line, "unterminated quoted field"});
        }
        advance();
        if (c == '"') {
          if (peek() == '"') {
            advance();
            field.push_back('"');
          } else {
            in_quotes = false;
            after_quote = true;
          }
          continue;
        }
        if (c == '\n' || (c == '\r' && peek() != '\n')) ++line_;
        field.push_back(char(c));
      } else if (c == ',' || c == '\n' || c == '\r' || c == end_of_input) {
        if (c != end_of_input) advance();
        rec.fields.push_back(std::move(field));
        field.clear();
        quoted = in_quotes = after_quote = false;
        if (c == ',') continue;
        if (c == '\r' && peek() == '\n') advance();
        if (c != end_of_input) ++line_;
        break;
      } else {
        advance();
        if (after_quote) return fail("text after a closing quote", false);
        if (c == '"') {
          if (!field.empty() || quoted) return fail("quote inside an unquoted field", false);
          quoted = in_quotes = true;
          continue;
        }
        field.push_back(char(c));
      }
      if (field.size() > max_field_bytes) return fail("field longer than 1 MiB", in_quotes);
    }
    if (columns_ != 0 && rec.fields.size() != columns_) {
      return std::expected<csv_record, csv_error>(
          std::unexpect, csv_error{rec.line, "expected " + std::to_string(columns_) + " fields, found " +
                                                 std::to_string(rec.fields.size())});
    }
    return std::expected<csv_record, csv_error>(std::move(rec));
  }
}

void csv_append_field(std::string& out, std::string_view field) {
  bool quote = !field.empty() && (field.front() == ' ' || field.back() == ' ');
  for (char c : field) {
    if (c == ',' || c == '"' || c == '\r' || c == '\n') {
      quote = true;
      break;
    }
  }
  if (!quote) {
    out.append(field);
    return;
  }
  out.push_back('"');
  for (char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

}  // namespace kizuna
