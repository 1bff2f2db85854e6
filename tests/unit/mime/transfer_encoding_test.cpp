#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "relay/mime/transfer_encoding.hpp"

using namespace kizuna::mime;

namespace {
// Longest line of `s` (line ends excluded).
std::size_t longest_line(const std::string& s) {
  std::size_t best = 0, cur = 0;
  for (char c : s) {
    if (c == '\n') {
      best = std::max(best, cur);
      cur = 0;
    } else if (c != '\r') {
      ++cur;
    }
  }
  return std::max(best, cur);
}

// The codecs as plain per-byte loops: the fast versions must match them byte for
// byte, malformed flag included, on every input.
bool ref_wsp(char c) { return c == ' ' || c == '\t'; }

int ref_hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

constexpr std::string_view ref_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

decode_result reference_decode_quoted_printable(std::string_view in) {
  decode_result r;
  std::size_t pos = 0;
  while (pos < in.size()) {
    const std::size_t lf = in.find('\n', pos);
    const std::size_t next = lf == std::string_view::npos ? in.size() : lf + 1;
    std::size_t end = lf == std::string_view::npos ? in.size() : lf;
    if (lf != std::string_view::npos && end > pos && in[end - 1] == '\r') --end;
    std::string_view text = in.substr(pos, end - pos);
    while (!text.empty() && ref_wsp(text.back())) text.remove_suffix(1);
    bool soft = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] != '=') {
        r.data += text[i];
      } else if (i + 1 == text.size()) {
        soft = true;
      } else if (i + 2 < text.size() && ref_hex(text[i + 1]) >= 0 && ref_hex(text[i + 2]) >= 0) {
        r.data += static_cast<char>(ref_hex(text[i + 1]) * 16 + ref_hex(text[i + 2]));
        i += 2;
      } else {
        r.malformed = true;
        r.data += '=';
      }
    }
    if (!soft) r.data += in.substr(end, next - end);
    pos = next;
  }
  return r;
}

decode_result reference_decode_base64(std::string_view in) {
  decode_result r;
  std::uint32_t acc = 0;
  int n = 0;
  bool padded = false;
  for (const char c : in) {
    const std::size_t v = ref_alphabet.find(c);
    if (v == std::string_view::npos) {
      if (c == '=') padded = true;
      else if (c != '\r' && c != '\n' && !ref_wsp(c)) r.malformed = true;
      continue;
    }
    if (padded) r.malformed = true;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    if (++n == 4) {
      r.data += static_cast<char>((acc >> 16) & 0xff);
      r.data += static_cast<char>((acc >> 8) & 0xff);
      r.data += static_cast<char>(acc & 0xff);
      acc = 0;
      n = 0;
    }
  }
  if (n == 2) r.data += static_cast<char>((acc >> 4) & 0xff);
  if (n == 3) {
    r.data += static_cast<char>((acc >> 10) & 0xff);
    r.data += static_cast<char>((acc >> 2) & 0xff);
  }
  if (n == 1 || (n != 0 && !padded)) r.malformed = true;
  return r;
}

std::string reference_encode_quoted_printable(std::string_view in, std::string_view newline) {
  std::string out;
  std::size_t col = 0;
  // `dash_next`: c is followed by '-' on the same line; "--" never begins a line.
  const auto put = [&](unsigned char c, bool literal, std::size_t limit, bool dash_next) {
    std::size_t width = literal ? 1 : 3;
    if (col + width > limit) {
      out += '=';
      out += newline;
      col = 0;
    }
    if (col == 0 && c == '-' && dash_next) {
      literal = false;
      width = 3;
    }
    if (literal) {
      out += static_cast<char>(c);
    } else {
      out += '=';
      out += "0123456789ABCDEF"[c >> 4];
      out += "0123456789ABCDEF"[c & 15];
    }
    col += width;
  };
  const auto printable = [](unsigned char c) { return c >= 33 && c <= 126 && c != '='; };
  std::size_t pos = 0;
  while (pos < in.size()) {
    const std::size_t lf = in.find('\n', pos);
    std::size_t end = lf == std::string_view::npos ? in.size() : lf;
    if (lf != std::string_view::npos && end > pos && in[end - 1] == '\r') --end;
    for (std::size_t i = pos; i < end; ++i) {
      const auto c = static_cast<unsigned char>(in[i]);
      if (i + 1 < end) put(c, printable(c) || ref_wsp(static_cast<char>(c)), 75, in[i + 1] == '-');
      else put(c, printable(c), 76, false);
    }
    if (lf == std::string_view::npos) break;
    out += newline;
    col = 0;
    pos = lf + 1;
  }
  return out;
}

