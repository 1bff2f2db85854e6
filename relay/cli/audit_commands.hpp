// `kizuna audit` internals shared by its subcommands (audit.cpp: help, dispatch and
// verify; audit_query.cpp; audit_report.cpp): option parsing and where the log is.
#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "relay/cli/exit_status.hpp"
#include "relay/cli/subcommands.hpp"
#include "relay/config/loader.hpp"

namespace kizuna::cli::audit_cli {

struct options {
  std::optional<std::string> config;                        // --config / -c
  std::optional<std::string> log;                           // --log
  std::vector<std::pair<std::string, std::string>> values;  // other "--name VALUE", in order
  std::vector<std::string> flags;                           // flags given
  bool help = false;

  bool has(std::string_view flag) const;
  std::vector<std::string> all(std::string_view name) const;
  std::optional<std::string> last(std::string_view name) const;
};

// "--name VALUE" and "--name=VALUE" for --config, --log and `value_names`; `flag_names`
// without a value; --help/-h. The error is the usage message (no prefix).
std::expected<options, std::string> parse(const arguments& args, const std::vector<std::string_view>& value_names,
                                          const std::vector<std::string_view>& flag_names);

// Prints "kizuna audit <command>: <message> (try 'kizuna audit <command> --help')"; returns 64.
int usage(std::string_view command, const std::string& message);

// Loads --config, printing its diagnostics; the error is the exit status (78).
std::expected<config::snapshot, int> load_config(const std::string& file);

// Streams text to stdout in large writes; false once a write failed.
class output {
 public:
  ~output();
  void write(std::string_view s);
  bool flush();  // false: a write failed (errno set)
 private:
  std::string buf_;
  bool failed_ = false;
};

// Prints a reader problem ("file:line: what") for the first few, then counts.
class problem_printer {
 public:
  explicit problem_printer(std::string who) : who_(std::move(who)) {}
  void operator()(const std::string& problem);

 private:
  std::string who_;
  std::uint64_t seen_ = 0;
};

int query_command(const arguments& args);
int report_command(const arguments& args);

}  // namespace kizuna::cli::audit_cli
