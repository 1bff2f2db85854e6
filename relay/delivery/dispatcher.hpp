// The delivery stage behind every session (smtp::transaction_handler): each
// MAIL starts a policy_transaction over this thread's shared context, and the
// per-recipient replies are turned into what the client is told (SPEC §8):
//  - LMTP: each recipient's own reply.
//  - SMTP: 250 when no copy failed temporarily; otherwise 4xx for the message
//    (the recipients already handled are remembered so the retry skips them).
//    A message whose every copy was refused permanently gets the first 5xx.
#pragma once

#include <memory>

#include "relay/delivery/context.hpp"
#include "relay/smtp/transaction.hpp"

namespace kizuna::delivery {

class dispatcher final : public smtp::transaction_handler {
 public:
  explicit dispatcher(std::shared_ptr<const context> ctx) : ctx_(std::move(ctx)) {}

  std::unique_ptr<smtp::transaction> begin(const smtp::envelope& env) override;
  const context& shared() const { return *ctx_; }

 private:
  std::shared_ptr<const context> ctx_;
};

// Pure: the single SMTP reply for a set of per-recipient outcomes.
smtp::reply summarize(const smtp::envelope& env, const std::vector<smtp::reply>& per_recipient);

// A reply fit to pass to our client: enhanced code filled in ("4.0.0"), text
// printable ASCII and bounded (downstream text is not trusted).
smtp::reply with_enhanced(smtp::reply r);

}  // namespace kizuna::delivery
