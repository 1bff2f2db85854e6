#include "relay/delivery/policy_transaction.hpp"

#include <algorithm>
#include <unordered_map>

#include "relay/core/address.hpp"
#include "relay/core/dot_stuffing.hpp"
#include "relay/core/log.hpp"
#include "relay/delivery/bounce.hpp"
#include "relay/delivery/copy_plan.hpp"
#include "relay/delivery/copy_ledger.hpp"
#include "relay/delivery/dispatcher.hpp"
#include "relay/delivery/fan_out.hpp"
#include "relay/delivery/outgoing_copy.hpp"
#include "relay/mime/control_headers.hpp"
#include "relay/policy/evaluator.hpp"
#include "relay/store/delivery_ledger.hpp"
#include "relay/store/recipient_lookup.hpp"
#include "relay/unsubscribe/links.hpp"
#include "relay/unsubscribe/record.hpp"

namespace kizuna::delivery {
namespace asio = boost::asio;
using clock = std::chrono::system_clock;

namespace {

audit::action audit_action(policy::action a) {
  switch (a) {
    case policy::action::relay: return audit::action::relay;
    case policy::action::drop: return audit::action::drop;
    case policy::action::reject: return audit::action::reject;
    case policy::action::defer: return audit::action::defer;
    case policy::action::hold: return audit::action::hold;
  }
  return audit::action::defer;
}

smtp::reply fail_closed() { return {451, "4.3.0", "cannot check recipient policy now, try again later"}; }

std::string reply_text(const smtp::reply& r) {
  return std::to_string(r.code) + (r.enhanced.empty() ? "" : " " + r.enhanced) + " " + r.text;
}

// "550 5.1.1 text" as stored in the ledger → the reply.
smtp::reply parse_reply_text(std::string_view s) {
  smtp::reply r{550, "5.0.0", "refused downstream"};
  if (s.size() < 4 || s[0] != '5' || !std::isdigit(static_cast<unsigned char>(s[1])) ||
      !std::isdigit(static_cast<unsigned char>(s[2])) || s[3] != ' ')
    return r;
  r.code = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
  s.remove_prefix(4);
  if (s.size() > 2 && s[0] == '5' && s[1] == '.') {
    const auto sp = s.find(' ');
    r.enhanced = std::string(s.substr(0, sp));
    s = sp == std::string_view::npos ? std::string_view() : s.substr(sp + 1);
  } else {
    r.enhanced.clear();
  }
  r.text = std::string(s);
  return r;
}

// What a pair the ledger already has is answered (copy_ledger.hpp).
smtp::reply handled_reply(const copy_ledger::claim& c, bool lmtp) {
  switch (c.v) {
    case verdict::in_progress:
      return {451, "4.3.0", "this message is being delivered to this recipient now, try again later"};
    case verdict::already_delivered: return {250, "2.0.0", "Ok: already delivered as " + c.found.copy_id};
    case verdict::already_refused:
      // LMTP: the refusal again (the client reports it); SMTP: it was reported by DSN.
      return lmtp ? parse_reply_text(c.found.detail)
                  : smtp::reply{250, "2.0.0", "Ok: already handled (refused downstream, reported to the sender)"};
    case verdict::already_held: return {250, "2.0.0", "Ok: already held for review as " + c.found.detail};
    case verdict::possibly_delivered:
      return {250, "2.0.0", "Ok: already sent as " + c.found.copy_id + " (possibly delivered), not sent again"};
    case verdict::send: break;
  }
  return fail_closed();
}

}  // namespace

policy_transaction::policy_transaction(std::shared_ptr<const context> ctx) : ctx_(std::move(ctx)) {}

asio::awaitable<smtp::reply> policy_transaction::check_recipient(const smtp::envelope& env,
                                                                 const std::string& rcpt) {
  // The token is case-sensitive: read it from the RCPT as sent, before normalizing.
  if (ctx_->unsubscribe && !ctx_->unsubscribe->mailto_domain.empty()) {
    if (auto token = unsubscribe::token_of_mailto(rcpt, ctx_->unsubscribe->mailto_domain)) {
      auto claims = unsubscribe::verify_token(*token, ctx_->unsubscribe->keys);
      if (!claims) {
        unsubscribe::count_request("mailto", metrics::unsubscribe_result::invalid);
        log::info("{} <{}>: invalid unsubscribe address: {}", env.id, rcpt.substr(0, 40),
                  unsubscribe::to_string(claims.error()));
        co_return smtp::reply{550, "5.7.1", "invalid or expired unsubscribe address"};
      }
      recipients_.push_back({claims->address, {}, std::move(*claims)});
      co_return smtp::replies::recipient_ok();
    }
  }
  auto address = normalize_address(rcpt);
  if (!address) co_return smtp::reply{553, "5.1.3", "<" + rcpt + ">: " + address.error()};
  const auto& policies = *ctx_->policies;
  const auto now = clock::now();
  auto data = co_await store::fetch_recipient(*ctx_->redis, ctx_->key_prefix, *address, policies.needs,
                                              policies.longest_sent_period, now);
  audit::record rec;
  rec.message_id = env.id;
  rec.category = env.fixed_category;
  rec.rcpt = *address;
  rec.policy_version = policies.version;
  if (!data) {
    log::warning("{} <{}>: recipient lookup failed: {}; deferring", env.id, *address, data.error().message());
    rec.decision = audit::action::defer;
    rec.rule = "builtin:redis-unavailable";
    std::vector<audit::record> one{std::move(rec)};  // not a braced list in co_await: GCC 12 bug
    if (auto ec = co_await ctx_->audit->append(ctx_->executor, std::move(one)))
      log::error("{} audit write failed: {}", env.id, ec.message());
    co_return fail_closed();
  }
  // The campaign is not known before DATA, except a listener's fixed category.
  policy::campaign_info campaign;
  if (!env.fixed_category.empty()) campaign = {true, false, std::nullopt, env.fixed_category};
  // Unexplained: only a decision that is read (reject, defer) gets its trace.
  policy::inputs in{*address, &data->data, campaign, now, false};
  const policy::decision d = policy::evaluate(policies, in);
  if (d.final && (d.action == policy::action::reject || d.action == policy::action::defer)) {
    rec.decision = audit_action(d.action);
    rec.rule = d.rule_id;
    // On disk before the reply that depends on it; if it cannot be, defer.
    std::vector<audit::record> one{std::move(rec)};
    if (auto ec = co_await ctx_->audit->append(ctx_->executor, std::move(one))) {
      log::error("{} audit write failed: {}; deferring <{}>", env.id, ec.message(), *address);
      co_return fail_closed();
    }
    log::info("{} <{}>: {} at RCPT by {}", env.id, *address, policy::to_string(d.action), d.rule_id);
    if (d.action == policy::action::reject) co_return smtp::reply{550, "5.7.1", "<" + rcpt + ">: " + d.reason};
    co_return smtp::reply{450, "4.7.1", "<" + rcpt + ">: " + d.reason};
  }
  recipients_.push_back({std::move(*address), std::move(data->data), std::nullopt});
  co_return smtp::replies::recipient_ok();
}

asio::awaitable<smtp::delivery_outcome> policy_transaction::deliver(const smtp::envelope& env,
                                                                    std::shared_ptr<const std::string> message) {
  const auto& policies = *ctx_->policies;
  const std::size_t n = env.recipients.size();
  smtp::delivery_outcome outcome;
  outcome.per_recipient.resize(n);
  if (recipients_.size() != n) {  // a broken invariant between session and delivery
    log::error("{} recipient bookkeeping mismatch ({} vs {})", env.id, recipients_.size(), n);
    outcome.per_recipient.assign(n, smtp::reply{451, "4.3.0", "local error"});
    outcome.summary = outcome.per_recipient.front();
    co_return outcome;
  }

  const mime::control_headers control = mime::read_control_headers(*message);
  const policy::campaign_info campaign = campaign_of(policies, env.fixed_category, control);
  if (!env.fixed_category.empty() && control.category && *control.category != env.fixed_category)
    log::warning("{} X-Kizuna-Category '{}' ignored: the listener's category is '{}'", env.id, *control.category,
                 env.fixed_category);
  const std::string message_id = control.message_id.value_or(env.id);

  // Compiled once; every copy is rendered from it (a broken merge field fails the message).
  auto plan = plan_message(unstuff_dots(*message), policies, campaign, control, message_id, ctx_->hostname,
                           ctx_->parts.get());
  if (!plan) log::warning("{} cannot personalize: {}", env.id, plan.error());
  std::vector<copy_decision> copies(n);

  std::vector<audit::record> records;
  std::vector<copy_job> jobs;
  std::vector<std::size_t> holds;  // recipients to hold, once the ledger has them
  std::vector<std::size_t> refused_early;  // refused before sending (a copy that cannot be signed)
  std::vector<std::size_t> duplicate_of(n, n);
  std::vector<std::string> relay_rule(n);
  const auto now = clock::now();
  auto record_for = [&](std::size_t i, audit::action a, std::string rule) {
    audit::record r;
    r.message_id = message_id;
    r.campaign = campaign.id.value_or("");
    r.category = campaign.category;
    r.rcpt = recipients_[i].address;
    r.decision = a;
    r.rule = std::move(rule);
    r.policy_version = policies.version;
    if (const policy::persona* p = copies[i].persona.chosen) r.persona = p->id;
    return r;
  };
  auto copy_id = [&](std::size_t i) { return env.id + "-" + std::to_string(i); };

  std::unordered_map<std::string_view, std::size_t> first_of;
  for (std::size_t i = 0; i < n; ++i) {
    if (recipients_[i].unsubscribe) {  // the mailto route: record the opt-out, relay nothing
      auto done = co_await unsubscribe::record_unsubscribe(*ctx_->redis, ctx_->key_prefix, *ctx_->audit,
                                                           ctx_->executor, *recipients_[i].unsubscribe, "mailto",
                                                           message_id);
      outcome.per_recipient[i] = done ? smtp::reply{250, "2.0.0", "Ok: unsubscribed"} : fail_closed();
      log::info("{} unsubscribe by mail for scope {}: {}", env.id, recipients_[i].unsubscribe->scope,
                done ? "done" : "failed, deferred");
      continue;
    }
    // The same address twice in one envelope gets one copy and one decision.
    if (auto [it, fresh] = first_of.emplace(recipients_[i].address, i); !fresh) {
      duplicate_of[i] = it->second;
      continue;
    }
    smtp::reply& out = outcome.per_recipient[i];
    if (!plan) {
      out = {554, "5.6.0", "cannot personalize the message: " + plan.error()};
      records.push_back(record_for(i, audit::action::reject, merge_template_rule));
      continue;
    }
    policy::inputs in{recipients_[i].address, &recipients_[i].data, campaign, now, false};
    copies[i] = plan_copy(*plan, policies, in, ctx_->unsubscribe.get(), ctx_->dkim.get());
    const policy::decision& d = copies[i].decision;
    if (d.rule_id == dkim_no_key_rule || copies[i].dkim_note.starts_with("unsigned")) count_dkim(metrics::dkim_result::no_key);
    switch (d.action) {
      case policy::action::relay:
        jobs.push_back({i, &env.recipients[i]});
        relay_rule[i] = d.rule_id;  // "" unless a `relay` rule matched
        continue;  // write-ahead record once the ledger has the copy
      case policy::action::hold:
        holds.push_back(i);
        continue;  // held once the ledger has the copy
      case policy::action::drop:
        out = {250, "2.0.0", "Ok: accepted, not relayed (" + d.rule_id + ")"};
        break;
      case policy::action::reject:
        if (d.rule_id == dkim_from_rule) {  // a malformed message, not a policy: the sender must hear of it
          out = {554, "5.6.0", d.reason};
          refused_early.push_back(i);
          records.push_back(record_for(i, audit::action::reject, d.rule_id));
          log::info("{} <{}>: refused, cannot be signed: {}", env.id, recipients_[i].address, d.reason);
          continue;
        }
        out = env.lmtp ? smtp::reply{550, "5.7.1", d.reason}
                       : smtp::reply{250, "2.0.0", "Ok: accepted, not relayed (" + d.rule_id + ")"};
        break;
      case policy::action::defer:
        out = {450, "4.7.1", d.reason};
        break;
    }
    // SMTP cannot refuse one recipient after DATA: the reject is recorded as what happened, a drop.
    const bool reject_as_drop = d.action == policy::action::reject && !env.lmtp;
    records.push_back(record_for(i, reject_as_drop ? audit::action::drop : audit_action(d.action), d.rule_id));
    log::info("{} <{}>: {} by {}", env.id, recipients_[i].address,
              reject_as_drop ? "drop (reject after DATA)" : policy::to_string(d.action), d.rule_id);
  }

  // The delivery ledger (issue 11): every copy to relay or hold is reserved
  // first; a pair this message already settled is answered as handled.
  copy_ledger ledger(*ctx_->redis, ctx_->key_prefix, ctx_->ledger_owner, ctx_->ledger,
                     store::message_identity(control.message_id, env.mail_from, *message));
  std::vector<std::size_t> slot_of(n, n);
  std::vector<copy_ledger::pair> pairs;
  for (const copy_job& job : jobs) {
    slot_of[job.index] = pairs.size();
    pairs.push_back({recipients_[job.index].address, copy_id(job.index)});
  }
  for (std::size_t i : holds) {
    slot_of[i] = pairs.size();
    pairs.push_back({recipients_[i].address, copy_id(i)});
  }
  std::vector<store::redis_command> writes;  // ledger settles and frequency-cap records, one round trip at the end
  if (!pairs.empty()) {
    auto claims = co_await ledger.reserve(std::move(pairs));
    std::vector<bool> ours(n, false);
    for (std::size_t i = 0; i < n; ++i) {
      if (slot_of[i] == n) continue;
      smtp::reply& out = outcome.per_recipient[i];
      if (!claims) {
        out = fail_closed();
        records.push_back(record_for(i, audit::action::defer, "builtin:redis-unavailable"));
        continue;
      }
      const copy_ledger::claim& c = (*claims)[slot_of[i]];
      if (c.v == verdict::send) {
        ours[i] = true;
        continue;
      }
      out = handled_reply(c, env.lmtp);
      const bool deferred = c.v == verdict::in_progress;
      records.push_back(record_for(i, deferred ? audit::action::defer : audit::action::drop,
                                   std::string("builtin:") + to_string(c.v)));
      if (c.resolved_in_doubt) {  // the dead attempt's copy: its outcome, possibly delivered
        audit::record r = record_for(i, audit::action::outcome, std::string(audit::in_doubt_rule));
        r.copy_id = c.found.copy_id;
        records.push_back(std::move(r));
      }
      log::info("{} <{}>: {} in the delivery ledger ({})", env.id, recipients_[i].address, to_string(c.v),
                c.found.copy_id);
    }
    if (!claims) log::warning("{} delivery ledger unreachable: {}; deferring", env.id, claims.error().message());
    std::erase_if(jobs, [&](const copy_job& j) { return !ours[j.index]; });
    std::erase_if(holds, [&](std::size_t i) { return !ours[i]; });
  }

  for (std::size_t i : holds) {
    smtp::reply& out = outcome.per_recipient[i];
    const policy::decision& d = copies[i].decision;
    // A copy missing a field is held as received and rendered at release,
    // from the contact as fixed by then: never sent with the gap.
    const bool render_later = d.rule_id == missing_field_rule;
    held_copy h{copy_id(i), env.id, env.mail_from, env.recipients[i],
                recipients_[i].address, env.params.smtputf8,
                env.params.body == smtp::body_type::eight_bit_mime, message_id, campaign.id.value_or(""),
                campaign.category, d.rule_id, d.reason, policies.version, trace_lines(d),
                std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count()};
    h.render_at_release = render_later;
    std::expected<void, std::string> put;
    if (render_later)
      put = ctx_->holds->put(h, env.trace_header, *message);
    else if (auto copy = render_copy(*plan, copies[i], recipients_[i].data, recipients_[i].address,
                                     env.recipients[i]))
      put = ctx_->holds->put(h, env.trace_header, stuff_dots(std::move(copy->bytes)));
    else
      put = std::unexpected(std::move(copy.error()));
    if (!put) {
      log::error("{} cannot hold copy for <{}>: {}", env.id, h.address, put.error());
      out = {451, "4.3.0", "cannot hold the message now, try again later"};
      records.push_back(record_for(i, audit::action::defer, "builtin:hold-failed"));
      ledger.settle(slot_of[i], std::nullopt, writes);
      continue;
    }
    out = {250, "2.0.0", "Ok: held for review as " + h.id};
    records.push_back(record_for(i, audit::action::hold, d.rule_id));
    ledger.settle(slot_of[i], ledger_entry{ledger_state::held, {}, {}, h.id}, writes);
    log::info("{} <{}>: hold by {}", env.id, recipients_[i].address, d.rule_id);
  }

  // Write-ahead: every decision taken so far, and each copy's relay record, is
  // on disk before the first byte of any copy leaves. If it cannot be, nothing
  // is sent and nothing acknowledged (the ledger answers the client's retry).
  for (const copy_job& job : jobs) {
    audit::record r = record_for(job.index, audit::action::relay, relay_rule[job.index]);
    r.copy_id = copy_id(job.index);
    r.dkim = copies[job.index].dkim_note;
    records.push_back(std::move(r));
  }
  if (!records.empty()) {
    std::vector<audit::record> ahead = std::move(records);
    records.clear();
    if (auto ec = co_await ctx_->audit->append(ctx_->executor, std::move(ahead))) {
      log::error("{} audit write failed: {}; nothing sent, deferring the message", env.id, ec.message());
      const smtp::reply unrecorded{451, "4.3.0", "cannot record the decision now, try again later"};
      for (const copy_job& job : jobs) ledger.settle(slot_of[job.index], std::nullopt, writes);
      jobs.clear();
      for (std::size_t i = 0; i < n; ++i)  // an opt-out by mail was recorded on its own
        if (outcome.per_recipient[i].positive() && !recipients_[i].unsubscribe) outcome.per_recipient[i] = unrecorded;
      for (const std::size_t i : holds) outcome.per_recipient[i] = unrecorded;
    }
  }

  std::vector<commit_gate> gates;
  gates.reserve(jobs.size());
  for (copy_job& job : jobs) {
    gates.push_back(ledger.gate(slot_of[job.index]));
    job.gate = &gates.back();
  }
  std::vector<std::string> not_sent(n);  // why a copy could not be built: nothing was sent
  const dkim::sign_options signing = signing_options(ctx_->dkim.get(), now);
  const copy_source make_copy = [&](const copy_job& job) -> asio::awaitable<std::expected<wire_copy, smtp::reply>> {
    const recipient& r = recipients_[job.index];
    auto copy = co_await build_outgoing(*plan, copies[job.index], r.data, r.address, *job.recipient, *ctx_->signer,
                                        signing);
    if (copy) co_return std::move(*copy);
    log::error("{} cannot build the copy for <{}>: {}", env.id, r.address, copy.error().why);
    not_sent[job.index] = std::move(copy.error().rule);
    co_return std::unexpected(smtp::reply{554, "5.6.0", "cannot build this recipient's copy"});
  };
  co_await send_copies(ctx_->executor, *ctx_->dest, env, make_copy, jobs, outcome.per_recipient,
                       ctx_->copy_parallelism);

  // Outcomes. A refused copy's ledger entry waits for the DSN below.
  std::vector<std::size_t> refused_jobs;
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    const std::size_t i = jobs[j].index;
    const smtp::reply& r = outcome.per_recipient[i];
    const bool in_doubt = gates[j].no_verdict;
    const bool unbuildable = !not_sent[i].empty();
    audit::record rec = record_for(i, audit::action::outcome,
                                   unbuildable ? not_sent[i] : in_doubt ? std::string(audit::in_doubt_rule) : std::string());
    rec.copy_id = copy_id(i);
    if (!unbuildable) rec.downstream_reply = reply_text(r).substr(0, 512);
    records.push_back(std::move(rec));
    if (r.positive()) {
      ledger.settle(slot_of[i], ledger_entry{ledger_state::delivered, {}, {}, reply_text(r).substr(0, 200)}, writes);
    } else if (in_doubt && ctx_->ledger.in_doubt == in_doubt_choice::assume_delivered) {
      log::warning("{} <{}>: no reply after the final \".\": possibly delivered, not sent again", env.id,
                   recipients_[i].address);
      ledger.settle(slot_of[i], ledger_entry{ledger_state::in_doubt, {}, {}, {}}, writes);
    } else if (r.permanent() && !unbuildable) {
      refused_jobs.push_back(j);
      continue;
    } else {
      ledger.settle(slot_of[i], std::nullopt, writes);  // not accepted: a retry sends it again
    }
    if (!r.positive() && !in_doubt) continue;
    const std::string& address = recipients_[i].address;
    if (policies.needs.sent)
      store::append_sent_commands(writes, ctx_->key_prefix, address, campaign.category, env.id, now,
                                  policies.longest_sent_period);
    if (const policy::persona_choice& pc = copies[i].persona; pc.record_sticky && pc.chosen)
      store::append_sticky_persona_command(writes, ctx_->key_prefix, address, pc.chosen->id, pc.replace_sticky);
  }
  for (std::size_t i = 0; i < n; ++i)
    if (duplicate_of[i] != n) outcome.per_recipient[i] = outcome.per_recipient[duplicate_of[i]];
  for (auto& r : outcome.per_recipient) r = with_enhanced(std::move(r));
  outcome.summary = summarize(env, outcome.per_recipient);
  // A refused copy is handled once the sender knows: LMTP passes the 5xx, SMTP a
  // 5xx summary or a DSN; a 4xx summary means the client retries, and the copy
  // is sent (and refused) again to report it then.
  bool refused_reported = env.lmtp || outcome.summary.permanent();
  if (!env.lmtp && outcome.summary.positive()) {
    std::vector<std::size_t> sent_or_refused = refused_early;
    for (const copy_job& job : jobs) sent_or_refused.push_back(job.index);
    refused_reported = co_await report_refused(env, *message, sent_or_refused, outcome, records, record_for);
  }
  for (std::size_t j : refused_jobs) {
    const std::size_t i = jobs[j].index;
    if (refused_reported)
      ledger.settle(slot_of[i],
                    ledger_entry{ledger_state::refused, {}, {}, reply_text(outcome.per_recipient[i]).substr(0, 200)},
                    writes);
    else
      ledger.settle(slot_of[i], std::nullopt, writes);
  }

