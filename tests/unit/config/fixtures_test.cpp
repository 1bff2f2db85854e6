// Golden fixtures for kizuna.yaml (tests/fixtures/config/):
//  - valid/*.yaml load without a diagnostic, as does config/kizuna.example.yaml;
//  - each invalid/NAME.yaml fails with exactly the lines of invalid/NAME.expected:
//    what `kizuna check` prints, with "<absolute path of invalid/>/" and then
//    "<source dir>/" removed (support.hpp), e.g.
//    "bad_cidr.yaml:3:33: listen[0].allow_clients[1]: ...".
// KIZUNA_UPDATE_GOLDEN=1 rewrites the .expected files from the loader's output;
// review the diff before committing it.
#define BOOST_TEST_MODULE config
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "relay/config/loader.hpp"
#include "tests/unit/config/support.hpp"

namespace fs = std::filesystem;
using kizuna::config::load;
using kizuna::test::config_fixtures;
using kizuna::test::printed;

namespace {

std::vector<fs::path> files_in(const fs::path& dir, const std::string& extension) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_regular_file() && entry.path().extension() == extension) files.push_back(entry.path());
  std::ranges::sort(files);
  return files;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string joined(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  return text;
}

std::string all_diagnostics(const kizuna::config::diagnostics& diags) {
  std::string text;
  for (const auto& d : diags) text += d.to_string() + "\n";
  return text;
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_valid_fixture_loads_clean) {
  const auto files = files_in(config_fixtures() / "valid", ".yaml");
  BOOST_TEST(files.size() >= 3u);
  for (const auto& file : files) {
    BOOST_TEST_CONTEXT(file.filename().string()) {
      auto loaded = load(file);
      BOOST_TEST(loaded.has_value(), (loaded ? "" : all_diagnostics(loaded.error())));
    }
  }
}

BOOST_AUTO_TEST_CASE(example_config_loads_clean) {
  auto loaded = load(kizuna::test::source_dir() / "config" / "kizuna.example.yaml");
  BOOST_REQUIRE_MESSAGE(loaded.has_value(), (loaded ? "" : all_diagnostics(loaded.error())));
  BOOST_TEST((*loaded)->listeners.size() >= 1u);
}

BOOST_AUTO_TEST_CASE(every_invalid_fixture_reports_exactly_its_expected_diagnostics) {
  const auto dir = config_fixtures() / "invalid";
  const bool update = std::getenv("KIZUNA_UPDATE_GOLDEN") != nullptr;
  const auto files = files_in(dir, ".yaml");
  BOOST_TEST(files.size() >= 20u);
  // dkim_invalid.yaml's key must be world-readable, whatever umask the checkout had.
  fs::permissions(dir / "dkim_world_readable.pem", fs::perms(0644), fs::perm_options::replace);
  for (const auto& file : files) {
    BOOST_TEST_CONTEXT(file.filename().string()) {
      auto loaded = load(file);
      BOOST_TEST(!loaded.has_value());
      if (loaded) continue;
      const auto actual = joined(printed(loaded.error(), {dir, kizuna::test::source_dir()}));
      auto expected_file = fs::path(file).replace_extension(".expected");
      if (update) std::ofstream(expected_file, std::ios::binary) << actual;
      BOOST_TEST(fs::exists(expected_file));
      BOOST_TEST(actual == read_text(expected_file));
    }
  }
}

BOOST_AUTO_TEST_CASE(every_expected_file_has_its_fixture) {
  for (const auto& expected : files_in(config_fixtures() / "invalid", ".expected")) {
    BOOST_TEST_CONTEXT(expected.filename().string()) {
      BOOST_TEST(fs::exists(fs::path(expected).replace_extension(".yaml")));
    }
  }
}
