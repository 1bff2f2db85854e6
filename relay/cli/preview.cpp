// `kizuna preview --config FILE --message EML --rcpt ADDR [--mail-from ADDR]`
// (SPEC §2): what the relay would do with this message for this recipient,
// computed by the same code as `serve` (delivery/copy_plan.hpp) from the same
// Redis data: the decision trace, the persona, and the exact copy. Read-only:
// it sends nothing and writes nothing to Redis, the hold queue or the audit log.
//
// The file is taken as an SMTP client would send it: bare LF line ends become
// CRLF. The copy printed is the relayed message without the relay's own
// Received header (which names the session); a message without a Message-ID
// gets per-copy Message-IDs derived from "<preview>" instead of the session id.
#include <cstdio>
#include <optional>
#include <string>

#include "relay/cli/exit_status.hpp"
#include "relay/cli/redis_session.hpp"
#include "relay/cli/subcommands.hpp"
#include "relay/config/loader.hpp"
#include "relay/core/address.hpp"
#include "relay/core/dot_stuffing.hpp"
#include "relay/core/read_file.hpp"
#include "relay/delivery/copy_plan.hpp"
#include "relay/dkim/verifier.hpp"
#include "relay/mime/control_headers.hpp"
#include "relay/mime/readable.hpp"
#include "relay/policy/loader.hpp"
#include "relay/store/recipient_lookup.hpp"

namespace kizuna::cli {
namespace {

constexpr std::string_view help =
    "usage: kizuna preview --config FILE --message EML --rcpt ADDR [--mail-from ADDR]\n"
    "                      [--category CATEGORY]\n"
    "\n"
    "Shows what the relay would do with the message in EML for recipient ADDR, using the\n"
    "configured policies and the contact's current data in Redis: each rule evaluated\n"
    "(matched or not), the decision, the persona, and the exact copy that would be relayed\n"
    "(or held), after the line '--- copy ---'. Sends nothing and writes nothing.\n"
    "--category: as received on a listener with that fixed category (X-Kizuna-Category\n"
    "is then ignored, as the relay does).\n"
    "Exit status: 0 ok, 64 usage, 65 invalid address or merge field, 66 unreadable message,\n"
    "69 Redis unreachable, 78 configuration.\n";

int usage(const std::string& why) {
  std::fprintf(stderr, "kizuna preview: %s (try --help)\n", why.c_str());
  return ex_usage;
}

struct request {
  std::string config, message, rcpt, mail_from, category;
};

}  // namespace

int preview_command(const arguments& args) {
  request req;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    if (a == "--help" || a == "-h") return std::fputs(help.data(), stdout), 0;
    std::string* into = a == "--config" || a == "-c" ? &req.config
                        : a == "--message"           ? &req.message
                        : a == "--rcpt"              ? &req.rcpt
                        : a == "--mail-from"         ? &req.mail_from
                        : a == "--category"          ? &req.category
                                                     : nullptr;
    if (!into) return usage("unknown argument '" + std::string(a) + "'");
    if (i + 1 >= args.size()) return usage(std::string(a) + " needs a value");
    *into = std::string(args[++i]);
  }
  if (req.config.empty() || req.message.empty() || req.rcpt.empty())
    return usage("--config, --message and --rcpt are required");

  auto cfg = config::load(req.config);
  if (!cfg) {
    for (const auto& d : cfg.error()) std::fprintf(stderr, "%s\n", d.to_string().c_str());
    return ex_config;
  }
  auto policies = policy::load((*cfg)->policies);
  if (!policies) {
    for (const auto& d : policies.error()) std::fprintf(stderr, "%s\n", d.to_string().c_str());
    return ex_config;
  }
  const policy::policy_set& set = **policies;
  auto file = read_small_file(req.message, 64u << 20, "a message");
  if (!file) {
    std::fprintf(stderr, "kizuna preview: %s: %s\n", req.message.c_str(), file.error().c_str());
    return ex_noinput;
  }
  auto address = normalize_address(req.rcpt);
  if (!address) {
    std::fprintf(stderr, "kizuna preview: <%s>: %s\n", req.rcpt.c_str(), address.error().c_str());
    return ex_dataerr;
  }

