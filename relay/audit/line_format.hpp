// The byte-exact line format of record.hpp: writing a record as its canonical line
// and checking a line read back. Pure (no I/O, no clock): the writer and the verifier
// share it, so what one writes is exactly what the other accepts.
// Limits: none on field length (callers keep fields short; the log never holds bodies).
// Errors: parse_line returns a one-phrase description ("malformed record (…)",
// "fields out of order (…)") for the verifier to prefix with file:line.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "relay/audit/record.hpp"

namespace kizuna::audit {

// Appends s to out as a JSON string literal, quotes included, escaped as record.hpp
// says; bytes that are not valid UTF-8 become U+FFFD (one per maximal invalid subpart).
void append_json_string(std::string& out, std::string_view s);

// "2026-11-22T15:04:05.123Z" (UTC, milliseconds, truncated).
std::string format_timestamp(std::chrono::system_clock::time_point t);

// P of record.hpp: the line up to (excluding) `,"hash":`. r.ts and r.instance are
// written as given (the writer fills them in first).
std::string format_body(const record& r, std::uint64_t seq, std::string_view prev);

// The complete line: body + `,"hash":"` + hash + `"}` + "\n".
std::string format_line(std::string_view body, std::string_view hash);

// What the chain needs from one line. body views into the line passed to parse_line.
struct chained_line {
  std::uint64_t seq = 0;
  std::string prev;
  std::string hash;
  std::string_view body;
};

// Checks a line (without its "\n"): valid UTF-8 JSON object, exactly the documented
// keys in order, value types, ts shape, prev/hash 64 lowercase hex, the hash field
// last and written canonically. Does not recompute the hash (see chain.hpp).
std::expected<chained_line, std::string> parse_line(std::string_view line);

}  // namespace kizuna::audit