std::string reference_encode_base64(std::string_view in, std::string_view newline) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); i += 3) {
    if (i != 0 && i % 57 == 0) out += newline;
    std::uint32_t v = 0;
    for (std::size_t k = 0; k < 3; ++k)
      v = (v << 8) | (i + k < in.size() ? static_cast<unsigned char>(in[i + k]) : 0u);
    const std::size_t chars = std::min<std::size_t>(in.size() - i, 3) + 1;
    for (std::size_t k = 0; k < 4; ++k) out += k < chars ? ref_alphabet[(v >> (18 - 6 * k)) & 63] : '=';
  }
  return out;
}

// Random input from pieces that exercise each codec's edges.
template <std::size_t N>
std::string glue(std::mt19937& rng, const std::string_view (&pieces)[N], int max_pieces) {
  std::string s;
  const int n = static_cast<int>(rng() % static_cast<unsigned>(max_pieces + 1));
  for (int k = 0; k < n; ++k) s += pieces[rng() % N];
  return s;
}

std::string random_bytes(std::mt19937& rng, std::size_t size) {
  std::string s(size, '\0');
  for (char& c : s) c = static_cast<char>(rng() % 256);
  return s;
}

std::string quoted_printable_like(std::mt19937& rng) {
  static constexpr std::string_view pieces[] = {
      "plain text", "a", "=E3=81=82", "=e3=81=82", "=3D", "=20", "=\r\n", "=\n", "\r\n", "\n", "  \r\n", "\t\n",
      " ", "\t", "\r", "=", "=G1", "=4", "=4\r\n", "= \r\n", "=\t\n", "==41", "=A", "\xE6\x97\xA5",
      std::string_view("\0", 1)};
  return glue(rng, pieces, 60);
}

std::string base64_like(std::mt19937& rng) {
  std::string s = reference_encode_base64(random_bytes(rng, rng() % 200), rng() % 2 ? "\r\n" : "\n");
  if (rng() % 3 == 0) s.erase(std::remove(s.begin(), s.end(), '='), s.end());
  static constexpr std::string_view noise[] = {" ", "\t", "\r\n", "\n", "=", "==", "!", "*", "\xFF", "-", "A"};
  const int edits = static_cast<int>(rng() % 4);
  for (int k = 0; k < edits; ++k) s.insert(rng() % (s.size() + 1), noise[rng() % std::size(noise)]);
  if (!s.empty() && rng() % 4 == 0) s.resize(rng() % s.size());
  return s;
}

std::string text_like(std::mt19937& rng) {
  static constexpr std::string_view pieces[] = {
      "日本語のテキスト", "plain words ", "a", "=", " ", "\t", "\r", "\n", "\r\n", " \n", "\t\r\n", "\x01", "\x7F",
      "-", "--", "--b--",
      std::string_view("\0", 1), "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"};
  return glue(rng, pieces, 40);
}

