// Test helper: a value_source over a map, and one-call compile+render.
#pragma once

#include "relay/personalize/render.hpp"

#include <boost/test/unit_test.hpp>

#include <map>
#include <string>

namespace kizuna::personalize::testing {

struct map_source final : value_source {
  std::map<std::string, std::string, std::less<>> values;
  map_source(std::initializer_list<std::pair<const std::string, std::string>> v) : values(v) {}
  std::optional<std::string_view> find(std::string_view name) const override {
    const auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return std::string_view(it->second);
  }
};

inline compiled_template must_compile(std::string_view src, context where) {
  auto t = compile(src, where);
  if (!t) BOOST_FAIL("compile failed: " << to_string(t.error()));
  return std::move(*t);
}

inline std::string render_with(std::string_view src, context where, const map_source& values) {
  return render(must_compile(src, where), values).out;
}

}  // namespace kizuna::personalize::testing
