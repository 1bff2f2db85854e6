// Fuzz target: the template compiler and renderer over whole messages
// (relay/personalize: compile_message / render_copy), with issue 10 item 3's
// property as the oracle: contact data never changes a copy's MIME structure.
//
// Input: a message (seeds: the MIME and personalization fixtures), made what
// DATA would store (CRLF line ends only, no NUL, a final CRLF), then a
// contact value taken from its end: the last byte says how many trailing bytes
// form that value, the two before it pick, per slot, the free value, a hostile
// one (CR/LF, NUL, "--" + every boundary of the template with a part header and
// <script>, encoded words, invalid UTF-8, a long value...) or none (missing).
// Oracles, for every copy render_copy() returns without error:
//  - the copy parses (mime::message) into the same part tree as the template:
//    same count, parents, types and boundaries;
//  - no new header fields: per part, a name other than the per-copy ones (To,
//    Message-ID, From, Reply-To, List-Unsubscribe(-Post), MIME-Version,
//    Content-Type, Content-Transfer-Encoding) occurs no more often than in the
//    template; To is exactly the recipient;
//  - no line of a leaf (lines end at CR, LF or CRLF, as Python's email parser
//    splits them) starts with "--<boundary>" of an enclosing multipart, unless
//    the template's part had such a line already;
//  - the copy ends in CRLF (issue 10 item 2: the "." after it must follow CRLF).
// Replaying an input with KIZUNA_FUZZ_DUMP=/tmp/x writes /tmp/x.template.eml and
// /tmp/x.copy.eml.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "fuzz_support.hpp"
#include "relay/mime/message.hpp"
#include "relay/personalize/message_template.hpp"

using namespace kizuna;
using namespace kizuna::personalize;

namespace {

// Hashed, not ordered: a std::map lookup per slot made several memcmp calls,
// each one recorded by libFuzzer's interceptor: a tenth of this target's time.
struct name_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

struct vector_source final : value_source {
  std::unordered_map<std::string, std::optional<std::string>, name_hash, std::equal_to<>> values;
  std::optional<std::string_view> find(std::string_view name) const override {
    const auto it = values.find(name);
    if (it == values.end() || !it->second) return std::nullopt;
    return std::string_view(*it->second);
  }
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> hostile_values(const mime::message& m) {
  std::vector<std::string> v = {
      "",
      "Taro",
      "\r\n",
      "a\rb\nc\r\nd",
      std::string("nul\0byte", 8),
      "\xff\xfe\xc3(",
      "=?UTF-8?B?PHNjcmlwdD4=?= =?ISO-2022-JP?B?GyRCJDMbKEI=?=",
      "javascript:alert(1)",
      "\r\n.\r\n",
      "line\r\n.\r\nQUIT\r\n",
      "{{last_name}}",
      "<script>alert(1)</script>",
      "\r\n--\r\n",
      "\r\n\r\nContent-Type: text/html\r\n\r\n",
      std::string(20000, 'x'),
  };
  std::string many_lines;
  for (int i = 0; i < 500; ++i) many_lines += "=?UTF-8?Q?a?= \r\n--x ";
  v.push_back(many_lines);
  for (const mime::part& p : m.parts()) {
    if (!p.is_multipart()) continue;
    const std::string& b = p.boundary;
    v.push_back("\r\n--" + b + "\r\nContent-Type: text/html\r\n\r\n<script>alert(1)</script>\r\n");
    v.push_back("--" + b);
    v.push_back("\n--" + b + "--\n");
    v.push_back("\r--" + b + "\r");
    v.push_back("x\r\n--" + b + "--\r\n\r\nepilogue");
    v.push_back("\r\n--" + b + "   \r\n");
  }
  return v;
}

// Lines as Python's email feedparser splits them: at CRLF, CR or LF.
std::vector<std::string_view> py_lines(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r' || s[i] == '\n') {
      out.push_back(s.substr(start, i - start));
      if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
      start = i + 1;
    }
  }
  if (start < s.size()) out.push_back(s.substr(start));
  return out;
}

bool has_delimiter_line(const mime::message& m, mime::part_id id) {
  const mime::part& p = m.at(id);
  if (p.parent == mime::no_part) return false;
  // The part's lines are split once, then matched against every enclosing
  // boundary.
  std::vector<std::string_view> lines = py_lines(m.slice(p.body));
  for (std::string_view line : py_lines(m.slice(p.header))) lines.push_back(line);
  for (mime::part_id up = p.parent; up != mime::no_part; up = m.at(up).parent) {
    const std::string delimiter = "--" + m.at(up).boundary;
    for (std::string_view line : lines)
      if (line.starts_with(delimiter)) return true;
  }
  return false;
}

