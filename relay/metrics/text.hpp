// The lexical side of the Prometheus text format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/): name
// checks, escaping of label values and help text, and number formatting.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kizuna::metrics {

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool valid_metric_name(std::string_view name) noexcept;
// [a-zA-Z_][a-zA-Z0-9_]*, not starting "__" (reserved for Prometheus itself).
bool valid_label_name(std::string_view name) noexcept;

// Label value: backslash, double quote and line feed become \\, \" and \n.
void append_label_value(std::string& out, std::string_view value);
// HELP text: backslash and line feed become \\ and \n (quotes stay).
void append_help(std::string& out, std::string_view help);

// A sample value: shortest round-trip decimal ("0.0005", "10", "1e-05"),
// or +Inf, -Inf, NaN as Prometheus spells them.
void append_value(std::string& out, double v);
void append_value(std::string& out, std::uint64_t v);
void append_value(std::string& out, std::int64_t v);

}  // namespace kizuna::metrics
