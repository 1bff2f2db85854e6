#include "relay/smtp/data_assembler.hpp"

#include <algorithm>

namespace kizuna::smtp {

data_assembler::data_assembler(uint64_t max_bytes, uint64_t expected_size) : max_bytes_(max_bytes) {
  data_.reserve(static_cast<std::size_t>(std::min(expected_size, max_bytes) + 64));
}

void data_assembler::feed_plain_lines(std::string_view run) {
  if (run.empty()) return;
  after_crlf_ = true;
  received_ += run.size();
  if (received_ > max_bytes_) too_large_ = true;
  if (too_large_ || long_line_) return;
  data_.append(run);
}

data_assembler::status data_assembler::feed(const framed_line& line) {
  const bool crlf = !line.bare_lf;
  if (line.too_long) {
    long_line_ = true;
    after_crlf_ = crlf;
    return status::more;
  }
  std::string_view text = line.text;
  if (crlf && after_crlf_ && text == ".") return status::done;
  after_crlf_ = crlf;
  bare_lf_ = bare_lf_ || !crlf;

  // Canonical stuffing: unstuff as the receiver must, restuff as a sender must.
  if (text.starts_with('.') && (text.size() < 2 || text[1] != '.')) text.remove_prefix(1);

  received_ += text.size() + 2;
  if (received_ > max_bytes_) too_large_ = true;
  if (too_large_ || long_line_) return status::more;  // keep reading to the end, store nothing more
  data_.append(text);
  data_.append("\r\n");
  return status::more;
}

}  // namespace kizuna::smtp
