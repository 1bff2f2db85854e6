#include "relay/config/decoder.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <system_error>
#include <tuple>

namespace kizuna::config {
namespace {

// Levenshtein distance, for "did you mean" on unknown keys (short strings only).
std::size_t distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

std::string one_of(const std::vector<std::string_view>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
    out += names[i];
  }
  return out;
}

}  // namespace

decoder::decoder(std::string file, std::filesystem::path base_dir)
    : file_(std::move(file)), base_dir_(std::move(base_dir)) {}

void decoder::error(const yaml_node& at, std::string message) {
  diagnostics_.push_back({file_, at.line, at.column, std::move(message)});
}

void decoder::error_in(std::string file, int line, int column, std::string message) {
  diagnostics_.push_back({std::move(file), line, column, std::move(message)});
}

diagnostics decoder::take_diagnostics() {
  auto order = [this](const diagnostic& d) {
    return std::tuple<bool, const std::string&, int, int>(d.file != file_, d.file, d.line, d.column);
  };
  std::stable_sort(diagnostics_.begin(), diagnostics_.end(),
                   [&](const auto& a, const auto& b) { return order(a) < order(b); });
  return std::move(diagnostics_);
}

std::filesystem::path decoder::resolve(std::string_view text) const {
  return (base_dir_ / std::filesystem::path(text)).lexically_normal();
}

std::optional<std::string> decoder::string(const yaml_node& v, std::string_view where, bool allow_empty) {
  if (!v.is_scalar()) {
    error(v, fmt::format("{}: expected a string, got {}", where, describe(v)));
    return std::nullopt;
  }
  if (v.text.empty() && !allow_empty) {
    error(v, fmt::format("{}: must not be empty", where));
    return std::nullopt;
  }
  return v.text;
}

std::optional<uint64_t> decoder::number(const yaml_node& v, std::string_view where, uint64_t min,
                                        uint64_t max) {
  std::string_view text = v.is_scalar() ? std::string_view(v.text) : std::string_view();
  const bool negative = text.starts_with('-');
  if (negative || text.starts_with('+')) text.remove_prefix(1);
  if (!v.is_scalar() || text.empty() ||
      !std::ranges::all_of(text, [](char c) { return c >= '0' && c <= '9'; })) {
    error(v, fmt::format("{}: expected a whole number, got {}", where, describe(v)));
    return std::nullopt;
  }
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  // Too large for 64 bits or negative: out of range all the same.
  if (ec != std::errc{} || (negative && value != 0) || value < min || value > max) {
    error(v, fmt::format("{}: must be between {} and {}, got {}", where, min, max, v.text));
    return std::nullopt;
  }
  return value;
}

std::optional<bool> decoder::boolean(const yaml_node& v, std::string_view where) {
  // YAML 1.2 booleans only: "yes"/"on" meaning true is a YAML 1.1 trap.
  if (v.is_scalar()) {
    const auto& t = v.text;
    if (t == "true" || t == "True" || t == "TRUE") return true;
    if (t == "false" || t == "False" || t == "FALSE") return false;
  }
  error(v, fmt::format("{}: expected true or false, got {}", where, describe(v)));
  return std::nullopt;
}

std::optional<std::filesystem::path> decoder::path(const yaml_node& v, std::string_view where) {
  auto text = string(v, where);
  if (!text) return std::nullopt;
  return resolve(*text);
}

std::optional<std::filesystem::path> decoder::input_file(const yaml_node& v, std::string_view where) {
  auto p = path(v, where);
  if (!p) return std::nullopt;
  std::error_code ec;
  auto status = std::filesystem::status(*p, ec);
  if (status.type() == std::filesystem::file_type::not_found) {
    error(v, fmt::format("{}: file not found: {}", where, p->string()));
    return std::nullopt;
  }
  if (ec) {
    error(v, fmt::format("{}: cannot access {}: {}", where, p->string(), ec.message()));
    return std::nullopt;
  }
  if (!std::filesystem::is_regular_file(status)) {
    error(v, fmt::format("{}: not a regular file: {}", where, p->string()));
    return std::nullopt;
  }
  if (::access(p->c_str(), R_OK) != 0) {
    const auto reason = std::generic_category().message(errno);
    error(v, fmt::format("{}: cannot read {}: {}", where, p->string(), reason));
    return std::nullopt;
  }
  return p;
}

std::optional<endpoint> decoder::address(const yaml_node& v, std::string_view where) {
  auto text = string(v, where);
  if (!text) return std::nullopt;
  auto ep = parse_endpoint(*text);
  if (!ep) {
    error(v, fmt::format("{}: invalid address \"{}\": {}", where, *text, ep.error()));
    return std::nullopt;
  }
  return *ep;
}

