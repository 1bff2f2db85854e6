#include "relay/smtp/data_assembler.hpp"

#include <algorithm>

namespace kizuna::smtp {

data_assembler::data_assembler(uint64_t max_bytes, uint64_t expected_size) : max_bytes_(max_bytes) {
  data_.reserve(static_cast<std::size_t>(std::min(expected_size, max_bytes) + 64));
}

bool data_assembler::counted(std::size_t bytes) {
  received_ += bytes;
  if (received_ > max_bytes_) too_large_ = true;
  return !too_large_ && !long_line_;  // past a limit: keep reading to the end, store nothing more
}

void data_assembler::feed_plain_lines(std::string_view run) {
  if (run.empty()) return;
  after_crlf_ = true;
  if (counted(run.size())) data_.append(run);
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

  if (counted(text.size() + 2)) data_.append(text).append("\r\n");
  return status::more;
}

}  // namespace kizuna::smtp