void check_decoders(std::string_view in) {
  const auto qp = decode_quoted_printable(in);
  const auto qp_ref = reference_decode_quoted_printable(in);
  BOOST_TEST_REQUIRE(qp.data == qp_ref.data);
  BOOST_TEST_REQUIRE(qp.malformed == qp_ref.malformed);
  const auto b64 = decode_base64(in);
  const auto b64_ref = reference_decode_base64(in);
  BOOST_TEST_REQUIRE(b64.data == b64_ref.data);
  BOOST_TEST_REQUIRE(b64.malformed == b64_ref.malformed);
}

void check_encoders(std::string_view in) {
  for (const std::string_view newline : {"\r\n", "\n", ""}) {
    BOOST_TEST_REQUIRE(encode_quoted_printable(in, newline) == reference_encode_quoted_printable(in, newline));
    BOOST_TEST_REQUIRE(encode_base64(in, newline) == reference_encode_base64(in, newline));
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(transfer_encoding_codecs)

BOOST_AUTO_TEST_CASE(transfer_encoding_names_are_case_insensitive_and_default_to_7bit) {
  BOOST_TEST((parse_transfer_encoding("Base64") == transfer_encoding::base64));
  BOOST_TEST((parse_transfer_encoding(" quoted-printable (comment)") == transfer_encoding::quoted_printable));
  BOOST_TEST((parse_transfer_encoding("") == transfer_encoding::seven_bit));
  BOOST_TEST((parse_transfer_encoding("8BIT") == transfer_encoding::eight_bit));
  BOOST_TEST((parse_transfer_encoding("x-uuencode") == transfer_encoding::unknown));
}

BOOST_AUTO_TEST_CASE(quoted_printable_decodes_escapes_soft_breaks_and_keeps_hard_breaks) {
  const auto r = decode_quoted_printable("caf=C3=A9 =\r\nbar  \r\nx=3d=\nend");
  BOOST_TEST(r.data == "caf\xC3\xA9 bar\r\nx=end");
  BOOST_TEST(!r.malformed);
}

BOOST_AUTO_TEST_CASE(quoted_printable_keeps_a_bad_escape_literally) {
  const auto r = decode_quoted_printable("100=% and =G1 and =4");
  BOOST_TEST(r.data == "100=% and =G1 and =4");
  BOOST_TEST(r.malformed);
}

BOOST_AUTO_TEST_CASE(quoted_printable_encoding_keeps_lines_within_76_and_round_trips) {
  std::string text;
  for (int i = 0; i < 40; ++i) text += "日本語のテキスト=とても長い行 ";
  text += "\ntrailing space \nlast\ttab\t\n";
  const std::string enc = encode_quoted_printable(text);
  BOOST_TEST(longest_line(enc) <= 76u);
  BOOST_TEST(enc.find(" \r\n") == std::string::npos);   // no trailing whitespace before a hard break
  BOOST_TEST(enc.find("\t\r\n") == std::string::npos);
  std::string expected = text;
  std::string crlf;
  for (char c : expected) {
    if (c == '\n') crlf += "\r\n";
    else crlf += c;
  }
  BOOST_TEST(decode_quoted_printable(enc).data == crlf);
}

BOOST_AUTO_TEST_CASE(quoted_printable_line_of_exactly_76_needs_no_soft_break) {
  const std::string line(76, 'a');
  BOOST_TEST(encode_quoted_printable(line) == line);
  BOOST_TEST(encode_quoted_printable(line + "a") == std::string(75, 'a') + "=\r\naa");
}

BOOST_AUTO_TEST_CASE(quoted_printable_never_begins_a_line_with_two_dashes) {
  // A line that begins with "--" could be a multipart delimiter (RFC 2046
  // §5.1.1), whatever the boundary: after a hard break, after a soft break, and
  // for every position of "--" around column 76 it is written "=2D-".
  std::vector<std::string> inputs = {"--b", "x\n--b--\n", "--", "-", "- -", "a\r\n--\r\n---\n-- \n"};
  for (std::size_t n = 60; n < 160; ++n) inputs.push_back(std::string(n, 'a') + "--boundary--" + std::string(n, '-'));
  for (std::size_t n = 0; n < 80; ++n) inputs.push_back(std::string(n, '\xE3') + "--" + std::string(n % 7, '='));
  for (const std::string& in : inputs) {
    for (const std::string_view newline : {"\r\n", "\n"}) {
      const std::string qp = encode_quoted_printable(in, newline);
      BOOST_TEST_CONTEXT("input " << in.size() << " bytes") {
        for (std::size_t at = 0;;) {
          BOOST_TEST(!std::string_view(qp).substr(at).starts_with("--"));
          const std::size_t nl = qp.find('\n', at);
          if (nl == std::string::npos) break;
          at = nl + 1;
        }
        BOOST_TEST(longest_line(qp) <= 76u);
        const auto lf = [](std::string s) {
          for (std::size_t p; (p = s.find("\r\n")) != std::string::npos;) s.erase(p, 1);
          return s;
        };
        BOOST_TEST(lf(decode_quoted_printable(qp).data) == lf(in));
      }
    }
  }
  BOOST_TEST(encode_quoted_printable("--b\n-- sig\n-x") == "=2D-b\r\n=2D- sig\r\n-x");
}

BOOST_AUTO_TEST_CASE(base64_round_trips_all_byte_values_in_76_character_lines) {
  std::string bytes;
  for (int i = 0; i < 1000; ++i) bytes.push_back(static_cast<char>(i * 7 % 256));
  const std::string enc = encode_base64(bytes);
  BOOST_TEST(longest_line(enc) == 76u);
  BOOST_TEST(enc.find("\r\n") == 76u);
  const auto dec = decode_base64(enc);
  BOOST_TEST(dec.data == bytes);
  BOOST_TEST(!dec.malformed);
}

BOOST_AUTO_TEST_CASE(base64_is_lenient_with_junk_and_truncation) {
  BOOST_TEST(decode_base64("aGVs bG8=\r\n").data == "hello");
  const auto junk = decode_base64("aG!Vsb*G8");
  BOOST_TEST(junk.data == "hello");
  BOOST_TEST(junk.malformed);
  const auto cut = decode_base64("aGVsbG8gd29y");  // "hello wor"
  BOOST_TEST(cut.data == "hello wor");
  const auto truncated = decode_base64("aGVsbG8gd2");  // a quantum cut short
  BOOST_TEST(truncated.data == "hello w");
  BOOST_TEST(truncated.malformed);
  BOOST_TEST(decode_base64("").data.empty());
}

BOOST_AUTO_TEST_CASE(codecs_agree_with_the_per_byte_reference_on_random_input) {
  std::mt19937 rng(20261123);
  for (int round = 0; round < 20000; ++round) {
    const std::string bytes = random_bytes(rng, rng() % 300);
    const std::string qp = quoted_printable_like(rng);
    const std::string b64 = base64_like(rng);
    const std::string text = text_like(rng);
    for (const std::string* s : {&bytes, &qp, &b64, &text}) {
      check_decoders(*s);
      check_encoders(*s);
    }
  }
}

BOOST_AUTO_TEST_CASE(codecs_agree_with_the_reference_around_line_lengths) {
  // Every length across a few base64 lines, and quoted-printable lines whose
  // last units straddle column 76.
  std::mt19937 rng(76);
  for (std::size_t n = 0; n < 3 * 57 + 4; ++n) {
    const std::string bytes = random_bytes(rng, n);
    check_encoders(bytes);
    check_decoders(reference_encode_base64(bytes, "\r\n"));
  }
  for (std::size_t n = 70; n < 80; ++n) {
    for (const std::string_view tail : {"", " ", "\t", "=", "\xE3", " x", "\r"}) {
      const std::string line = std::string(n, 'a') + std::string(tail);
      check_encoders(line);
      check_encoders(line + "\n" + line);
      check_encoders(std::string(n / 3, '\xE3') + std::string(tail) + "\r\n");
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
