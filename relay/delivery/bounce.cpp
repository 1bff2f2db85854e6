#include "relay/delivery/bounce.hpp"

#include "relay/core/ascii.hpp"
#include "relay/core/dot_stuffing.hpp"
#include "relay/core/log.hpp"
#include "relay/core/transaction_id.hpp"

namespace kizuna::delivery {
std::string bounce_outcome::rule() const {
  switch (suppressed) {
    case dsn_suppression::none: break;
    case dsn_suppression::null_sender: return "builtin:dsn-suppressed:null-sender";
    case dsn_suppression::delivery_report: return "builtin:dsn-suppressed:delivery-report";
    case dsn_suppression::auto_response: return "builtin:dsn-suppressed:auto-response";
  }
  return "builtin:dsn";
}

boost::asio::awaitable<bounce_outcome> send_bounce(destination& dest, const smtp::envelope& env,
                                                   std::string_view plain_message,
                                                   std::span<const refused_copy> refused, std::string_view hostname,
                                                   std::chrono::system_clock::time_point arrival) {
  bounce_outcome out;
  out.suppressed = dsn_suppressed(env.mail_from, plain_message);
  if (out.suppressed != dsn_suppression::none) {
    log::info("{} {} refused recipient(s), no DSN: {}", env.id, refused.size(), to_string(out.suppressed));
    co_return out;
  }
  dsn_request req;
  req.reporting_mta = std::string(hostname);
  req.envelope_sender = env.mail_from;
  req.transaction_id = env.id;
  req.token = make_transaction_id() + ".dsn";
  req.arrival_date = arrival;
  req.date = std::chrono::system_clock::now();
  req.original_headers = plain_message;
  for (const refused_copy& r : refused) req.recipients.push_back({r.recipient, r.address, r.reply, {}, {}});

  // A new transaction from the null reverse-path: a DSN is never bounced.
  smtp::envelope dsn;
  dsn.id = env.id;
  dsn.mail_from = "";
  dsn.params.smtputf8 = !is_ascii(env.mail_from);
  dsn.params.body = smtp::body_type::seven_bit;
  dsn.recipients = {env.mail_from};
  const wire_copy report{{}, stuff_dots(build_dsn(req))};  // named: no temporaries in co_await (GCC 12)
  out.dsn_reply = co_await dest.send(dsn, env.mail_from, report, nullptr);
  log::info("{} DSN for {} refused recipient(s) to <{}>: {} {}", env.id, refused.size(), env.mail_from,
            out.dsn_reply.code, out.dsn_reply.text);
  co_return out;
}

}  // namespace kizuna::delivery