std::optional<cidr> decoder::network(const yaml_node& v, std::string_view where) {
  auto text = string(v, where);
  if (!text) return std::nullopt;
  auto net = cidr::parse(*text);
  if (!net) {
    error(v, fmt::format("{}: invalid CIDR \"{}\": {}", where, *text, net.error()));
    return std::nullopt;
  }
  return *net;
}

const std::vector<yaml_node>* decoder::list(const yaml_node& v, std::string_view where) {
  if (!v.is_list()) {
    error(v, fmt::format("{}: expected a list, got {}", where, describe(v)));
    return nullptr;
  }
  return &v.items;
}

std::optional<std::size_t> decoder::word(const yaml_node& v, std::string_view where,
                                         const std::vector<std::string_view>& names) {
  if (v.is_scalar()) {
    auto it = std::ranges::find(names, std::string_view(v.text));
    if (it != names.end()) return static_cast<std::size_t>(it - names.begin());
  }
  error(v, fmt::format("{}: expected {}, got {}", where, one_of(names), describe(v)));
  return std::nullopt;
}

fields::fields(decoder& d, const yaml_node& node, std::string path)
    : d_(d), node_(node), path_(std::move(path)) {
  if (!node.is_mapping()) {
    d_.error(node, fmt::format("{}: expected a mapping, got {}", path_.empty() ? "top level" : path_,
                               describe(node)));
    return;
  }
  map_ = &node;
  const std::string in = path_.empty() ? "" : " in " + path_;
  for (std::size_t i = 0; i < node.entries.size(); ++i) {
    const auto& key = node.entries[i].first;
    if (!key.is_scalar()) {
      d_.error(key, fmt::format("keys must be plain names, got {}{}", describe(key), in));
      continue;
    }
    for (std::size_t j = 0; j < i; ++j) {
      const auto& earlier = node.entries[j].first;
      if (earlier.is_scalar() && earlier.text == key.text) {
        d_.error(key, fmt::format("duplicate key \"{}\"{} (first at line {})", key.text, in, earlier.line));
        break;
      }
    }
  }
}

fields::~fields() {
  if (!map_) return;
  const std::string in = path_.empty() ? "" : " in " + path_;
  for (const auto& [key, value] : map_->entries) {
    if (!key.is_scalar() || std::ranges::find(known_, key.text) != known_.end()) continue;
    std::string hint;
    std::size_t best = 3;  // suggest only close misspellings
    for (const auto& k : known_) {
      // The distance is at least the difference in length: a key that long
      // cannot be a close misspelling (and an 8 KB key costs nothing).
      const std::size_t gap = key.text.size() > k.size() ? key.text.size() - k.size() : k.size() - key.text.size();
      if (gap >= best) continue;
      auto dist = distance(key.text, k);
      if (dist < best && dist < k.size()) {
        best = dist;
        hint = fmt::format(" (did you mean \"{}\"?)", k);
      }
    }
    d_.error(key, fmt::format("unknown key \"{}\"{}{}", key.text, in, hint));
  }
}

std::string fields::path_of(std::string_view key) const {
  return path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key);
}

const fields::entry* fields::find(std::string_view key) const {
  if (!map_) return nullptr;
  for (const auto& e : map_->entries)
    if (e.first.is_scalar() && e.first.text == key) return &e;
  return nullptr;
}

const fields::entry* fields::take_entry(std::string_view key) {
  if (std::ranges::find(known_, key) == known_.end()) known_.emplace_back(key);
  return find(key);
}

const yaml_node* fields::take(std::string_view key) {
  const auto* e = take_entry(key);
  return e ? &e->second : nullptr;
}

const yaml_node* fields::require(std::string_view key) {
  const auto* v = take(key);
  if (!v && map_) {
    const std::string in = path_.empty() ? "" : " in " + path_;
    d_.error(node_, fmt::format("missing required key \"{}\"{}", key, in));
  }
  return v;
}

bool fields::string(std::string_view key, std::string& out, bool allow_empty) {
  const auto* v = take(key);
  if (!v) return true;
  auto s = d_.string(*v, path_of(key), allow_empty);
  if (s) out = std::move(*s);
  return s.has_value();
}

bool fields::boolean(std::string_view key, bool& out) {
  const auto* v = take(key);
  if (!v) return true;
  auto b = d_.boolean(*v, path_of(key));
  if (b) out = *b;
  return b.has_value();
}

bool fields::path(std::string_view key, std::filesystem::path& out) {
  const auto* v = take(key);
  if (!v) return true;
  auto p = d_.path(*v, path_of(key));
  if (p) out = std::move(*p);
  return p.has_value();
}

bool fields::input_file(std::string_view key, std::filesystem::path& out) {
  const auto* v = take(key);
  if (!v) return true;
  auto p = d_.input_file(*v, path_of(key));
  if (p) out = std::move(*p);
  return p.has_value();
}

}  // namespace kizuna::config
