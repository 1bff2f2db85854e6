// `kizuna hold list|show|release|discard` (SPEC §2): the review queue of copies
// a policy held (delivery/hold_queue.hpp). release re-checks the opt-out list
// first (the built-in opt-out rule, with the policies' transactional
// categories) and refuses an address that opted out while its copy waited;
// then it sends the copy to the configured downstream (or maildir) and removes
// it once accepted. release and discard are audited.
#include <boost/asio/this_coro.hpp>
#include <cstdio>
#include <ctime>

#include "relay/audit/log_writer.hpp"
#include "relay/cli/exit_status.hpp"
#include "relay/cli/redis_session.hpp"
#include "relay/cli/subcommands.hpp"
#include "relay/config/loader.hpp"
#include "relay/core/address.hpp"
#include "relay/core/dot_stuffing.hpp"
#include "relay/delivery/copy_plan.hpp"
#include "relay/delivery/downstream_pool.hpp"
#include "relay/delivery/hold_queue.hpp"
#include "relay/delivery/maildir_writer.hpp"
#include "relay/policy/evaluator.hpp"
#include "relay/policy/loader.hpp"
#include "relay/smtp/security.hpp"
#include "relay/store/recipient_lookup.hpp"

namespace kizuna::cli {
namespace {
namespace asio = boost::asio;

constexpr std::string_view hold_help =
    "usage: kizuna hold <command> --config FILE [ID...]\n"
    "\n"
    "The review queue: copies a policy rule with action 'hold' kept under state_dir/hold.\n"
    "\n"
    "commands:\n"
    "  list              one line per held copy: id, time held (UTC), recipient, campaign,\n"
    "                    category, rule\n"
    "  show ID           the copy's metadata, the decision trace and the message\n"
    "  release ID...     re-check the opt-out list, then send the copy downstream and remove it;\n"
    "                    an address that opted out meanwhile is refused and stays held. A copy\n"
    "                    held for a missing merge field is personalized now, from the contact's\n"
    "                    current data; while the field is still missing it stays held\n"
    "  discard ID...     remove the copy without sending it\n"
    "\n"
    "release and discard write an audit record each. Exit status: 0 ok, 1 when a copy was\n"
    "not released or not found, 64 usage, 69 Redis unreachable, 78 configuration.\n";

std::string utc(int64_t epoch) {
  std::time_t t = static_cast<std::time_t>(epoch);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

struct loaded {
  config::snapshot cfg;
  policy::snapshot policies;
};

// `policies_needed`: release re-checks opt-outs under them, so broken policies
// stop it; list and show read only state_dir, and an admin must see the queue
// during an incident, when a broken policy file may be waiting on disk (then
// `policies` is empty and a warning names the errors).
std::expected<loaded, int> load_all(const std::string& file, bool policies_needed) {
  auto cfg = config::load(file);
  if (!cfg) {
    for (auto& d : cfg.error()) std::fprintf(stderr, "%s\n", d.to_string().c_str());
    return std::unexpected(ex_config);
  }
  auto pol = policy::load((*cfg)->policies);
  if (!pol) {
    if (!policies_needed) std::fputs("kizuna hold: warning: the policies do not load (listed anyway):\n", stderr);
    for (auto& d : pol.error()) std::fprintf(stderr, "%s\n", d.to_string().c_str());
    if (policies_needed) return std::unexpected(ex_config);
    return loaded{*cfg, nullptr};
  }
  return loaded{*cfg, *pol};
}

std::expected<std::unique_ptr<audit::log_writer>, int> open_audit(const config::settings& cfg) {
  auto w = audit::log_writer::open({cfg.audit.path, cfg.hostname, cfg.audit.fsync_always});
  if (!w) {
    std::fprintf(stderr, "kizuna hold: audit log: %s\n", w.error().c_str());
    return std::unexpected(ex_software);
  }
  return std::move(*w);
}

audit::record record_for(const delivery::held_copy& h, audit::action a) {
  audit::record r;
  r.message_id = h.message_id;
  r.campaign = h.campaign;
  r.category = h.category;
  r.rcpt = h.address;
  r.decision = a;
  r.rule = h.rule;
  r.policy_version = h.policy_version;
  return r;
}

int cmd_list(const delivery::hold_queue& q) {
  std::vector<std::string> problems;
  auto held = q.list(&problems);
  for (auto& p : problems) std::fprintf(stderr, "kizuna hold: %s\n", p.c_str());
  if (held.empty()) {
    std::puts("no held copies");
    return 0;
  }
  std::printf("%-24s %-19s %-32s %-20s %-12s %s\n", "ID", "HELD (UTC)", "RECIPIENT", "CAMPAIGN", "CATEGORY", "RULE");
  for (auto& h : held)
    std::printf("%-24s %-19s %-32s %-20s %-12s %s\n", h.id.c_str(), utc(h.held_at).c_str(), h.address.c_str(),
                h.campaign.c_str(), h.category.c_str(), h.rule.c_str());
  return 0;
}

int cmd_show(const delivery::hold_queue& q, const std::string& id) {
  auto got = q.get(id);
  if (!got) {
    std::fprintf(stderr, "kizuna hold: %s\n", got.error().c_str());
    return 1;
  }
  const auto& [h, bytes] = *got;
  std::printf("id:         %s\nheld:       %s UTC\nmail from:  <%s>\nrecipient:  <%s>\ncampaign:   %s\n"
              "category:   %s\nrule:       %s\nreason:     %s\npolicy:     %s\ntrace:\n",
              h.id.c_str(), utc(h.held_at).c_str(), h.mail_from.c_str(), h.recipient.c_str(), h.campaign.c_str(),
              h.category.c_str(), h.rule.c_str(), h.reason.c_str(), h.policy_version.c_str());
  for (auto& t : h.trace) std::printf("  %s\n", t.c_str());
  if (h.render_at_release)
    std::printf("message (as received; personalized from the contact's data at release):\n");
  else
    std::printf("message:\n");
  std::fwrite(bytes.data(), 1, bytes.size(), stdout);
  return 0;
}

// Only the built-in opt-out rule: the rule that held the copy must not hold it
// again. Personas and merge settings stay, for copies rendered at release.
policy::policy_set optout_only(const policy::policy_set& p) {
  policy::policy_set o;
  o.transactional_categories = p.transactional_categories;
  o.default_category = p.default_category;
  o.optout_action = p.optout_action;
  o.personas = p.personas;
  o.persona_assignment = p.persona_assignment;
  o.merge = p.merge;
  o.needs = p.needs;
  o.version = p.version;
  return o;
}

// A copy held for a missing merge field is stored as received (trace header +
// message, wire form): render it now, with the same code as the relay, from the
// contact's current data. Refused (the reason) when a field is still missing.
std::expected<std::string, std::string> render_held(const delivery::held_copy& h, const std::string& bytes,
                                                    const policy::policy_set& check, const config::settings& cfg,
                                                    const policy::inputs& in) {
  const mime::control_headers control = mime::read_control_headers(bytes);
  auto plan = delivery::plan_message(unstuff_dots(bytes), check, in.campaign, control, h.message_id, cfg.hostname);
  if (!plan) return std::unexpected("cannot personalize: " + plan.error());
  const delivery::copy_decision copy =
      delivery::plan_copy(*plan, check, in, cfg.unsubscribe ? &*cfg.unsubscribe : nullptr);
  if (copy.decision.action != policy::action::relay) return std::unexpected(copy.decision.reason);
  auto rendered = delivery::render_copy(*plan, copy, *in.data, h.address, h.recipient);
  if (!rendered) return std::unexpected("cannot build the copy: " + rendered.error());
  return stuff_dots(std::move(rendered->bytes));
}

asio::awaitable<int> release(redis_session& redis, const loaded& all, const delivery::hold_queue& q,
                             audit::log_writer& log, const std::vector<std::string>& ids) {
  auto ex = co_await asio::this_coro::executor;
  const auto& cfg = *all.cfg;
  std::shared_ptr<delivery::destination> dest;
  if (cfg.downstream.is_maildir()) {
    dest = std::make_shared<delivery::maildir_writer>(cfg.downstream.maildir);
  } else {
    auto security = smtp::load_security(cfg);
    if (!security) {
      std::fprintf(stderr, "kizuna hold: %s\n", security.error().c_str());
      co_return ex_config;
    }
    dest = std::make_shared<delivery::downstream_pool>(ex, smtp::downstream_client_settings(cfg, **security), 1);
  }
  const policy::policy_set check = optout_only(*all.policies);
  int status = 0;
  for (const auto& id : ids) {
    auto got = q.get(id);
    if (!got) {
      std::fprintf(stderr, "kizuna hold: %s\n", got.error().c_str());
      status = 1;
      continue;
    }
    const auto& [h, bytes] = *got;
    // Held before a spelling was known to be the same mailbox ("alice"@...):
    // the opt-out is checked under the mailbox's one key.
    const std::string address = normalize_address(h.address).value_or(h.address);
    auto data = co_await store::fetch_recipient(redis.client(), redis.prefix(), address, check.needs, {},
                                                std::chrono::system_clock::now());
    if (!data) co_return redis.unreachable(data.error());
    policy::inputs in{address, &data->data, {true, true, h.campaign.empty() ? std::nullopt : std::optional(h.campaign), h.category},
                      std::chrono::system_clock::now()};
    const policy::decision d = policy::evaluate(check, in);
    if (d.action != policy::action::relay) {
      std::fprintf(stderr, "kizuna hold: %s: not released: %s\n", id.c_str(), d.reason.c_str());
      status = 1;
      continue;
    }
    std::string rendered;
    if (h.render_at_release) {
      auto r = render_held(h, bytes, check, cfg, in);
      if (!r) {
        std::fprintf(stderr, "kizuna hold: %s: not released: %s\n", id.c_str(), r.error().c_str());
        status = 1;
        continue;
      }
      rendered = std::move(*r);
    }
    smtp::envelope env;
    env.id = h.transaction_id;
    env.mail_from = h.mail_from;
    env.params.smtputf8 = h.smtputf8;
    env.params.body = h.eight_bit ? smtp::body_type::eight_bit_mime : smtp::body_type::unspecified;
    env.recipients = {h.recipient};
    // Write-ahead (issue 11): the release is on disk before the copy's first byte
    // leaves; its outcome follows, with the held copy's id as the copy id.
    // Signed now, with the keys loaded now (a key added since the hold signs it;
    // the Received field on top is not signed, so it may stay where it is).
    delivery::wire_copy out{{}, h.render_at_release ? std::move(rendered) : bytes};
    std::string dkim_note;
    if (cfg.dkim) {
      const std::string plain = unstuff_dots(out.message);
      auto signing = delivery::signing_for_copy(plain, *cfg.dkim);
      if (!signing) {
        std::fprintf(stderr, "kizuna hold: %s: not released: %s (dkim.on_missing_key)\n", id.c_str(),
                     signing.error().c_str());
        status = 1;
        continue;
      }
      if (!signing->keys.empty()) {
        auto signature = dkim::sign(plain, signing->keys,
                                    delivery::signing_options(&*cfg.dkim, std::chrono::system_clock::now()));
        if (!signature) {
          std::fprintf(stderr, "kizuna hold: %s: not released: cannot sign: %s\n", id.c_str(),
                       signature.error().c_str());
          status = 1;
          continue;
        }
        out.signature = std::move(*signature);
      }
      dkim_note = std::move(signing->note);
    }
    audit::record rec = record_for(h, audit::action::release);
    rec.copy_id = h.id;
    rec.dkim = dkim_note;
    std::vector<audit::record> one{rec};  // not a braced list in co_await: GCC 12 bug
    if (auto ec = co_await log.append(ex, std::move(one))) {
      std::fprintf(stderr, "kizuna hold: %s: not released: the audit record failed: %s\n", id.c_str(),
                   ec.message().c_str());
      co_return ex_software;
    }
    // The held bytes already start with the trace header.
    const smtp::reply r = co_await dest->send(env, h.recipient, out, nullptr);
    rec.decision = audit::action::outcome;
    rec.dkim.clear();
    rec.downstream_reply = std::to_string(r.code) + " " + r.enhanced + " " + r.text;
    std::vector<audit::record> result{std::move(rec)};
    const error_code outcome_ec = co_await log.append(ex, std::move(result));
    if (!r.positive()) {
      std::fprintf(stderr, "kizuna hold: %s: downstream refused: %d %s %s\n", id.c_str(), r.code, r.enhanced.c_str(),
                   r.text.c_str());
      status = 1;
      continue;
    }
    // Sent: the copy leaves the queue whatever happens to the outcome record (a
    // release without outcome reads as possibly delivered; a second release would
    // send it twice).
    if (outcome_ec)
      std::fprintf(stderr, "kizuna hold: %s: sent; its outcome record failed: %s\n", id.c_str(),
                   outcome_ec.message().c_str());
    if (auto rm = q.remove(id); !rm) std::fprintf(stderr, "kizuna hold: %s\n", rm.error().c_str());
    std::printf("%s: released to <%s>: %d %s\n", id.c_str(), h.recipient.c_str(), r.code, r.text.c_str());
  }
  co_await dest->close();
  co_return status;
}

int cmd_discard(const delivery::hold_queue& q, audit::log_writer& log, const std::vector<std::string>& ids) {
  int status = 0;
  for (const auto& id : ids) {
    auto got = q.get(id);
    if (!got) {
      std::fprintf(stderr, "kizuna hold: %s\n", got.error().c_str());
      status = 1;
      continue;
    }
    if (auto ec = log.append_blocking({record_for(got->first, audit::action::discard)})) {
      std::fprintf(stderr, "kizuna hold: %s: audit record failed: %s (copy kept)\n", id.c_str(), ec.message().c_str());
      return ex_software;
    }
    if (auto rm = q.remove(id); !rm) {
      std::fprintf(stderr, "kizuna hold: %s\n", rm.error().c_str());
      status = 1;
      continue;
    }
    std::printf("%s: discarded\n", id.c_str());
  }
  return status;
}

}  // namespace

int hold_command(const arguments& args) {
  std::string sub, config;
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (a == "--help" || a == "-h") return std::fputs(hold_help.data(), stdout), 0;
    if (a == "--config" || a == "-c") {
      if (i + 1 >= args.size()) return std::fputs("kizuna hold: --config needs a file\n", stderr), ex_usage;
      config = std::string(args[++i]);
    } else if (a.starts_with("--config=")) {
      config = std::string(a.substr(9));
    } else if (a.starts_with("-")) {
      std::fprintf(stderr, "kizuna hold: unknown option '%.*s' (try --help)\n", int(a.size()), a.data());
      return ex_usage;
    } else if (sub.empty()) {
      sub = std::string(a);
    } else {
      ids.emplace_back(a);
    }
  }
  if (sub.empty()) return std::fputs(hold_help.data(), stderr), ex_usage;
  if (sub != "list" && sub != "show" && sub != "release" && sub != "discard") {
    std::fprintf(stderr, "kizuna hold: unknown command '%s' (try --help)\n", sub.c_str());
    return ex_usage;
  }
  if (config.empty()) return std::fputs("kizuna hold: --config FILE is required\n", stderr), ex_usage;
  if (sub == "list" ? !ids.empty() : sub == "show" ? ids.size() != 1 : ids.empty()) {
    std::fprintf(stderr, "kizuna hold %s: wrong number of ids (try --help)\n", sub.c_str());
    return ex_usage;
  }
  auto all = load_all(config, sub == "release");
  if (!all) return all.error();
  const delivery::hold_queue q(all->cfg->state_dir / "hold");
  if (sub == "list") return cmd_list(q);
  if (sub == "show") return cmd_show(q, ids.front());
  auto log = open_audit(*all->cfg);
  if (!log) return log.error();
  if (sub == "discard") return cmd_discard(q, **log, ids);
  auto redis = redis_session::open(*all->cfg, "kizuna hold");
  if (!redis) return redis.error();
  return (*redis)->run(release(**redis, *all, q, **log, ids));
}

}  // namespace kizuna::cli
