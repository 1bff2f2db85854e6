// Verifies a chain of audit files (record.hpp) the way an auditor would: every
// line is a well-formed record with its fields in order, seq goes up by exactly 1,
// prev equals the previous record's hash, and each hash recomputes. Stops at the
// FIRST problem and names it as "file:line: what", e.g.
//   "audit.jsonl:42: record edited (hash mismatch)"
//   "audit.jsonl:42: record missing or reordered (seq 44, expected 43)"
//   "audit.jsonl:42: prev does not match the previous record's hash"
//   "audit.jsonl:42: truncated record (no newline at end of file)"
// Limits: reads files sequentially, one line in memory at a time. What the file alone
// cannot show: records cut from the very end (compare the last hash with a copy kept
// elsewhere) and a chain rebuilt from scratch by someone who can rewrite every file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace kizuna::audit {

struct verify_options {
  // true: the first record must be the chain's start (seq 1, prev of 64 zeros).
  // false: older files were removed by retention; the first record's seq and prev are taken as given.
  bool require_genesis = true;
};

struct verify_report {
  std::string problem;          // "" when the chain is intact; else "file:line: what"
  std::uint64_t records = 0;    // records that verified (before the problem, if any)
  std::size_t files = 0;        // files opened
  std::uint64_t first_seq = 0;  // seq of the first record (0 when none)
  std::uint64_t last_seq = 0;   // seq of the last good record
  std::string last_hash;        // hash of the last good record ("" when none)
  bool ok() const noexcept { return problem.empty(); }
};

// Verifies `files` as one chain, in the order given.
verify_report verify(const std::vector<std::filesystem::path>& files, const verify_options& options = {});

// Verifies the chain whose live file is `live`: its rotated files (chain_files.hpp)
// then `live`. No file at all is a problem ("no audit log at …").
verify_report verify_chain(const std::filesystem::path& live, const verify_options& options = {});

}  // namespace kizuna::audit