  // The relay's steps after DATA, in its order (policy_transaction::deliver).
  const std::string wire = wire_form_of_file(*file);
  const mime::control_headers control = mime::read_control_headers(wire);
  const policy::campaign_info campaign = delivery::campaign_of(set, req.category, control);
  auto plan = delivery::plan_message(unstuff_dots(wire), set, campaign, control,
                                     control.message_id.value_or("<preview>"), (*cfg)->hostname);
  if (!plan) {
    std::fprintf(stderr, "kizuna preview: %s: cannot personalize: %s\n", req.message.c_str(), plan.error().c_str());
    return ex_dataerr;
  }

  auto redis = redis_session::open(**cfg, "kizuna preview");
  if (!redis) return redis.error();
  const auto now = std::chrono::system_clock::now();
  std::optional<store::recipient_record> data;
  int status = (*redis)->run([&]() -> boost::asio::awaitable<int> {
    auto got = co_await store::fetch_recipient((*redis)->client(), (*redis)->prefix(), *address, set.needs,
                                               set.longest_sent_period, now);
    if (!got) co_return (*redis)->unreachable(got.error());
    data = std::move(*got);
    co_return 0;
  }());
  if (status != 0) return status;

  const policy::inputs in{*address, &data->data, campaign, now};
  const config::dkim_settings* dkim = (*cfg)->dkim ? &*(*cfg)->dkim : nullptr;
  const delivery::copy_decision copy =
      delivery::plan_copy(*plan, set, in, (*cfg)->unsubscribe ? &*(*cfg)->unsubscribe : nullptr, dkim);
  const policy::decision& d = copy.decision;
  std::printf("recipient:  <%s>\n", address->c_str());
  if (!req.mail_from.empty()) std::printf("mail from:  <%s>\n", req.mail_from.c_str());
  std::printf("campaign:   %s\ncategory:   %s (%s)\n", campaign.id.value_or("-").c_str(),
              campaign.category.empty() ? "-" : campaign.category.c_str(),
              plan->marketing ? "marketing" : "transactional");
  std::printf("policy:     %s\ntrace:\n", set.version.c_str());
  for (const auto& line : delivery::trace_lines(d)) std::printf("  %s\n", line.c_str());
  std::printf("decision:   %s%s%s\n", policy::to_string(d.action), d.rule_id.empty() ? "" : " by ",
              d.rule_id.c_str());
  if (!d.reason.empty()) std::printf("reason:     %s\n", d.reason.c_str());
  if (copy.persona.chosen)
    std::printf("persona:    %s (%s)\n", copy.persona.chosen->id.c_str(), policy::to_string(copy.persona.source));
  for (const auto& why : copy.persona.ignored) std::printf("ignored:    %s names no persona\n", why.c_str());
  for (const auto& name : copy.missing) std::printf("missing:    %s\n", name.c_str());
  if (d.action != policy::action::relay && d.action != policy::action::hold) return 0;

  auto rendered = delivery::render_copy(*plan, copy, data->data, *address, req.rcpt);
  if (!rendered) {
    std::fprintf(stderr, "kizuna preview: cannot build the copy: %s\n", rendered.error().c_str());
    return ex_dataerr;
  }
  // Signed as serve signs it (a relayed copy), and checked against the loaded keys.
  std::string signature;
  if (dkim && d.action == policy::action::relay) {
    if (!copy.dkim_keys.empty()) {
      auto signed_fields = dkim::sign(rendered->bytes, copy.dkim_keys, delivery::signing_options(dkim, now));
      if (!signed_fields) {
        std::fprintf(stderr, "kizuna preview: cannot sign the copy: %s\n", signed_fields.error().c_str());
        return ex_dataerr;
      }
      signature = std::move(*signed_fields);
      for (const auto& c : dkim::check_signatures(signature + rendered->bytes, *dkim->table))
        std::printf("dkim:       d=%s s=%s %s: %s\n", c.domain.c_str(), c.selector.c_str(), c.algorithm.c_str(),
                    c.ok ? "verifies against the loaded key" : ("DOES NOT VERIFY (" + c.problem + ")").c_str());
    } else {
      std::printf("dkim:       %s\n", copy.dkim_note.c_str());
    }
  }
  // Decoded for reading (ISO-2022-JP, base64...); the exact copy follows.
  std::printf("--- readable ---\n%s", mime::readable_view(rendered->bytes).c_str());
  std::printf("--- copy ---\n");
  std::fwrite(signature.data(), 1, signature.size(), stdout);
  std::fwrite(rendered->bytes.data(), 1, rendered->bytes.size(), stdout);
  return 0;
}

}  // namespace kizuna::cli
