// parse_yaml(): the plain tree the decoders read, with 1-based positions.
#include <boost/test/unit_test.hpp>

#include "relay/config/yaml_tree.hpp"

using kizuna::config::parse_yaml;
using kizuna::config::yaml_node;

BOOST_AUTO_TEST_CASE(positions_are_one_based_and_keys_keep_file_order) {
  auto doc = parse_yaml("b: 1\na:\n  - x\n  - 'y'\n", "f.yaml");
  BOOST_REQUIRE(doc.has_value());
  BOOST_REQUIRE(doc->is_mapping());
  BOOST_REQUIRE_EQUAL(doc->entries.size(), 2u);
  const auto& [b, one] = doc->entries[0];
  BOOST_TEST(b.text == "b");
  BOOST_TEST(b.line == 1);
  BOOST_TEST(b.column == 1);
  BOOST_TEST(one.column == 4);
  const auto& list = doc->entries[1].second;
  BOOST_REQUIRE(list.is_list());
  BOOST_REQUIRE_EQUAL(list.items.size(), 2u);
  BOOST_TEST(list.items[1].line == 4);
  BOOST_TEST(list.items[1].column == 5);
  BOOST_TEST(list.items[0].plain);
  BOOST_TEST(!list.items[1].plain);  // quoted: "y" is a string whatever it spells
}

BOOST_AUTO_TEST_CASE(an_empty_value_sits_at_its_key_and_nulls_are_null) {
  auto doc = parse_yaml("a:\n\nb: ~\nc: 'null'\n", "f.yaml");
  BOOST_REQUIRE(doc.has_value());
  const auto& a = doc->entries[0].second;
  BOOST_TEST(a.is_null());
  BOOST_TEST(a.line == 1);
  BOOST_TEST(a.column == 1);
  BOOST_TEST(doc->entries[1].second.is_null());
  BOOST_TEST(doc->entries[2].second.is_scalar());
}

BOOST_AUTO_TEST_CASE(duplicate_keys_are_kept_for_the_decoder_to_report) {
  auto doc = parse_yaml("a: 1\na: 2\n", "f.yaml");
  BOOST_REQUIRE(doc.has_value());
  BOOST_TEST(doc->entries.size() == 2u);
}

BOOST_AUTO_TEST_CASE(an_empty_document_is_null) {
  for (const char* text : {"", "# only a comment\n", "---\n"}) {
    auto doc = parse_yaml(text, "f.yaml");
    BOOST_REQUIRE(doc.has_value());
    BOOST_TEST(doc->is_null());
  }
}

BOOST_AUTO_TEST_CASE(syntax_errors_carry_the_parser_position) {
  auto doc = parse_yaml("a: 1\nb: [x, y\n", "f.yaml");
  BOOST_REQUIRE(!doc.has_value());
  BOOST_TEST(doc.error().file == "f.yaml");
  BOOST_TEST(doc.error().line >= 2);
  BOOST_TEST(doc.error().message.starts_with("invalid YAML: "));
}

BOOST_AUTO_TEST_CASE(recursive_and_exploding_aliases_are_bounded) {
  auto recursive = parse_yaml("a: &x [*x]\n", "f.yaml");
  BOOST_REQUIRE(!recursive.has_value());
  BOOST_TEST(recursive.error().message.find("nested deeper") != std::string::npos);

  // Each level doubles: 2^20 leaves from a few hundred bytes.
  std::string bomb = "l0: &l0 [x, x]\n";
  for (int i = 1; i <= 20; ++i)
    bomb += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [*l" + std::to_string(i - 1) + ", *l" +
            std::to_string(i - 1) + "]\n";
  auto exploded = parse_yaml(bomb, "f.yaml");
  BOOST_REQUIRE(!exploded.has_value());
  BOOST_TEST(exploded.error().message.find("aliases are expanded") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(more_than_one_document_is_refused) {
  auto doc = parse_yaml("a: 1\n---\nb: 2\n", "f.yaml");
  BOOST_REQUIRE(!doc.has_value());
  BOOST_TEST(doc.error().line == 3);
}

// yaml-cpp 0.7's LoadAll loops forever (memory growing) on a stray ',' at the
// top level; found by tests/fuzz/fuzz_loaders. It must be an error at its place.
BOOST_AUTO_TEST_CASE(a_stray_comma_is_an_error_not_a_hang) {
  for (const char* text : {",", ",\n", "# c\n,\n", "  ,"}) {
    auto doc = parse_yaml(text, "f.yaml");
    BOOST_REQUIRE_MESSAGE(!doc.has_value(), text);
    BOOST_TEST(doc.error().message == "invalid YAML: unexpected ','", text);
    BOOST_TEST(doc.error().line >= 1);
    BOOST_TEST(doc.error().column >= 1);
  }
  auto later = parse_yaml("# c\n,\n", "f.yaml");
  BOOST_REQUIRE(!later.has_value());
  BOOST_TEST(later.error().line == 2);
  BOOST_TEST(later.error().column == 1);
}
