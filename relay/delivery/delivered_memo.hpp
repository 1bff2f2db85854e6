// Remembers which recipients of a message were already accepted downstream when
// the SMTP client was told 4xx, so that its retry of the same message delivers
// only the missing ones (SPEC §8: never sent twice).
//
// Identity of "the same message": SHA-256 over the reverse-path and the message
// bytes as the client sent them (our Received header excluded), so a retry from
// the client's queue matches whether or not it carries a Message-ID. The memo
// exists only between a partial failure and the retry that completes it
// (its recipients removed then), with a TTL of downstream.remember_delivered_s,
// so distinct but identical messages sent later are not suppressed. A client
// that splits one message's recipients over several transactions (Postfix:
// 50 per transaction) shares one memo; each transaction removes only its own
// recipients, so one part completing never erases another part's record.
//
// Key: <prefix>delivered:<hex digest>, a Redis set of recipient addresses.
// Reading it costs a round trip after DATA, so it is read only when one of the
// message's recipients carries a retry hint (retry:{addr}, same TTL) set here
// when a memo is written: the common, first-attempt message skips it.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <expected>
#include <set>
#include <string>
#include <vector>

#include "relay/core/errc.hpp"
#include "relay/store/redis_client.hpp"

namespace kizuna::delivery {

std::string message_digest(std::string_view mail_from, std::string_view message);

class delivered_memo {
 public:
  delivered_memo(store::redis_client& redis, std::string key_prefix, unsigned ttl_s)
      : redis_(redis), prefix_(std::move(key_prefix)), ttl_s_(ttl_s) {}

  boost::asio::awaitable<std::expected<std::set<std::string>, error_code>> recall(const std::string& digest);
  // Records `delivered` and marks every (normalized) address of the transaction
  // with a retry hint, so their next RCPT lookup says the memo must be read.
  boost::asio::awaitable<error_code> remember(const std::string& digest, const std::vector<std::string>& delivered,
                                              const std::vector<std::string>& hint_addresses);
  boost::asio::awaitable<error_code> forget(const std::string& digest, const std::vector<std::string>& recipients);

 private:
  store::redis_client& redis_;
  std::string prefix_;
  unsigned ttl_s_;
};

}  // namespace kizuna::delivery
