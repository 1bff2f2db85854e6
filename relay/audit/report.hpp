// `kizuna audit report`: the opt-out enforcement report and the per-campaign
// summary, computed from a stream of records (reader.hpp) in one pass. Pure: the
// CLI loads the opt-outs from Redis and feeds the records.
//
// Opt-out report (SPEC §9): a delivery (reader.hpp is_delivery: an outcome or
// release with a 2xx downstream reply) or a possible delivery (an outcome in doubt,
// or a relay intent whose outcome never came: pending_copies) violates an opt-out when the opt-out is for its rcpt,
// or for the domain of its rcpt, its scope is "*" or the record's category, and the
// record's ts is after the opt-out's `at` (ts > at, at taken as hh:mm:ss.000: a copy
// sent in the same second as the opt-out is listed, for the auditor to judge).
// Strict by design: "*" applies to every category, transactional ones included.
// Memory: the opt-outs only (about 100 bytes per address and scope); the log streams.
//
// Summary: counts per (campaign, category) of each decision; relay records count
// as relayed when downstream said 2xx and as failed otherwise, release records with
// a 2xx reply as relayed (the hold that preceded them counts as held). Defer records
// are also counted per rule. Unsubscribe records carry the scope as category (the
// category of the copy whose link was used, "*" for a link made for all mail) and
// the campaign of that copy (from a version-2 token; "" from an older link or
// `kizuna unsubscribe-url`). An unsubscribe counts for its category and, when it
// names a campaign, for that (campaign, category) row; 配信停止率 (unsubscribe
// rate) is unsubscribes / relayed of that category or row, when relayed > 0. An
// unsubscribe record with rule already_opted_out_rule (record.hpp: the scope was
// opted out already, e.g. a second click) is a repeat: counted as such per
// category, never as an unsubscribe. Other counts are records: a copy deferred
// twice (the client retried) counts twice.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "relay/audit/reader.hpp"

namespace kizuna::audit {

// The opt-out that a delivery violates.
struct optout_match {
  std::string subject;  // the opted-out address, or "@domain" for a domain opt-out
  std::string scope;    // "*" or a category
  std::int64_t at = 0;  // epoch seconds
};

class optout_index {
 public:
  optout_index();
  ~optout_index();
  optout_index(optout_index&&) noexcept;
  optout_index& operator=(optout_index&&) noexcept;

  // address: normalized ("alice@example.com"); domain: normalized ("example.com").
  // Adding the same subject and scope twice keeps the earlier `at`.
  void add_address(std::string_view address, std::string_view scope, std::int64_t at);
  void add_domain(std::string_view domain, std::string_view scope, std::int64_t at);

  std::size_t entries() const noexcept;  // (subject, scope) pairs

  // For a delivery or an outcome in doubt: the opt-out it violates (the earliest
  // applicable `at`), if any. Other records never violate anything.
  std::optional<optout_match> violated_by(const stored_record& r) const;
  // The same for a copy that may have been delivered whatever its record says (a
  // relay intent left without outcome: pending_copies).
  std::optional<optout_match> violated_by_copy(const stored_record& r) const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// Relay intents waiting for their outcome, fed every record in chain order:
// an intent is kept until an outcome with its copy_id arrives. What is left at the
// end of the log is a copy the relay stopped sending in the middle (a crash):
// possibly delivered. Memory: the copies in flight when the log ends (and those
// of crashes).
class pending_copies {
 public:
  void add(const stored_record& r);
  std::size_t size() const noexcept { return pending_.size(); }
  // In chain order of their intents.
  std::vector<stored_record> left() const;

 private:
  std::unordered_map<std::string, stored_record> pending_;  // by copy_id; line cleared
};

// One line of the opt-out report, without "\n":
//   <subject> scope=<scope> opted_out_at=<RFC 3339> delivered_at=<ts> rcpt=<rcpt>
//   campaign=<campaign> category=<category> message_id=<message_id>
// and " delivery=possible" for a copy that may have been delivered (in doubt, or
// an intent without outcome). Values with spaces, quotes, control characters or nothing at all are written as
// JSON strings ("").
std::string format_violation(const stored_record& r, const optout_match& m);

// "2023-11-14T22:13:20Z"
std::string format_epoch(std::int64_t epoch);

struct campaign_counts {
  std::uint64_t relayed = 0;
  std::uint64_t failed = 0;
  std::uint64_t dropped = 0;
  std::uint64_t rejected = 0;
  std::uint64_t deferred = 0;
  std::uint64_t held = 0;
  std::uint64_t discarded = 0;
  std::map<std::string, std::uint64_t> deferred_by_rule;
  std::uint64_t unsubscribes = 0;  // first-time opt-outs through this campaign's links
  // unsubscribes / relayed; nothing when relayed is 0.
  std::optional<double> unsubscribe_rate() const {
    if (relayed == 0) return std::nullopt;
    return static_cast<double>(unsubscribes) / static_cast<double>(relayed);
  }
};

struct category_counts {
  std::uint64_t relayed = 0;
  std::uint64_t unsubscribes = 0;  // first-time opt-outs of this scope
  std::uint64_t repeats = 0;       // unsubscribe records of a scope opted out already
  // unsubscribes / relayed; nothing when relayed is 0.
  std::optional<double> unsubscribe_rate() const {
    if (relayed == 0) return std::nullopt;
    return static_cast<double>(unsubscribes) / static_cast<double>(relayed);
  }
};

class summary {
 public:
  void add(const stored_record& r);

  std::uint64_t records() const noexcept { return records_; }
  // Keyed by (campaign, category), in that order.
  const std::map<std::pair<std::string, std::string>, campaign_counts>& campaigns() const { return campaigns_; }
  const std::map<std::string, category_counts>& categories() const { return categories_; }

  // Fixed-width sections: counts per campaign and category, deferrals by rule
  // (when there are any), per campaign (rows with a campaign id, when there are
  // any) and per category relayed, unsubscribes, 配信停止率.
  std::string table() const;
  // One JSON object and "\n":
  //   {"records":N,"campaigns":[{"campaign":…,"category":…,"relayed":…,"failed":…,
  //    "dropped":…,"rejected":…,"deferred":…,"deferred_by_rule":{rule:n},"held":…,
  //    "discarded":…,"unsubscribes":…,"unsubscribe_rate":x|null}],
  //    "categories":[{"category":…,"relayed":…,"unsubscribes":…,"repeats":…,
  //    "unsubscribe_rate":x|null}]}
  std::string json() const;

 private:
  std::uint64_t records_ = 0;
  std::map<std::pair<std::string, std::string>, campaign_counts> campaigns_;
  std::map<std::string, category_counts> categories_;
};

}  // namespace kizuna::audit
