// Reading the records of an audit chain (record.hpp) for queries and reports, in
// chain order (rotated files by seq, then the live file: chain_files.hpp), one line
// in memory at a time: memory stays constant however long the log is.
//
// The reader takes each line for what it says; it does not check the hash chain
// (that is `kizuna audit verify`'s job, verifier.hpp). A line that is not a record
// (malformed JSON, a field missing or of the wrong type, an unknown decision, an
// empty line, a last line without its "\n") is reported to the problem sink as
// "file:line: what" and skipped; the caller decides what an incomplete read means
// (query and report exit 1). Keys may come in any order here.
// Errors: a file that cannot be opened or read ends the scan with
// "file: cannot open" / "file: read error"; no file at all for a chain gives
// "no audit log at <live>".
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "relay/audit/record.hpp"

namespace kizuna::audit {

// One record as stored. The strings are the decoded JSON values.
struct stored_record {
  std::string_view line;  // the line exactly as stored, without its "\n" (valid during the callback)
  std::string ts_text;    // "2026-11-22T15:04:05.123Z"
  std::chrono::system_clock::time_point ts{};
  std::uint64_t seq = 0;
  std::string instance;
  std::string message_id;
  std::string campaign;
  std::string category;
  std::string rcpt;
  action decision = action::relay;
  std::string rule;
  std::string policy_version;
  std::string persona;
  std::string downstream_reply;
  std::string copy_id;  // "" in records not about one copy, and in logs older than issue 11
  std::string dkim;     // the signature a relayed copy carries (issue 12), "" without a dkim config
};

// Parses one line (without "\n") into `out` (whose strings are reused); the error
// is one phrase ("malformed record (…)", "field \"rcpt\" missing", …). out.line is
// set to `line`.
std::expected<void, std::string> parse_record(std::string_view line, stored_record& out);

// s + sub as a system_clock time point, saturated at its min()/max() (nanosecond
// ticks cover the years 1677..2262 only; "9999-12-31" must not overflow).
std::chrono::system_clock::time_point saturating_time_point(std::chrono::sys_seconds s,
                                                            std::chrono::nanoseconds sub = {});

// "YYYY-MM-DDTHH:MM:SS.mmmZ" → time point; nothing when not of that shape or not a real date.
std::optional<std::chrono::system_clock::time_point> parse_record_timestamp(std::string_view s);

// A delivered copy: an outcome, release or (older logs) relay record whose downstream reply starts with '2'.
bool is_delivery(const stored_record& r) noexcept;
// The write-ahead record of a copy about to be sent (relay or release, no reply yet, a copy_id);
// its `outcome` record follows unless the relay stopped in between.
bool is_relay_intent(const stored_record& r) noexcept;
// An outcome that may be a delivery: the final "." was written, no reply came.
bool is_in_doubt(const stored_record& r) noexcept;

struct scan_stats {
  std::size_t files = 0;        // files read
  std::uint64_t records = 0;    // records passed to the sink
  std::uint64_t unreadable = 0; // lines reported to the problem sink
};

using record_sink = std::function<void(const stored_record&)>;
using problem_sink = std::function<void(const std::string&)>;

// Reads `files` in the order given.
std::expected<scan_stats, std::string> scan(const std::vector<std::filesystem::path>& files,
                                            const record_sink& on_record, const problem_sink& on_problem);

// Reads the chain whose live file is `live` (rotated files first).
std::expected<scan_stats, std::string> scan_chain(const std::filesystem::path& live, const record_sink& on_record,
                                                  const problem_sink& on_problem);

}  // namespace kizuna::audit
