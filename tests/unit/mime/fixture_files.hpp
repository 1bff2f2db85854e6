// Reads golden fixtures from tests/fixtures/mime (KIZUNA_SOURCE_DIR, set by CTest).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace kizuna::mime::test {

inline std::filesystem::path fixture_dir() {
  const char* root = std::getenv("KIZUNA_SOURCE_DIR");
  return std::filesystem::path(root ? root : ".") / "tests" / "fixtures" / "mime";
}

inline std::optional<std::string> read_fixture(const std::string& file) {
  std::ifstream in(fixture_dir() / file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace kizuna::mime::test
