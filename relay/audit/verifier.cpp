#include "relay/audit/verifier.hpp"

#include <fstream>

#include <fmt/format.h>

#include "relay/audit/chain.hpp"
#include "relay/audit/chain_files.hpp"
#include "relay/audit/line_format.hpp"
#include "relay/audit/record.hpp"

namespace kizuna::audit {
namespace {

// Checks one record against the chain so far; returns the problem or "".
std::string check(std::string_view line, verify_report& r, const verify_options& options, bool first_line_of_file) {
  auto parsed = parse_line(line);
  if (!parsed) return parsed.error();
  const bool first_record = r.records == 0;
  if (first_record) {
    if (options.require_genesis && parsed->seq != 1)
      return fmt::format("chain does not start at seq 1 (seq {}): earlier records or files missing? "
                         "(if older files were removed on purpose, verify with --partial)",
                         parsed->seq);
    if (options.require_genesis && parsed->prev != genesis_hash)
      return "first record's prev is not 64 zeros (chain start edited)";
  } else {
    if (parsed->seq != r.last_seq + 1)
      return fmt::format("record missing or reordered (seq {}, expected {}){}", parsed->seq, r.last_seq + 1,
                         first_line_of_file ? ": a rotated file missing or out of order?" : "");
    if (parsed->prev != r.last_hash)
      return "prev does not match the previous record's hash (record edited, missing or reordered)";
  }
  if (chain_hash(parsed->prev, parsed->body) != parsed->hash) return "record edited (hash mismatch)";
  if (first_record) r.first_seq = parsed->seq;
  ++r.records;
  r.last_seq = parsed->seq;
  r.last_hash = std::move(parsed->hash);
  return {};
}

}  // namespace

verify_report verify(const std::vector<std::filesystem::path>& files, const verify_options& options) {
  verify_report r;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      r.problem = fmt::format("{}: cannot open", file.string());
      return r;
    }
    ++r.files;
    std::string line;
    for (std::uint64_t number = 1; std::getline(in, line); ++number) {
      std::string problem;
      if (in.eof()) problem = "truncated record (no newline at end of file)";
      else if (line.empty()) problem = "empty line";
      else problem = check(line, r, options, number == 1);
      if (!problem.empty()) {
        r.problem = fmt::format("{}:{}: {}", file.string(), number, problem);
        return r;
      }
    }
    if (in.bad()) {
      r.problem = fmt::format("{}: read error", file.string());
      return r;
    }
  }
  return r;
}

verify_report verify_chain(const std::filesystem::path& live, const verify_options& options) {
  auto files = chain_files(live);
  if (!files) return verify_report{.problem = files.error()};
  if (files->empty()) return verify_report{.problem = fmt::format("no audit log at {}", live.string())};
  return verify(*files, options);
}

}  // namespace kizuna::audit
