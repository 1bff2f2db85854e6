#include "relay/smtp/reply_parser.hpp"

namespace kizuna::smtp {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// "2.1.5 text" → enhanced "2.1.5" when the class digit matches the reply code.
void split_enhanced(reply& r, std::string_view text) {
  std::size_t i = 0;
  auto digits = [&](std::size_t max) {
    std::size_t start = i;
    while (i < text.size() && is_digit(text[i]) && i - start < max) ++i;
    return i > start;
  };
  if (text.size() >= 5 && text[0] == static_cast<char>('0' + r.code / 100) && text[1] == '.') {
    i = 2;
    if (digits(3) && i < text.size() && text[i] == '.' && (++i, digits(3)) &&
        (i == text.size() || text[i] == ' ')) {
      r.enhanced = std::string(text.substr(0, i));
      text.remove_prefix(i == text.size() ? i : i + 1);
    }
  }
  r.text = std::string(text);
}

}  // namespace

std::expected<std::optional<parsed_reply>, reply_error> parse_reply(std::string_view input) {
  parsed_reply out;
  std::size_t pos = 0;
  int code = -1;
  while (true) {
    auto lf = input.find('\n', pos);
    if (lf == std::string_view::npos) {
      if (input.size() > max_reply_bytes) return std::unexpected(reply_error::too_long);
      return std::nullopt;
    }
    if (lf + 1 > max_reply_bytes) return std::unexpected(reply_error::too_long);
    std::string_view line = input.substr(pos, lf - pos);
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.size() < 3 || !is_digit(line[0]) || !is_digit(line[1]) || !is_digit(line[2]))
      return std::unexpected(reply_error::malformed);
    int this_code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    if (this_code < 200 || this_code > 599) return std::unexpected(reply_error::malformed);
    if (code != -1 && this_code != code) return std::unexpected(reply_error::malformed);
    code = this_code;
    char sep = line.size() > 3 ? line[3] : ' ';
    if (sep != ' ' && sep != '-') return std::unexpected(reply_error::malformed);
    std::string_view text = line.size() > 4 ? line.substr(4) : std::string_view{};
    out.lines.emplace_back(text);
    pos = lf + 1;
    if (sep == ' ') {
      out.value.code = code;
      split_enhanced(out.value, text);
      out.consumed = pos;
      return out;
    }
  }
}

}  // namespace kizuna::smtp
