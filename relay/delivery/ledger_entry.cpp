#include "relay/delivery/ledger_entry.hpp"

namespace kizuna::delivery {
namespace {

constexpr std::string_view letters = "RCDNHQ";  // in ledger_state order

}  // namespace

std::string encode(const ledger_entry& e) {
  std::string out;
  out.reserve(4 + e.owner.size() + e.copy_id.size() + e.detail.size());
  out += letters[static_cast<std::size_t>(e.state)];
  out.append("|").append(e.owner).append("|").append(e.copy_id).append("|").append(e.detail);
  return out;
}

std::optional<ledger_entry> decode_ledger_entry(std::string_view v) {
  if (v.size() < 4 || v[1] != '|') return std::nullopt;
  const auto state = letters.find(v[0]);
  if (state == std::string_view::npos) return std::nullopt;
  ledger_entry e;
  e.state = static_cast<ledger_state>(state);
  v.remove_prefix(2);
  const auto owner_end = v.find('|');
  if (owner_end == std::string_view::npos) return std::nullopt;
  const auto copy_end = v.find('|', owner_end + 1);
  if (copy_end == std::string_view::npos) return std::nullopt;
  e.owner = v.substr(0, owner_end);
  e.copy_id = v.substr(owner_end + 1, copy_end - owner_end - 1);
  e.detail = v.substr(copy_end + 1);
  // An attempt in flight has an owner; a settled entry has none.
  if (needs_owner(e) == e.owner.empty()) return std::nullopt;
  return e;
}

bool needs_owner(const ledger_entry& e) {
  return e.state == ledger_state::reserved || e.state == ledger_state::committing;
}

verdict judge(const ledger_entry& existing, bool owner_alive, in_doubt_choice choice) {
  switch (existing.state) {
    case ledger_state::delivered: return verdict::already_delivered;
    case ledger_state::refused: return verdict::already_refused;
    case ledger_state::held: return verdict::already_held;
    case ledger_state::in_doubt: return verdict::possibly_delivered;
    case ledger_state::reserved:
      // Nothing past the 354: a dead owner's copy cannot have been accepted.
      return owner_alive ? verdict::in_progress : verdict::send;
    case ledger_state::committing:
      if (owner_alive) return verdict::in_progress;
      return choice == in_doubt_choice::resend ? verdict::send : verdict::possibly_delivered;
  }
  return verdict::in_progress;
}

const char* to_string(verdict v) {
  switch (v) {
    case verdict::send: return "send";
    case verdict::in_progress: return "in-progress";
    case verdict::already_delivered: return "already-delivered";
    case verdict::already_refused: return "already-refused";
    case verdict::already_held: return "already-held";
    case verdict::possibly_delivered: return "possibly-delivered";
  }
  return "?";
}

std::optional<in_doubt_choice> parse_in_doubt_choice(std::string_view s) {
  if (s == "assume_delivered") return in_doubt_choice::assume_delivered;
  if (s == "resend") return in_doubt_choice::resend;
  return std::nullopt;
}

}  // namespace kizuna::delivery
