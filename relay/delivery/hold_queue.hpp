// The review queue (SPEC §6 action `hold`): a held copy is one file under
// state_dir/hold, "<id>.held": a first line of JSON metadata (envelope,
// campaign, deciding rule and reason, decision trace, time) and then the copy
// exactly as it would have been relayed (trace header + message, wire form).
// Written to a temp file, fsynced, linked to its name (never replacing a copy
// held under that id), directory fsynced: once put() returns, the copy
// survives a crash, so the client may be told 2xx.
//
// File operations block briefly; holds are rare, so they run on the I/O thread.
// Ids are "<transaction id>-<recipient index>": unique across restarts and
// instances (core/transaction_id.hpp), and safe as file names.
#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <string>
#include <vector>

namespace kizuna::delivery {

struct held_copy {
  std::string id;
  std::string transaction_id;
  std::string mail_from;
  std::string recipient;       // as the client wrote it in RCPT
  std::string address;         // normalized, for the opt-out re-check
  bool smtputf8 = false;
  bool eight_bit = false;      // BODY=8BITMIME
  std::string message_id;
  std::string campaign;
  std::string category;
  std::string rule;
  std::string reason;
  std::string policy_version;
  std::vector<std::string> trace;  // one line per evaluated rule
  int64_t held_at = 0;             // epoch seconds
  // The bytes are the message as received, not a rendered copy: it was held
  // because a merge field had no value, so release renders it from the
  // contact's data at that time (fixed in the CRM meanwhile, or refused again).
  bool render_at_release = false;
};

class hold_queue {
 public:
  explicit hold_queue(std::filesystem::path dir) : dir_(std::move(dir)) {}

  std::expected<void, std::string> put(const held_copy& meta, std::string_view trace_header,
                                       std::string_view message) const;
  // Sorted by time held, oldest first. Unreadable files are skipped and reported in `problems`.
  std::vector<held_copy> list(std::vector<std::string>* problems = nullptr) const;
  // The metadata and the copy's bytes (wire form).
  std::expected<std::pair<held_copy, std::string>, std::string> get(const std::string& id) const;
  std::expected<void, std::string> remove(const std::string& id) const;

  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path path_of(const std::string& id) const;
  std::filesystem::path dir_;
};

}  // namespace kizuna::delivery
