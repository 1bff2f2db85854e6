// Test driver for check_merge_injection.py (not installed): builds one
// merge-injection case and renders its copy, so Python's email package can
// judge it independently.
//   merge_injection_tool FIXTURE SEED VALUES
// FIXTURE: a message; slots "{{contact.v0}}".."{{contact.v3}}" are put into its
// text parts (merge_cases.hpp with_slots, from SEED). VALUES: lines
// "NAME BASE64" ("*" for every name not listed), so any byte can be a value.
// stdout, one item per line, payloads in base64 (one line each):
//   template B64         the template (fixture with slots)
//   copy B64             the rendered copy (To a@example.com, Message-ID <copy@kizuna.test>)
//   part PATH B64        the text the part at PATH must decode to (UTF-8, "\n" line
//                        ends); PATH: child indexes from the top, '.'-separated, "-"
//                        for the message itself
//   error TEXT           render_copy's error, if any (then no copy line)
//   skip TEXT            the fixture itself does not compile (then nothing else)
// Exit 1 when the template does not compile or the input cannot be read.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "merge_cases.hpp"
#include "relay/mime/transfer_encoding.hpp"

using namespace kizuna::personalize;
namespace mime = kizuna::mime;

namespace {

bool read_all(const char* path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  out = s.str();
  return true;
}

void put(std::string_view key, std::string_view payload) {
  std::cout << key << ' ' << mime::encode_base64(payload, "") << '\n';
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: merge_injection_tool FIXTURE SEED VALUES\n";
    return 2;
  }
  std::string fixture, values_text;
  if (!read_all(argv[1], fixture) || !read_all(argv[3], values_text)) {
    std::cerr << "cannot read input\n";
    return 1;
  }
  testing::merge_values values;
  std::istringstream lines(values_text);
  for (std::string line; std::getline(lines, line);) {
    const auto sp = line.find(' ');
    if (sp == std::string::npos) continue;
    std::string value = mime::decode_base64(std::string_view(line).substr(sp + 1)).data;
    if (line.substr(0, sp) == "*") values.fallback = std::move(value);
    else values.values[line.substr(0, sp)] = std::move(value);
  }
  const std::string src = testing::with_slots(fixture, static_cast<std::uint32_t>(std::strtoul(argv[2], nullptr, 10)));
  auto t = compile_message(src);
  if (!t && !compile_message(fixture)) {  // not personalizable as it is: the relay holds it
    std::cout << "skip " << t.error() << '\n';
    return 0;
  }
  if (!t) {
    std::cerr << "compile_message: " << t.error() << '\n';
    return 1;
  }
  put("template", src);
  const rendered_copy c = render_copy(*t, values, {"a@example.com", "<copy@kizuna.test>"});
  if (!c.error.empty()) {
    std::cout << "error " << c.error << '\n';
    return 0;
  }
  put("copy", c.bytes);
  const mime::message& m = t->message();
  for (const auto& [id, text] : testing::rendered_texts(*t, values)) {
    std::string path;
    for (mime::part_id at = id; at != 0; at = m.at(at).parent) {
      const auto& siblings = m.at(m.at(at).parent).children;
      const auto index = std::find(siblings.begin(), siblings.end(), at) - siblings.begin();
      path = std::to_string(index) + (path.empty() ? "" : ".") + path;
    }
    put("part " + (path.empty() ? std::string("-") : path), text);
  }
  return 0;
}
