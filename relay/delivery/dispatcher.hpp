// The delivery stage behind every session: sends each recipient its own copy
// (its own downstream transaction, so later stages can personalize per
// recipient), in parallel up to the pool size, and turns the per-recipient
// replies into what the client is told (SPEC §8):
//  - LMTP: each recipient's own reply.
//  - SMTP: 250 when no copy failed temporarily; otherwise 4xx for the message,
//    with the recipients already accepted remembered (delivered_memo) so the
//    client's retry sends only the missing ones. A message whose every copy was
//    refused permanently gets the first 5xx.
// Fail closed: when Redis cannot tell what was already delivered, nothing is
// sent and the message is deferred (451 4.3.0).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <memory>

#include "relay/delivery/delivered_memo.hpp"
#include "relay/delivery/destination.hpp"
#include "relay/smtp/transaction.hpp"

namespace kizuna::delivery {

class dispatcher final : public smtp::transaction_handler {
 public:
  dispatcher(boost::asio::any_io_executor ex, std::shared_ptr<destination> dest,
             std::shared_ptr<store::redis_client> redis, std::string key_prefix, unsigned remember_s);

  std::unique_ptr<smtp::transaction> begin(const smtp::envelope& env) override;
  boost::asio::awaitable<smtp::delivery_outcome> deliver(const smtp::envelope& env,
                                                         std::shared_ptr<const std::string> message);

  destination& target() { return *dest_; }
  store::redis_client& redis() { return *redis_; }

 private:
  boost::asio::awaitable<void> send_all(const smtp::envelope& env, const std::string& message,
                                        const std::vector<bool>& skip, std::vector<smtp::reply>& out);

  boost::asio::any_io_executor executor_;
  std::shared_ptr<destination> dest_;
  std::shared_ptr<store::redis_client> redis_;
  delivered_memo memo_;
};

// Pure: the single SMTP reply for a set of per-recipient outcomes.
smtp::reply summarize(const smtp::envelope& env, const std::vector<smtp::reply>& per_recipient);

}  // namespace kizuna::delivery
