// Test driver for check_mime.py (not installed): exposes the parser and the
// rewriter on the command line so Python's email package can judge the output.
//   mime_tool parts FILE                       one line per part: id depth type defects personalizable
//   mime_tool text FILE ID                     the part's text as UTF-8
//   mime_tool render FILE [--text ID FILE]... [--subject UTF8] [--strip PREFIX]
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "relay/mime/rewriter.hpp"
#include "relay/mime/text_part.hpp"

using namespace kizuna::mime;

namespace {

std::string slurp(const char* path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_out(std::string_view s) { std::fwrite(s.data(), 1, s.size(), stdout); }

int usage() {
  std::cerr << "usage: mime_tool parts FILE | text FILE ID | render FILE [--text ID FILE]... [--subject S] [--strip P]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return usage();
  const std::string cmd = argv[1];
  const message m = message::parse(slurp(argv[2]));
  if (cmd == "parts") {
    for (part_id id = 0; id < m.parts().size(); ++id) {
      const part& p = m.at(id);
      std::cout << id << ' ' << p.depth << ' ' << p.type.mime_type() << ' ' << p.defects << ' '
                << (p.is_personalizable_text() ? 1 : 0) << '\n';
    }
    return 0;
  }
  if (cmd == "text" && argc == 4) {
    const auto t = read_text(m, std::stoul(argv[3]));
    if (!t) {
      std::cerr << to_string(t.error()) << '\n';
      return 1;
    }
    write_out(t->utf8);
    return 0;
  }
  if (cmd == "render") {
    rewriter rw(m);
    for (int i = 3; i < argc; ++i) {
      const std::string opt = argv[i];
      if (opt == "--text" && i + 2 < argc) {
        const auto r = rw.replace_text(std::stoul(argv[i + 1]), slurp(argv[i + 2]));
        if (!r) {
          std::cerr << to_string(r.error()) << '\n';
          return 1;
        }
        i += 2;
      } else if (opt == "--subject" && i + 1 < argc) {
        if (!rw.set_header_text(0, "Subject", argv[++i])) return 1;
      } else if (opt == "--strip" && i + 1 < argc) {
        rw.remove_headers_with_prefix(0, argv[++i]);
      } else {
        return usage();
      }
    }
    write_out(rw.render());
    return 0;
  }
  return usage();
}
