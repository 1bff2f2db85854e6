// One relayed recipient's copy as it leaves (issue 12: signing comes last):
// rendered from the message plan, DKIM-signed over exactly those bytes with the
// copy's keys (copy_signer: off the I/O thread for RSA), then dot-stuffed.
// Nothing here is sent; a failure means nothing may be.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "relay/delivery/copy_plan.hpp"
#include "relay/delivery/copy_signer.hpp"
#include "relay/delivery/destination.hpp"
#include "relay/metrics/catalogue.hpp"

namespace kizuna::delivery {

struct not_built {
  std::string rule;  // the outcome record's: builtin:merge-template (render) or builtin:not-sent (signing)
  std::string why;   // for the log
};

boost::asio::awaitable<std::expected<wire_copy, not_built>> build_outgoing(
    const message_plan& plan, const copy_decision& copy, const policy::recipient_data& data, std::string_view address,
    std::string_view to, copy_signer& signer, const dkim::sign_options& options);

// kizuna_dkim_signatures_total{result} on this thread's shard.
void count_dkim(metrics::dkim_result result, std::uint64_t n = 1);

}  // namespace kizuna::delivery
