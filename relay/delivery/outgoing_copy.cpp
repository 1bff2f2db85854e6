#include "relay/delivery/outgoing_copy.hpp"

#include "relay/audit/record.hpp"
#include "relay/core/dot_stuffing.hpp"
#include "relay/metrics/recorder.hpp"

namespace kizuna::delivery {

void count_dkim(metrics::dkim_result result, std::uint64_t n) {
  if (const metrics::recorder* m = metrics::this_thread())
    m->cells->inc(m->ids->dkim_signatures, {metrics::index(result)}, n);
}

boost::asio::awaitable<std::expected<wire_copy, not_built>> build_outgoing(
    const message_plan& plan, const copy_decision& copy, const policy::recipient_data& data, std::string_view address,
    std::string_view to, copy_signer& signer, const dkim::sign_options& options) {
  auto rendered = render_copy(plan, copy, data, address, to);
  if (!rendered) co_return std::unexpected(not_built{merge_template_rule, rendered.error()});
  wire_copy out;
  if (!copy.dkim_keys.empty()) {
    // The plain form is what a verifier reads: the signature covers it, not the stuffed wire form.
    const std::span<const dkim::signing_key* const> keys(copy.dkim_keys);
    auto signature = co_await signer.sign(rendered->bytes, keys, options);
    if (!signature) {
      count_dkim(metrics::dkim_result::error);
      co_return std::unexpected(not_built{std::string(audit::not_sent_rule), "cannot sign: " + signature.error()});
    }
    count_dkim(metrics::dkim_result::signed_, keys.size());
    out.signature = std::move(*signature);
  }
  out.message = stuff_dots(std::move(rendered->bytes));
  co_return out;
}

}  // namespace kizuna::delivery
