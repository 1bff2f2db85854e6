// One SMTP/LMTP transaction under the policies (SPEC §6, §8):
//  - at RCPT: normalize the address, fetch everything the rules need in one
//    Redis round trip, evaluate without the campaign; a final reject (550 5.7.1)
//    or defer (450 4.7.1) is answered at once (an opted-out recipient costs no
//    DATA bytes); anything else is accepted and decided after DATA.
//  - after DATA: read the X-Kizuna-* headers (campaign, category), strip them,
//    evaluate each recipient with the campaign known, then act: relay (own
//    downstream transaction), drop (accepted, not sent), hold (fsynced in the
//    hold queue), defer, reject (LMTP: 550 for that recipient; SMTP: a drop
//    with the reject audited). Under SMTP, if anything deferred, the client gets
//    4xx; its retry is answered from the delivery ledger for what was handled.
//  - exactly once (issue 11): each copy to relay or hold is reserved in the
//    delivery ledger (copy_ledger.hpp) first; a resend of a pair already
//    delivered, refused, held or possibly delivered is answered as handled and
//    not sent. Every decision, and each relayed copy's `relay` record, is on disk
//    before the first byte of any copy leaves (write-ahead; if that fails
//    nothing is sent, 451); the `outcome` records follow without holding the
//    reply (one fsync per message on the reply's path, as before the ledger).
//  - every decision is in the audit log (fsync per audit.fsync) before the
//    reply that depends on it.
//  - SMTP: copies the downstream refused permanently while the client is told
//    250 are reported to the envelope sender in one DSN (delivery/bounce.hpp)
//    and audited as `bounce`.
// Mail to unsubscribe+<token>@<unsubscribe.mailto_domain> (SPEC §10): the token is
// checked at RCPT (an invalid one is refused, 550 5.7.1, and changes nothing);
// after DATA the opt-out is written (source "mailto") and audited, and that
// recipient's copy is not relayed.
// Fail closed: Redis errors defer (451 4.3.0); nothing is relayed unchecked.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "relay/delivery/context.hpp"
#include "relay/delivery/fan_out.hpp"
#include "relay/policy/decision.hpp"
#include "relay/policy/inputs.hpp"
#include "relay/smtp/transaction.hpp"
#include "relay/unsubscribe/token.hpp"

namespace kizuna::delivery {

class policy_transaction final : public smtp::transaction {
 public:
  explicit policy_transaction(std::shared_ptr<const context> ctx);

  boost::asio::awaitable<smtp::reply> check_recipient(const smtp::envelope& env,
                                                      const std::string& recipient) override;
  boost::asio::awaitable<smtp::delivery_outcome> deliver(const smtp::envelope& env,
                                                         std::shared_ptr<const std::string> message) override;

 private:
  struct recipient {
    std::string address;  // normalized
    policy::recipient_data data;
    std::optional<unsubscribe::token_claims> unsubscribe;  // unsubscribe+<token>@<mailto_domain>
  };

  using record_maker = std::function<audit::record(std::size_t, audit::action, std::string)>;

  // After the downstream answered every copy of an SMTP transaction the client
  // is to be told 250 for: the DSN for the refused ones (`candidates`: the
  // recipients sent to, or refused before sending), their `bounce` records,
  // and a 4xx summary when the DSN could not be handed on now (then false: the
  // refusal is not reported yet).
  boost::asio::awaitable<bool> report_refused(const smtp::envelope& env, const std::string& message,
                                              const std::vector<std::size_t>& candidates,
                                              smtp::delivery_outcome& outcome,
                                              std::vector<audit::record>& records, const record_maker& record_for);


  std::shared_ptr<const context> ctx_;
  std::vector<recipient> recipients_;  // one per accepted RCPT, in envelope order
  std::vector<audit::record> rcpt_records_;  // RCPT-time decisions, written before their reply
};

}  // namespace kizuna::delivery
