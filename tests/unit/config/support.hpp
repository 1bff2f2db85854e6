// Helpers shared by the config tests: where the fixtures are, and diagnostics as
// the text `kizuna check` would print, with a directory prefix removed.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

#include "relay/config/diagnostic.hpp"

namespace kizuna::test {

// KIZUNA_SOURCE_DIR is set by kizuna_test() in tests/CMakeLists.txt.
inline std::filesystem::path source_dir() {
  const char* dir = std::getenv("KIZUNA_SOURCE_DIR");
  return std::filesystem::path(dir ? dir : ".").lexically_normal();
}

inline std::filesystem::path config_fixtures() { return source_dir() / "tests" / "fixtures" / "config"; }

// Each diagnostic printed, with every "<dir>/" removed for each of `dirs` in
// turn: the file name and the paths inside messages ("file not found: ...") then
// read the same on any machine.
inline std::vector<std::string> printed(const config::diagnostics& diags,
                                        std::initializer_list<std::filesystem::path> dirs) {
  std::vector<std::string> lines;
  for (const auto& d : diags) {
    std::string line = d.to_string();
    for (const auto& dir : dirs) {
      const std::string prefix = dir.string() + "/";
      for (auto at = line.find(prefix); at != std::string::npos; at = line.find(prefix, at))
        line.erase(at, prefix.size());
    }
    lines.push_back(line);
  }
  return lines;
}

inline std::vector<std::string> printed(const config::diagnostics& diags, const std::filesystem::path& dir) {
  return printed(diags, {dir});
}

inline void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

}  // namespace kizuna::test
