// Fuzz target: the MIME parser and rewriter (relay/mime/message, rewriter,
// transfer_encoding, encoded_word, content_type, text_part).
//
// Input: a message (the seeds are tests/fixtures/mime/*.eml and the
// personalization fixtures).
// Oracles:
//  - parse() never fails; the part tree is consistent: pre-order (a parent
//    before its children, children in order), depth = parent's + 1, every byte
//    range inside the message and each child's bytes inside its parent's body;
//  - a rewriter with no edits renders the input byte for byte;
//  - transfer codecs round trip: decode_base64(encode_base64(x)) == x,
//    decode_quoted_printable(encode_quoted_printable(x)) == x with "\n" made
//    "\r\n", encoded lines at most 76 characters, output 7-bit, never malformed;
//    every leaf's body is decoded, and for the first three base64/QP leaves
//    encoding and decoding (a prefix of) that again is stable;
//  - RFC 2047: encode_header_value(v) has no CR/LF except folds, lines of at
//    most 78 characters when encoded, and decodes back to v (valid UTF-8, CR/LF/NUL
//    removed); decode_header_value of any field value is valid UTF-8;
//  - Content-Type: format_content_type(parse_content_type(v)) parses back to the
//    same type, subtype and parameter names;
//  - re-encoding the personalizable text parts with their own text
//    (rewriter::replace_text) gives a message with the same part tree whose parts
//    read back to the same text (CRs aside): all of them at once, and one alone
//    (chosen by the input's last byte).
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"
#include "relay/core/utf8.hpp"
#include "relay/mime/content_type.hpp"
#include "relay/mime/encoded_word.hpp"
#include "relay/mime/message.hpp"
#include "relay/mime/rewriter.hpp"
#include "relay/mime/text_part.hpp"
#include "relay/mime/transfer_encoding.hpp"

using namespace kizuna::mime;

namespace {

std::string_view g_input;  // for oracle messages

void check_tree(const message& m) {
  const auto parts = m.parts();
  FUZZ_CHECK(!parts.empty(), g_input);
  FUZZ_CHECK(parts[0].parent == no_part && parts[0].depth == 0, g_input);
  const std::size_t n = m.bytes().size();
  std::uint32_t defects = 0;
  for (part_id id = 0; id < parts.size(); ++id) {
    const part& p = parts[id];
    defects |= p.defects;
    for (const byte_range r : {p.header, p.body, p.preamble, p.epilogue}) {
      FUZZ_CHECK(r.begin <= r.end && r.end <= n, g_input);
    }
    for (const auto& f : p.fields) FUZZ_CHECK(f.raw.begin <= f.raw.end && f.raw.end <= n, g_input);
    if (id > 0) {
      FUZZ_CHECK(p.parent < id, g_input);
      const part& parent = parts[p.parent];
      FUZZ_CHECK(parent.is_multipart(), g_input);
      FUZZ_CHECK(p.depth == parent.depth + 1, g_input);
      const std::string where = "part " + std::to_string(id) + " header [" + std::to_string(p.header.begin) + "," +
                                std::to_string(p.header.end) + ") body [" + std::to_string(p.body.begin) + "," +
                                std::to_string(p.body.end) + "), parent " + std::to_string(p.parent) + " body [" +
                                std::to_string(parent.body.begin) + "," + std::to_string(parent.body.end) + ")";
      FUZZ_CHECK(p.header.begin >= parent.body.begin && p.body.end <= parent.body.end, where);
    }
    part_id previous = id;
    for (part_id c : p.children) {
      FUZZ_CHECK(c > previous && c < parts.size() && parts[c].parent == id, g_input);
      previous = c;
    }
    if (!p.is_multipart()) FUZZ_CHECK(p.children.empty(), g_input);
  }
  FUZZ_CHECK(defects == m.defects(), g_input);
}

std::string crlf_lines(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) out += '\r';
    out += s[i];
  }
  return out;
}

bool lines_within(std::string_view s, std::size_t max) {
  std::size_t start = 0;
  while (start <= s.size()) {
    auto end = s.find("\r\n", start);
    if (end == std::string_view::npos) end = s.size();
    if (end - start > max) return false;
    start = end + 2;
  }
  return true;
}

bool seven_bit(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80 || c == 0) return false;
  return true;
}

void check_codecs(std::string_view data) {
  const std::string b64 = encode_base64(data);
  FUZZ_CHECK(lines_within(b64, 76) && seven_bit(b64), data);
  const auto b = decode_base64(b64);
  FUZZ_CHECK(!b.malformed && b.data == data, data);

  const std::string qp = encode_quoted_printable(data);
  FUZZ_CHECK(lines_within(qp, 76) && seven_bit(qp), data);
  FUZZ_CHECK(kizuna::fuzz::crlf_only(qp), data);
  const auto q = decode_quoted_printable(qp);
  FUZZ_CHECK(!q.malformed, data);
  FUZZ_CHECK(q.data == crlf_lines(data), data);
}

std::string unfold(std::string_view v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\r' && i + 2 < v.size() && v[i + 1] == '\n' && (v[i + 2] == ' ' || v[i + 2] == '\t')) {
      ++i;
      continue;
    }
    out += v[i];
  }
  return out;
}

