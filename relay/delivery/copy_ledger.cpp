#include "relay/delivery/copy_ledger.hpp"

#include <set>

#include "relay/core/log.hpp"
#include "relay/core/transaction_id.hpp"
#include "relay/delivery/context.hpp"
#include "relay/delivery/ledger_registry.hpp"
#include "relay/store/delivery_ledger.hpp"

namespace kizuna::delivery {

std::string ledger_owner_of(std::string_view hostname) {
  return std::string(hostname) + "/" + process_tag();
}

copy_ledger::copy_ledger(store::redis_client& redis, std::string key_prefix, std::string owner,
                         ledger_settings settings, std::string identity)
    : redis_(redis),
      prefix_(std::move(key_prefix)),
      owner_(std::move(owner)),
      settings_(settings),
      identity_(std::move(identity)) {}

boost::asio::awaitable<std::expected<std::vector<copy_ledger::claim>, error_code>> copy_ledger::reserve(
    std::vector<pair> pairs) {
  const std::size_t first = slots_.size();
  std::vector<std::string> keys, values;
  for (auto& p : pairs) {
    slot s{store::ledger_key(prefix_, p.address, identity_), std::move(p.copy_id), {}};
    s.current = encode({ledger_state::reserved, owner_, s.copy_id, {}});
    keys.push_back(s.key);
    values.push_back(s.current);
    slots_.push_back(std::move(s));
  }
  auto found = co_await store::ledger_reserve(redis_, keys, values, settings_.window);
  if (!found) co_return std::unexpected(found.error());

  std::vector<claim> claims(pairs.size());
  std::vector<std::optional<ledger_entry>> entries(pairs.size());
  std::set<std::string> owners;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    if (!(*found)[i]) continue;  // reserved now
    entries[i] = decode_ledger_entry(*(*found)[i]);
    if (!entries[i]) {  // not ours to interpret (another version?): never guess, fail closed
      log::warning("ledger entry {} unreadable: treated as in progress", keys[i]);
      claims[i].v = verdict::in_progress;
      continue;
    }
    if (needs_owner(*entries[i]) && entries[i]->owner != owner_) owners.insert(entries[i]->owner);
  }
  std::vector<std::string> owner_list(owners.begin(), owners.end());
  std::vector<bool> alive;
  if (!owner_list.empty()) {
    auto a = co_await store::owners_alive(redis_, prefix_, owner_list);
    if (!a) co_return std::unexpected(a.error());
    alive = std::move(*a);
  }
  ledger_registry& here = ledger_registry::process();
  auto is_alive = [&](const ledger_entry& e) {
    // Our own process runs, but the attempt may have ended.
    if (e.owner == owner_) return here.in_flight(e.copy_id);
    const std::string& o = e.owner;
    for (std::size_t j = 0; j < owner_list.size(); ++j)
      if (owner_list[j] == o) return bool(alive[j]);
    return false;
  };

  // Take-overs and in-doubt resolutions, each a compare-and-swap against the value found.
  std::vector<store::ledger_swap> swaps;
  std::vector<std::size_t> swapped;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    if (!entries[i]) continue;
    const ledger_entry& e = *entries[i];
    claims[i].found = e;
    claims[i].v = judge(e, needs_owner(e) && is_alive(e), settings_.in_doubt);
    const bool take_over = claims[i].v == verdict::send;
    const bool resolve = claims[i].v == verdict::possibly_delivered && e.state == ledger_state::committing;
    if (!take_over && !resolve) continue;
    std::string next = take_over ? slots_[first + i].current : encode({ledger_state::in_doubt, {}, e.copy_id, {}});
    swaps.push_back({keys[i], *(*found)[i], std::move(next), settings_.window});
    swapped.push_back(i);
    if (resolve) claims[i].resolved_in_doubt = true;
  }
  if (!swaps.empty()) {
    auto applied = co_await store::ledger_swap_all(redis_, std::move(swaps));
    if (!applied) co_return std::unexpected(applied.error());
    for (std::size_t j = 0; j < swapped.size(); ++j)
      if (!(*applied)[j]) {  // someone else moved it first
        claims[swapped[j]].v = verdict::in_progress;
        claims[swapped[j]].resolved_in_doubt = false;
      }
  }
  for (std::size_t i = 0; i < pairs.size(); ++i)
    if (claims[i].v == verdict::send) here.begin(slots_[first + i].copy_id);
  co_return claims;
}

commit_gate copy_ledger::gate(std::size_t k) {
  commit_gate g;
  g.enter = [this, k]() -> boost::asio::awaitable<bool> {
    slot& s = slots_[k];
    std::string next = encode({ledger_state::committing, owner_, s.copy_id, {}});
    std::vector<store::ledger_swap> one;
    one.push_back({s.key, s.current, next, settings_.window});
    auto applied = co_await store::ledger_swap_all(redis_, std::move(one));
    if (!applied || !applied->front()) {
      log::warning("{}: cannot mark the copy committing ({}): not sent", s.copy_id,
                   applied ? "reservation lost" : applied.error().message());
      // Unanswered, the swap may still have been applied (a stalled Redis runs it
      // later): the entry is then committing, though the "." is never written.
      if (!applied) s.maybe = std::move(next);
      co_return false;
    }
    s.current = std::move(next);
    co_return true;
  };
  return g;
}

void copy_ledger::settle(std::size_t k, std::optional<ledger_entry> final_entry,
                         std::vector<store::redis_command>& out) const {
  const slot& s = slots_[k];
  std::string next;
  if (final_entry) {
    final_entry->owner.clear();
    final_entry->copy_id = s.copy_id;
    next = encode(*final_entry);
  }
  if (!s.maybe.empty()) out.push_back(store::swap_command({s.key, s.maybe, next, settings_.window}));
  out.push_back(store::swap_command({s.key, s.current, std::move(next), settings_.window}));
}

boost::asio::awaitable<void> copy_ledger::settle_now(std::vector<std::size_t> ks,
                                                     std::optional<ledger_entry> final_entry) {
  if (ks.empty()) co_return;
  std::vector<store::redis_command> cmds;
  for (std::size_t k : ks) settle(k, final_entry, cmds);
  std::vector<std::string> ids;
  for (std::size_t k : ks) ids.push_back(slots_[k].copy_id);
  co_await write_settles(std::move(ids), std::move(cmds));
}

boost::asio::awaitable<bool> copy_ledger::write_settles(std::vector<std::string> copy_ids,
                                                        std::vector<store::redis_command> writes) {
  ledger_registry& here = ledger_registry::process();
  if (writes.empty()) {
    here.settled(copy_ids);
    co_return true;
  }
  auto r = co_await redis_.pipeline(writes);
  if (!r) {
    log::warning("cannot settle {} ledger entries now ({}): kept for a retry", copy_ids.size(),
                 r.error().message());
    here.unsettled(std::move(copy_ids), std::move(writes));
    co_return false;
  }
  here.settled(copy_ids);
  co_return true;
}

std::vector<std::string> copy_ledger::copy_ids() const {
  std::vector<std::string> out;
  for (const auto& s : slots_) out.push_back(s.copy_id);
  return out;
}

}  // namespace kizuna::delivery
