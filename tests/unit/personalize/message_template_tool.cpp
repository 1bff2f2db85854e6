// Test driver for check_message_template.py (not installed): renders one copy of
// a message with the values given on the command line, so Python's email
// package can judge it.
//   message_template_tool FILE TO NAME=VALUE...
// The copy gets Message-ID <copy@kizuna.test>, From "佐藤 花子" <sato@shop.example.jp>,
// Reply-To sato+reply@shop.example.jp, List-Unsubscribe(-Post); X-Kizuna-* removed.
// stdout: the copy; stderr: "missing NAME" lines. Exit 1 when compile fails.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>

#include "relay/personalize/message_template.hpp"

using namespace kizuna::personalize;

namespace {

struct args_source final : value_source {
  std::map<std::string, std::string, std::less<>> values;
  std::optional<std::string_view> find(std::string_view name) const override {
    const auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return std::string_view(it->second);
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: message_template_tool FILE TO NAME=VALUE...\n";
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  auto t = compile_message(s.str());
  if (!t) {
    std::cerr << t.error() << '\n';
    return 1;
  }
  args_source values;
  for (int i = 3; i < argc; ++i) {
    const std::string a = argv[i];
    const auto eq = a.find('=');
    if (eq != std::string::npos) values.values[a.substr(0, eq)] = a.substr(eq + 1);
  }
  copy_headers h;
  h.to = argv[2];
  h.message_id = "<copy@kizuna.test>";
  h.from_display = "佐藤 花子";
  h.from_address = "sato@shop.example.jp";
  h.reply_to = "sato+reply@shop.example.jp";
  h.add = {{"List-Unsubscribe", "<https://u.example.jp/u/abc123>"},
           {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"}};
  const rendered_copy c = render_copy(*t, values, h);
  for (const std::string& m : c.missing) std::cerr << "missing " << m << '\n';
  if (!c.error.empty()) {
    std::cerr << c.error << '\n';
    return 1;
  }
  std::fwrite(c.bytes.data(), 1, c.bytes.size(), stdout);
  return 0;
}
