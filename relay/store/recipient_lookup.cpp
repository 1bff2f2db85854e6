#include "relay/store/recipient_lookup.hpp"

#include <charconv>

#include "relay/core/address.hpp"
#include "relay/store/keys.hpp"

namespace kizuna::store {
namespace {

using clock = std::chrono::system_clock;

std::string epoch_text(clock::time_point t) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count());
}

// HGETALL's flat [field, value, field, value...] into a map; anything else is malformed.
bool to_map(const redis_value& v, std::map<std::string, std::string>& out) {
  if (v.type != redis_value::kind::array || v.elements.size() % 2 != 0) return false;
  for (std::size_t i = 0; i < v.elements.size(); i += 2) {
    const auto& k = v.elements[i];
    const auto& val = v.elements[i + 1];
    if (k.type != redis_value::kind::string || val.type != redis_value::kind::string) return false;
    out.insert_or_assign(k.str, val.str);
  }
  return true;
}

// ZRANGEBYSCORE ... WITHSCORES: [member, score, ...]; member "<category>|...".
bool to_sent(const redis_value& v, std::vector<policy::sent_entry>& out) {
  if (v.type != redis_value::kind::array || v.elements.size() % 2 != 0) return false;
  for (std::size_t i = 0; i < v.elements.size(); i += 2) {
    const std::string& member = v.elements[i].str;
    const std::string& score = v.elements[i + 1].str;
    double seconds = 0;
    auto [end, ec] = std::from_chars(score.data(), score.data() + score.size(), seconds);
    if (ec != std::errc{} || end != score.data() + score.size()) return false;
    policy::sent_entry e;
    e.at = clock::time_point(std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(seconds)));
    e.category = member.substr(0, member.find('|'));
    out.push_back(std::move(e));
  }
  return true;
}

}  // namespace

boost::asio::awaitable<std::expected<recipient_record, error_code>> fetch_recipient(
    redis_client& redis, std::string_view prefix, std::string_view address, const policy::data_needs& needs,
    std::chrono::seconds sent_period, clock::time_point now) {
  enum class part { optout, optout_domain, contact, exclusion, consent, sent, persona };
  std::vector<redis_command> cmds;
  std::vector<part> parts;
  auto hgetall = [&](std::string key, part p) {
    cmds.push_back(redis_command{std::string("HGETALL"), std::move(key)});
    parts.push_back(p);
  };
  hgetall(address_key(prefix, "optout", address), part::optout);
  std::string domain_key(prefix);
  domain_key.append("optout-domain:").append(domain_of(address));
  hgetall(std::move(domain_key), part::optout_domain);
  if (needs.contact) hgetall(address_key(prefix, "contact", address), part::contact);
  if (needs.exclusion) hgetall(address_key(prefix, "exclusion", address), part::exclusion);
  if (needs.consent) hgetall(address_key(prefix, "consent", address), part::consent);
  if (needs.sent) {
    // Exclusive lower bound: a copy exactly `period` ago is outside the window.
    cmds.push_back(redis_command{std::string("ZRANGEBYSCORE"), address_key(prefix, "sent", address),
                                 "(" + epoch_text(now - sent_period), std::string("+inf"),
                                 std::string("WITHSCORES")});
    parts.push_back(part::sent);
  }

  if (needs.sticky_persona) {
    cmds.push_back(redis_command{std::string("GET"), address_key(prefix, "persona", address)});
    parts.push_back(part::persona);
  }

  auto replies = co_await redis.pipeline(std::move(cmds));
  if (!replies) co_return std::unexpected(replies.error());
  recipient_record record;
  policy::recipient_data& data = record.data;
  const auto malformed = std::unexpected(make_error_code(errc::redis_error));
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const redis_value& v = (*replies)[i];
    bool ok = false;
    switch (parts[i]) {
      case part::optout: ok = to_map(v, data.optout); break;
      case part::optout_domain: ok = to_map(v, data.optout_domain); break;
      case part::contact: ok = to_map(v, data.contact); break;
      case part::exclusion: ok = to_map(v, data.exclusion); break;
      case part::consent: ok = to_map(v, data.consent); break;
      case part::sent: ok = to_sent(v, data.sent); break;
      case part::persona:
        ok = v.type == redis_value::kind::nil || v.type == redis_value::kind::string;
        if (v.type == redis_value::kind::string) data.sticky_persona = v.str;
        break;
    }
    if (!ok) co_return malformed;
  }
  co_return record;
}

void append_sent_commands(std::vector<redis_command>& out, std::string_view prefix, std::string_view address,
                          std::string_view category, std::string_view transaction_id, clock::time_point now,
                          std::chrono::seconds keep) {
  const std::string key = address_key(prefix, "sent", address);
  std::string member(category);
  member.append("|").append(transaction_id).append("|").append(address);
  out.push_back(redis_command{std::string("ZADD"), key, epoch_text(now), std::move(member)});
  out.push_back(redis_command{std::string("ZREMRANGEBYSCORE"), key, std::string("-inf"), "(" + epoch_text(now - keep)});
  out.push_back(redis_command{std::string("EXPIRE"), key, std::to_string(keep.count())});
}

void append_sticky_persona_command(std::vector<redis_command>& out, std::string_view prefix, std::string_view address,
                                   std::string_view persona_id, bool replace) {
  redis_command set{std::string("SET"), address_key(prefix, "persona", address), std::string(persona_id)};
  if (!replace) set.emplace_back("NX");
  out.push_back(std::move(set));
}

}  // namespace kizuna::store
