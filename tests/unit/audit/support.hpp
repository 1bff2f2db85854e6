// Helpers for the audit tests: sample records, a writer on a temp path without
// fsync, and whole-file line edits (what a tamperer would do).
#pragma once

#include <boost/test/unit_test.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "relay/audit/log_writer.hpp"
#include "relay/audit/record.hpp"

namespace kizuna::audit::test {

inline record sample(int i) {
  record r;
  r.instance = "mx1";
  r.message_id = "6B030F29" + std::to_string(100000 + i);
  r.campaign = "spring";
  r.category = "newsletter";
  r.rcpt = "user" + std::to_string(i) + "@example.org";
  r.decision = i % 5 == 0 ? action::drop : action::relay;
  r.rule = i % 5 == 0 ? "optout" : "";
  r.policy_version = "p1";
  r.downstream_reply = i % 5 == 0 ? "" : "250 2.0.0 Ok";
  return r;
}

inline std::vector<record> samples(int from, int count) {
  std::vector<record> out;
  for (int i = from; i < from + count; ++i) out.push_back(sample(i));
  return out;
}

inline std::unique_ptr<log_writer> open_writer(const std::filesystem::path& path, std::uint64_t max_bytes = 0) {
  auto w = log_writer::open({.path = path, .fsync = false, .max_bytes = max_bytes});
  BOOST_TEST_REQUIRE(w.has_value(), (w ? "" : w.error()));
  return std::move(*w);
}

// Writes `count` sample records starting at `from`, one request each.
inline void write_samples(log_writer& w, int from, int count) {
  for (int i = from; i < from + count; ++i) BOOST_TEST_REQUIRE(!w.append_blocking({sample(i)}));
}

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void spit(const std::filesystem::path& p, const std::string& s) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << s;
}

// Lines without their "\n"; the last one may be partial.
inline std::vector<std::string> lines_of(const std::filesystem::path& p) {
  std::vector<std::string> out;
  std::istringstream in(slurp(p));
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

inline void write_lines(const std::filesystem::path& p, const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  spit(p, s);
}

inline bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace kizuna::audit::test