// A template is a message as DATA stores it (data_assembler, normalize mode):
// CRLF line ends only (a bare LF or CR becomes CRLF), no NUL, ending in CRLF.
std::string as_received(std::string_view in) {
  std::string out;
  out.reserve(in.size() + 2);
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '\0') continue;
    if (in[i] == '\r' || in[i] == '\n') {
      if (in[i] == '\r' && i + 1 < in.size() && in[i + 1] == '\n') ++i;
      out += "\r\n";
      continue;
    }
    out += in[i];
  }
  if (!out.empty() && !out.ends_with("\r\n")) out += "\r\n";
  return out;
}

std::map<std::string, int> field_counts(const mime::part& p) {
  std::map<std::string, int> n;
  for (const auto& f : p.fields) ++n[lower(f.name)];
  return n;
}

bool per_copy_field(std::string_view name) {
  static const char* const names[] = {"to",         "message-id",       "from", "reply-to", "list-unsubscribe",
                                      "list-unsubscribe-post", "mime-version", "content-type",
                                      "content-transfer-encoding"};
  return std::ranges::any_of(names, [&](const char* n) { return name == n; });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  FuzzedDataProvider fdp(bytes, size);
  const std::size_t value_len = fdp.ConsumeIntegral<std::uint8_t>();
  const auto choice = fdp.ConsumeIntegral<std::uint16_t>();
  std::string rest = fdp.ConsumeRemainingBytesAsString();
  const std::size_t cut = rest.size() - std::min(value_len, rest.size());
  const std::string free_value = rest.substr(cut);
  rest.resize(cut);
  const std::string input = as_received(rest);

  const bool with_footer = choice & 0x8000;
  compile_options options;
  if (with_footer) {
    options.footer_text = "--\n配信停止: {{unsubscribe_url}}\n";
    options.footer_html = "<p><a href=\"{{unsubscribe_url}}\">配信停止</a></p>";
  }
  auto t = compile_message(input, options);
  if (!t) return 0;
  const mime::message& tm = t->message();

  const auto hostile = hostile_values(tm);
  vector_source values;
  std::size_t i = 0;
  for (const std::string& name : t->field_names()) {
    const unsigned pick = (choice >> ((i % 4) * 3)) & 7;
    if (pick == 7) values.values[name] = std::nullopt;
    else if (pick == 6) values.values[name] = free_value;
    else values.values[name] = hostile[(pick * 5 + i + (choice >> 12)) % hostile.size()];
    ++i;
  }
  values.values.emplace("unsubscribe_url", "https://u.example.jp/u/abc123");

  copy_headers h;
  h.to = "rcpt@example.com";
  h.message_id = "<copy@kizuna.test>";
  if (choice & 0x4000) h.from_display = free_value;
  h.from_address = "sato@shop.example.jp";
  h.reply_to = "sato+reply@shop.example.jp";
  h.add = {{"List-Unsubscribe", "<https://u.example.jp/u/abc123>"},
           {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"}};
  const rendered_copy c = render_copy(*t, values, h);
  if (!c.error.empty()) return 0;

  if (const char* dump = std::getenv("KIZUNA_FUZZ_DUMP")) {  // replaying a finding: the two messages as files
    for (const auto& [suffix, bytes] : {std::pair{".template.eml", std::string_view(input)},
                                        std::pair{".copy.eml", std::string_view(c.bytes)}}) {
      if (std::FILE* f = std::fopen((std::string(dump) + suffix).c_str(), "wb")) {
        std::fwrite(bytes.data(), 1, bytes.size(), f);
        std::fclose(f);
      }
    }
  }
  const mime::message copy = mime::message::parse(c.bytes);
  FUZZ_CHECK(copy.parts().size() == tm.parts().size(), c.bytes);
  for (mime::part_id id = 0; id < tm.parts().size(); ++id) {
    const mime::part& a = tm.at(id);
    const mime::part& b = copy.at(id);
    FUZZ_CHECK(a.parent == b.parent, c.bytes);
    FUZZ_CHECK(a.type.type == b.type.type && a.type.subtype == b.type.subtype, c.bytes);
    FUZZ_CHECK(a.boundary == b.boundary, c.bytes);
    const auto before = field_counts(a);
    for (const auto& [name, n] : field_counts(b)) {
      if (per_copy_field(name)) continue;
      const auto it = before.find(name);
      FUZZ_CHECK(it != before.end() && n <= it->second, c.bytes);
    }
    if (!b.is_multipart() && !has_delimiter_line(tm, id)) FUZZ_CHECK(!has_delimiter_line(copy, id), c.bytes);
  }
  if (const auto* to = copy.root().field("To")) FUZZ_CHECK(to->value == h.to, c.bytes);
  if (!input.empty()) FUZZ_CHECK(c.bytes.ends_with("\r\n"), c.bytes);
  return 0;
}