  // Outcomes (and DSN records) go to the log without holding the reply: the
  // reply rests on decisions already on disk, and a copy's outcome only narrows
  // its relay record. Until it is on disk (a crash, a full disk) the copy counts
  // as possibly delivered (audit report), and the ledger answers resends.
  // The callback runs on the writer thread: no coroutine, and no wake-up of
  // this I/O thread to hear that it went well.
  if (!records.empty())
    ctx_->audit->async_append(std::move(records), [id = env.id](error_code ec) {
      if (ec)
        log::error("{} audit write of the outcomes failed: {}; those copies read as possibly delivered", id,
                   ec.message());
    });
  // The ledger settles and frequency-cap records, before the reply: a resend
  // that comes right after it must find the pairs settled.
  co_await ledger.write_settles(ledger.copy_ids(), std::move(writes));
  co_return outcome;
}

asio::awaitable<bool> policy_transaction::report_refused(const smtp::envelope& env, const std::string& message,
                                                         const std::vector<std::size_t>& candidates,
                                                         smtp::delivery_outcome& outcome,
                                                         std::vector<audit::record>& records,
                                                         const record_maker& record_for) {
  std::vector<refused_copy> refused;
  std::vector<std::size_t> refused_index;
  for (const std::size_t i : candidates)
    if (const smtp::reply& r = outcome.per_recipient[i]; r.permanent()) {
      refused.push_back({env.recipients[i], recipients_[i].address, r});
      refused_index.push_back(i);
    }
  if (refused.empty()) co_return true;
  const bounce_outcome b = co_await send_bounce(*ctx_->dest, env, unstuff_dots(message), refused, ctx_->hostname,
                                                clock::now());
  for (const std::size_t i : refused_index) {
    audit::record rec = record_for(i, audit::action::bounce, b.rule());
    rec.downstream_reply = b.suppressed == dsn_suppression::none ? reply_text(b.dsn_reply).substr(0, 512) : "";
    records.push_back(std::move(rec));
  }
  // Not handed on for now: the client's 250 becomes a 4xx, so the failure is
  // reported by its retry (the recipients handled already are remembered).
  if (b.suppressed == dsn_suppression::none && b.dsn_reply.transient()) {
    log::warning("{} cannot send the DSN now ({} {}): deferring the reply", env.id, b.dsn_reply.code,
                 b.dsn_reply.text);
    outcome.summary = {451, "4.3.0", "cannot report refused recipients now, try again later"};
    co_return false;
  }
  co_return true;
}

}  // namespace kizuna::delivery
