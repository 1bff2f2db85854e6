// Golden fixtures for policy files (tests/fixtures/policy/, README.md there):
//  - valid/*.yaml each load alone without a diagnostic, each valid/DIR/ as the
//    glob DIR/*.yaml, and so do the shipped examples, policies/*.yaml;
//  - invalid/NAME.yaml (alone) or invalid/NAME/ (as NAME/*.yaml) fails with
//    exactly the lines of invalid/NAME.expected, printed as `kizuna check`
//    does with "<absolute path of invalid/>/" and "<source dir>/" removed.
// KIZUNA_UPDATE_GOLDEN=1 rewrites the .expected files from the loader's output;
// review the diff before committing it.
#define BOOST_TEST_MODULE policy_loader
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "tests/unit/policy/support.hpp"

namespace fs = std::filesystem;
using kizuna::policy::load;
using kizuna::test::all_diagnostics;
using kizuna::test::policy_fixtures;
using kizuna::test::printed;
using kizuna::test::source_dir;

namespace {

// What one fixture loads: a .yaml file alone, or a directory's *.yaml.
struct fixture {
  std::string name;
  std::vector<std::string> entries;
};

std::vector<fixture> fixtures_in(const fs::path& dir) {
  std::vector<fixture> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const auto& p = entry.path();
    if (entry.is_directory())
      out.push_back({p.filename().string(), {(p / "*.yaml").string()}});
    else if (entry.is_regular_file() && p.extension() == ".yaml")
      out.push_back({p.stem().string(), {p.string()}});
  }
  std::ranges::sort(out, {}, &fixture::name);
  return out;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_valid_fixture_loads_clean) {
  const auto fixtures = fixtures_in(policy_fixtures() / "valid");
  BOOST_TEST(fixtures.size() >= 4u);
  for (const auto& f : fixtures) {
    BOOST_TEST_CONTEXT(f.name) {
      auto loaded = load(f.entries);
      BOOST_TEST(loaded.has_value(), (loaded ? "" : all_diagnostics(loaded.error())));
    }
  }
}

BOOST_AUTO_TEST_CASE(shipped_example_policies_load_clean) {
  auto loaded = load({(source_dir() / "policies" / "*.yaml").string()});
  BOOST_REQUIRE_MESSAGE(loaded.has_value(), (loaded ? "" : all_diagnostics(loaded.error())));
  BOOST_TEST((*loaded)->rules.size() >= 6u);
}

BOOST_AUTO_TEST_CASE(every_invalid_fixture_reports_exactly_its_expected_diagnostics) {
  const auto dir = policy_fixtures() / "invalid";
  const bool update = std::getenv("KIZUNA_UPDATE_GOLDEN") != nullptr;
  const auto fixtures = fixtures_in(dir);
  BOOST_TEST(fixtures.size() >= 17u);
  for (const auto& f : fixtures) {
    BOOST_TEST_CONTEXT(f.name) {
      auto loaded = load(f.entries);
      BOOST_TEST(!loaded.has_value());
      if (loaded) continue;
      std::string actual;
      for (const auto& line : printed(loaded.error(), {dir, source_dir()})) actual += line + "\n";
      const auto expected_file = dir / (f.name + ".expected");
      if (update) std::ofstream(expected_file, std::ios::binary) << actual;
      BOOST_TEST(fs::exists(expected_file));
      BOOST_TEST(actual == read_text(expected_file));
    }
  }
}

BOOST_AUTO_TEST_CASE(every_expected_file_has_its_fixture) {
  for (const auto& entry : fs::directory_iterator(policy_fixtures() / "invalid")) {
    if (entry.path().extension() != ".expected") continue;
    BOOST_TEST_CONTEXT(entry.path().filename().string()) {
      auto base = fs::path(entry.path()).replace_extension();
      BOOST_TEST((fs::is_directory(base) || fs::exists(fs::path(base).replace_extension(".yaml"))));
    }
  }
}