void check_header_value(std::string_view utf8) {
  const std::string decoded_any = decode_header_value(utf8);
  FUZZ_CHECK(kizuna::is_valid_utf8(decoded_any), utf8);
  if (!kizuna::is_valid_utf8(utf8)) return;
  const std::string enc = encode_header_value(utf8, 7);  // "Subject"
  // Only folds: CRLF followed by a space or tab.
  for (std::size_t i = 0; i < enc.size(); ++i) {
    if (enc[i] == '\r') FUZZ_CHECK(i + 2 < enc.size() && enc[i + 1] == '\n' && (enc[i + 2] == ' ' || enc[i + 2] == '\t'), utf8);
    if (enc[i] == '\n') FUZZ_CHECK(i > 0 && enc[i - 1] == '\r', utf8);
    FUZZ_CHECK(enc[i] != '\0', utf8);
  }
  std::string expected;
  for (char c : utf8)
    if (c != '\r' && c != '\n' && c != '\0') expected += c;
  const std::string back = decode_header_value(unfold(enc));
  // Whitespace is folded and trimmed as RFC 5322 allows: compare without it.
  auto squeeze = [](std::string_view s) {
    std::string out;
    for (char c : s)
      if (c != ' ' && c != '\t') out += c;
    return out;
  };
  FUZZ_CHECK(squeeze(back) == squeeze(expected), utf8);
}

void check_content_type(std::string_view value) {
  const content_type ct = parse_content_type(value);
  if (!ct.present) return;
  const content_type again = parse_content_type(unfold(format_content_type(ct)));
  FUZZ_CHECK(again.present, value);
  FUZZ_CHECK(again.type == ct.type && again.subtype == ct.subtype, value);
  FUZZ_CHECK(again.params.size() == ct.params.size(), value);
  for (std::size_t i = 0; i < ct.params.size(); ++i) FUZZ_CHECK(again.params[i].name == ct.params[i].name, value);
}

bool same_tree(const message& a, const message& b) {
  if (a.parts().size() != b.parts().size()) return false;
  for (part_id id = 0; id < a.parts().size(); ++id) {
    const part& x = a.at(id);
    const part& y = b.at(id);
    if (x.parent != y.parent || x.type.type != y.type.type || x.type.subtype != y.type.subtype ||
        x.is_multipart() != y.is_multipart())
      return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(bytes), size);
  g_input = input;
  parse_limits limits;
  if (size > 0 && (bytes[0] & 1)) {  // small limits too, so the limit paths are reached
    limits.max_depth = 3;
    limits.max_parts = 8;
    limits.max_field_bytes = 1000;
    limits.max_fields = 6;
  }
  const message m = message::parse(input, limits);
  check_tree(m);
  FUZZ_CHECK(m.bytes() == input, input);
  FUZZ_CHECK(rewriter(m).render() == input, input);

  int codec_checks = 3;
  for (const part& p : m.parts()) {
    for (const auto& f : p.fields) {
      if (f.name.size() == 12 && (f.name[8] == 'T' || f.name[8] == 't')) check_content_type(f.value);
      check_header_value(f.value);
    }
    if (p.is_multipart()) continue;
    const std::string_view body = m.slice(p.body);
    const auto decoded = decode_transfer(body, p.encoding);
    // The codecs' round trip on (a prefix of) what the part holds: the bytes
    // that matter, kept short so the whole-message checks stay fast; the first
    // three encoded leaves only (the codecs are functions of the bytes alone,
    // more leaves of one message add time, not cases).
    if ((p.encoding == transfer_encoding::base64 || p.encoding == transfer_encoding::quoted_printable) &&
        codec_checks-- > 0)
      check_codecs(std::string_view(decoded.data).substr(0, 1024));
  }
  check_codecs(std::string_view(input).substr(0, 512));

  // Each text part replaced by its own text: same tree, same text. Not when
  // fields went unrecorded (past max_fields): a Content-Transfer-Encoding the
  // rewriter adds lands after them, unseen by the parser (rewriter.hpp).
  // Two copies, not one per part (a re-parse of the whole message for each of
  // up to max_parts parts was most of this target's time): one with every text
  // part replaced at once, one with a single part replaced (which one comes
  // from the input) and the rest left as they were.
  if (m.has_defect(defect::too_many_fields)) return 0;
  struct own_text {
    part_id id;
    std::string utf8;
  };
  std::vector<own_text> texts;
  for (part_id id : personalizable_parts(m)) {
    auto text = read_text(m, id);
    if (text && !text->lossy) texts.push_back({id, std::move(text->utf8)});
  }
  if (texts.empty()) return 0;
  // Line breaks are "\n" in the text; bare CRs in a 7bit/8bit part (which DATA
  // no longer lets in) can merge with a break once re-encoded: CRs aside.
  auto trimmed = [](std::string_view s) {
    std::string out;
    for (char c : s)
      if (c != '\r') out += c;
    while (out.ends_with('\n')) out.pop_back();
    return out;
  };
  // The rewriter may add three fields per part (Content-Type,
  // Content-Transfer-Encoding, MIME-Version): room for them, so the copy's
  // parse sees what it was given.
  parse_limits copy_limits = limits;
  copy_limits.max_fields += 3;
  auto check_copy = [&](std::size_t first, std::size_t last) {
    rewriter w(m);
    std::vector<const own_text*> replaced;
    for (std::size_t i = first; i < last; ++i)
      if (w.replace_text(texts[i].id, texts[i].utf8)) replaced.push_back(&texts[i]);
    if (replaced.empty()) return;
    const message copy = message::parse(w.render(), copy_limits);
    FUZZ_CHECK(same_tree(m, copy), input);
    for (const own_text* t : replaced) {
      const auto again = read_text(copy, t->id);
      FUZZ_CHECK(again.has_value(), input);
      FUZZ_CHECK(trimmed(again->utf8) == trimmed(t->utf8), kizuna::fuzz::first_difference(again->utf8, t->utf8));
    }
  };
  check_copy(0, texts.size());
  if (texts.size() > 1) {
    const std::size_t one = size > 0 ? bytes[size - 1] % texts.size() : 0;
    check_copy(one, one + 1);
  }
  return 0;
}
