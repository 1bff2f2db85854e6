// Walks the meaningful lines of a small credentials-style file: CRLF or LF
// endings, blank lines and '#' comments skipped, 1-based line numbers kept for
// "file:line: reason" errors.
#pragma once

#include <cstddef>
#include <string_view>

namespace kizuna {

class content_lines {
 public:
  explicit content_lines(std::string_view text) : rest_(text) {}

  // The next non-blank, non-comment line (without its line ending) and its number.
  bool next(std::string_view& line, std::size_t& line_no) {
    while (!rest_.empty()) {
      ++line_no_;
      const auto nl = rest_.find('\n');
      line = rest_.substr(0, nl);
      rest_ = nl == std::string_view::npos ? std::string_view{} : rest_.substr(nl + 1);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty() || line.front() == '#') continue;
      line_no = line_no_;
      return true;
    }
    return false;
  }

 private:
  std::string_view rest_;
  std::size_t line_no_ = 0;
};

}  // namespace kizuna
