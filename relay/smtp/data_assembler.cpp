#include "relay/smtp/data_assembler.hpp"

#include <algorithm>

namespace kizuna::smtp {

data_assembler::data_assembler(uint64_t max_bytes, uint64_t expected_size, bare_newline_mode bare)
    : max_bytes_(max_bytes), bare_(bare) {
  data_.reserve(static_cast<std::size_t>(std::min(expected_size, max_bytes) + 64));
}

bool data_assembler::counted(std::size_t bytes) {
  received_ += bytes;
  if (received_ > max_bytes_) too_large_ = true;
  // Past a limit, or refusing: keep reading to the end, store nothing more.
  return !too_large_ && !long_line_ && !refused_bare();
}

void data_assembler::feed_plain_lines(std::string_view run) {
  if (run.empty()) return;
  after_crlf_ = true;
  if (counted(run.size())) data_.append(run);
}

void data_assembler::store_normalized(std::string_view content) {
  for (;;) {
    const std::size_t cr = content.find('\r');
    const std::string_view segment = content.substr(0, cr);
    const std::size_t line_start = data_.size();
    for (char c : segment)
      if (c != '\0') data_.push_back(c);
    // Every line this makes is content at a line start: stuff it (RFC 5321 §4.5.2).
    if (data_.size() > line_start && data_[line_start] == '.') data_.insert(line_start, 1, '.');
    data_.append("\r\n");
    if (cr == std::string_view::npos) return;
    content.remove_prefix(cr + 1);
  }
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
  const bool has_cr = text.find('\r') != std::string_view::npos;
  const bool has_nul = text.find('\0') != std::string_view::npos;
  bare_cr_ = bare_cr_ || has_cr;
  nul_ = nul_ || has_nul;

  // Each bare CR is stored as CRLF, and the line it starts may take a stuffing
  // dot: counted as up to two bytes more, so what is stored stays within the limit.
  const std::size_t extra = has_cr ? 2 * static_cast<std::size_t>(std::count(text.begin(), text.end(), '\r')) : 0;
  if (!counted(text.size() + 2 + extra)) return status::more;
  if (has_cr || has_nul) {
    // Unstuffed as the receiver must (RFC 5321 §4.5.2), then made clean lines.
    if (text.starts_with('.')) text.remove_prefix(1);
    store_normalized(text);
    return status::more;
  }
  // Canonical stuffing: unstuff as the receiver must, restuff as a sender must.
  if (text.starts_with('.') && (text.size() < 2 || text[1] != '.')) text.remove_prefix(1);
  data_.append(text).append("\r\n");
  return status::more;
}

}  // namespace kizuna::smtp
