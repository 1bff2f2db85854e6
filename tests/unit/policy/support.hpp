// Helpers shared by the policy loader tests: where the fixtures are, and a
// load that must succeed (failing the test with the diagnostics otherwise).
#pragma once

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "relay/policy/loader.hpp"
#include "tests/unit/config/support.hpp"

namespace kizuna::test {

inline std::filesystem::path policy_fixtures() { return source_dir() / "tests" / "fixtures" / "policy"; }

inline std::string all_diagnostics(const config::diagnostics& diags) {
  std::string text;
  for (const auto& d : diags) text += d.to_string() + "\n";
  return text;
}

inline policy::snapshot load_ok(const std::vector<std::string>& entries) {
  auto loaded = policy::load(entries);
  BOOST_REQUIRE_MESSAGE(loaded.has_value(), (loaded ? "" : all_diagnostics(loaded.error())));
  return *loaded;
}

}  // namespace kizuna::test
