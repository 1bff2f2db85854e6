// The yaml-cpp adapter: the only file that sees yaml-cpp types.
#include "relay/config/yaml_tree.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

namespace kizuna::config {
namespace {

int one_based(int zero_based) { return zero_based >= 0 ? zero_based + 1 : 0; }

// yaml-cpp says "illegal map value" for a tab in the indentation; say why.
std::string tab_hint(std::string_view text, int line) {
  for (int i = 0; i < line && !text.empty(); ++i) {
    auto newline = text.find('\n');
    text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
  }
  auto indent = text.substr(0, text.find_first_not_of(" \t"));
  return indent.find('\t') != std::string_view::npos ? " (tabs are not allowed in indentation)" : "";
}

class converter {
 public:
  explicit converter(const std::string& file) : file_(file) {}

  std::expected<yaml_node, diagnostic> convert(const YAML::Node& in, int depth) {
    yaml_node out;
    const auto mark = in.Mark();
    out.line = one_based(mark.line);
    out.column = one_based(mark.column);
    // Aliases are shared nodes in yaml-cpp; copying them out can recurse forever
    // (`&a [*a]`) or explode (nested aliases), so both are bounded.
    if (depth > yaml_max_depth)
      return fail(out, fmt::format("nested deeper than {} levels (a recursive alias?)", yaml_max_depth));
    if (++count_ > yaml_max_nodes)
      return fail(out, fmt::format("more than {} values once aliases are expanded", yaml_max_nodes));
    switch (in.Type()) {
      case YAML::NodeType::Scalar:
        out.type = yaml_node::kind::scalar;
        out.text = in.Scalar();
        out.plain = in.Tag() == "?";
        break;
      case YAML::NodeType::Sequence:
        out.type = yaml_node::kind::list;
        for (const auto& item : in) {
          auto child = convert(item, depth + 1);
          if (!child) return child;
          out.items.push_back(std::move(*child));
        }
        break;
      case YAML::NodeType::Map:
        out.type = yaml_node::kind::mapping;
        for (const auto& entry : in) {
          auto key = convert(entry.first, depth + 1);
          if (!key) return key;
          auto value = convert(entry.second, depth + 1);
          if (!value) return value;
          // yaml-cpp places an empty value (`host:`) at the start of the next
          // line; the key is where the reader looks.
          if (value->is_null()) {
            value->line = key->line;
            value->column = key->column;
          }
          out.entries.emplace_back(std::move(*key), std::move(*value));
        }
        break;
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined:
        break;
    }
    return out;
  }

 private:
  std::unexpected<diagnostic> fail(const yaml_node& at, std::string message) const {
    return std::unexpected(diagnostic{file_, at.line, at.column, std::move(message)});
  }

  const std::string& file_;
  std::size_t count_ = 0;
};

}  // namespace

std::expected<yaml_node, diagnostic> parse_yaml(std::string_view text, const std::string& file) {
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    // ParserException and friends carry the position the parser stopped at.
    return std::unexpected(diagnostic{file, one_based(e.mark.line), one_based(e.mark.column),
                                      "invalid YAML: " + e.msg + tab_hint(text, e.mark.line)});
  }
  if (documents.empty()) return yaml_node{.line = 1, .column = 1};
  if (documents.size() > 1) {
    const auto mark = documents[1].Mark();
    return std::unexpected(diagnostic{file, one_based(mark.line), one_based(mark.column),
                                      "only one YAML document is allowed in a file"});
  }
  auto root = converter(file).convert(documents.front(), 0);
  if (root && root->is_null()) root->line = root->column = 1;
  return root;
}

std::string describe(const yaml_node& node) {
  switch (node.type) {
    case yaml_node::kind::null:
      return "nothing";
    case yaml_node::kind::list:
      return "a list";
    case yaml_node::kind::mapping:
      return "a mapping";
    case yaml_node::kind::scalar:
      break;
  }
  // Long values are cut so one bad line does not flood the terminal.
  constexpr std::size_t max_shown = 60;
  if (node.text.size() > max_shown) return fmt::format("\"{}...\"", node.text.substr(0, max_shown));
  return fmt::format("\"{}\"", node.text);
}

}  // namespace kizuna::config
