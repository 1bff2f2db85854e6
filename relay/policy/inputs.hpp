// What the evaluator decides on, as plain data: the recipient's Redis data
// (fetched in one pipelined round trip by store::recipient_lookup), the
// campaign (from X-Kizuna-* headers, known only after DATA), and the time.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kizuna::policy {

struct sent_entry {
  std::chrono::system_clock::time_point at;
  std::string category;
};

// Hashes exactly as stored (SPEC §4): field -> raw value.
struct recipient_data {
  std::map<std::string, std::string> optout;         // scope -> "at|source|reason"
  std::map<std::string, std::string> optout_domain;  // scope -> "at|source|reason"
  std::map<std::string, std::string> contact;        // field -> UTF-8 value
  std::map<std::string, std::string> exclusion;      // name -> "until|reason" (until: epoch s or "-")
  std::map<std::string, std::string> consent;        // scope -> "at|source"
  std::vector<sent_entry> sent;                      // relayed copies within the longest cap period
  std::optional<std::string> sticky_persona;         // persona:{addr}, when sticky assignment is on
};

struct campaign_info {
  bool known = false;  // the category is known: after DATA, or at RCPT on a listener with a fixed category
  bool id_known = true;  // with known: false at RCPT (the id comes with the headers)
  std::optional<std::string> id;
  std::string category;  // after defaults; "" when none applies
};

struct inputs {
  std::string address;  // normalized (SPEC §4)
  const recipient_data* data = nullptr;
  campaign_info campaign;
  std::chrono::system_clock::time_point now;
  // false: trace details and the reason are written only when the recipient is
  // not relayed (a relay's are never read; serve sets this, preview does not).
  bool explain = true;
};

}  // namespace kizuna::policy
