// The yaml-cpp adapter: the only file that sees yaml-cpp types.
#include "relay/config/yaml_tree.hpp"

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>
#include <yaml-cpp/yaml.h>

#include <sstream>

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

// The document structure of a file, from the parser's events: how many
// documents (counting stops at two) and where the second one's content starts.
// YAML::LoadAll is not used: yaml-cpp 0.7 loops forever (and without bound in
// memory) on a stray ',' at the top level, starting the same empty document
// again and again; here that shows as a second document at the first one's
// position and ends the parse.
class document_scan final : public YAML::EventHandler {
 public:
  int documents = 0;
  YAML::Mark first_start, second_start, second_content;
  bool second_has_content = false;

  void OnDocumentStart(const YAML::Mark& m) override {
    if (++documents == 1) first_start = m;
    else if (documents == 2) second_start = m;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t) override { node(m); }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t) override { node(m); }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t, const std::string&) override { node(m); }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    node(m);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    node(m);
  }
  void OnMapEnd() override {}

  // The parser started the second document where the first one started: it
  // cannot get past the token there.
  bool stuck() const { return documents == 2 && second_start.pos == first_start.pos; }

 private:
  void node(const YAML::Mark& m) {
    if (documents == 2 && !second_has_content) {
      second_has_content = true;
      second_content = m;
    }
  }
};

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
  const std::string input(text);
  document_scan scan;
  YAML::Node document;
  try {
    std::istringstream stream(input);
    YAML::Parser parser(stream);
    while (scan.documents < 2 && parser.HandleNextDocument(scan)) {
    }
    if (scan.documents == 1) document = YAML::Load(input);
  } catch (const YAML::Exception& e) {
    // ParserException and friends carry the position the parser stopped at.
    return std::unexpected(diagnostic{file, one_based(e.mark.line), one_based(e.mark.column),
                                      "invalid YAML: " + e.msg + tab_hint(text, e.mark.line)});
  }
  if (scan.documents == 0) return yaml_node{.line = 1, .column = 1};
  if (scan.stuck()) {
    const auto mark = scan.second_start;
    const auto at = static_cast<std::size_t>(mark.pos);
    const unsigned char c = at < text.size() ? static_cast<unsigned char>(text[at]) : 0;
    return std::unexpected(diagnostic{
        file, one_based(mark.line), one_based(mark.column),
        c > 0x20 && c < 0x7f ? fmt::format("invalid YAML: unexpected '{}'", static_cast<char>(c))
                             : std::string("invalid YAML: the parser cannot continue here")});
  }
  if (scan.documents > 1) {
    const auto mark = scan.second_has_content ? scan.second_content : scan.second_start;
    return std::unexpected(diagnostic{file, one_based(mark.line), one_based(mark.column),
                                      "only one YAML document is allowed in a file"});
  }
  auto root = converter(file).convert(document, 0);
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
