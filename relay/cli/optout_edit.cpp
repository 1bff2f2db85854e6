// `kizuna optout add | remove | check`: a few keys, one pipelined round trip.
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>
#include <ctime>

#include "relay/cli/optout_options.hpp"
#include "relay/core/address.hpp"
#include "relay/core/optout_entry.hpp"

namespace kizuna::cli {
namespace asio = boost::asio;

namespace {

using replies = std::vector<store::redis_value>;

// Normalizes every argument; the first bad one is reported and nothing is written.
std::expected<std::vector<optout_subject>, int> subjects_of(const optout_options& o) {
  std::vector<optout_subject> out;
  for (const auto& a : o.args) {
    auto s = parse_subject(a, o.domain);
    if (!s) {
      std::fprintf(stderr, "kizuna optout: \"%s\": %s\n", sanitize_optout_text(a).c_str(), s.error().c_str());
      return std::unexpected(ex_dataerr);
    }
    out.push_back(std::move(*s));
  }
  return out;
}

int refused(const redis_session& s, const std::string& key, const std::string& why) {
  std::fprintf(stderr, "%s: redis refused %s: %s\n", s.who().c_str(), key.c_str(), why.c_str());
  return ex_unavailable;
}

std::string describe(const std::string& value) {
  auto e = decode_optout_entry(value);
  if (!e) return "value \"" + value + "\" (malformed: " + e.error() + ")";
  return "at=" + std::to_string(e->at) + " (" + format_utc(e->at) + ") source=" + e->source + " reason=" + e->reason;
}

asio::awaitable<int> add_task(redis_session& s, const optout_options& o, std::vector<optout_subject> subjects) {
  const std::string scope = o.scope.value_or("*");
  optout_entry entry;
  entry.at = o.at.value_or(static_cast<int64_t>(std::time(nullptr)));
  entry.source = o.source.value_or("cli");
  entry.reason = o.reason;
  const std::string value = encode_optout_entry(entry);
  std::vector<store::redis_command> cmds;
  for (const auto& subj : subjects) {
    const std::string key = subj.key(s.prefix());
    cmds.push_back(store::redis_command{o.replace ? "HSET" : "HSETNX", key, scope, value});
    cmds.push_back(store::redis_command{"HGET", key, scope});
  }
  auto r = co_await s.client().pipeline(std::move(cmds));
  if (!r) co_return s.unreachable(r.error());
  for (std::size_t i = 0; i < subjects.size(); ++i) {
    const auto& set = (*r)[2 * i];
    const auto& now = (*r)[2 * i + 1];
    const std::string name = subjects[i].display();
    if (set.is_error()) co_return refused(s, subjects[i].key(s.prefix()), set.str);
    if (o.replace || set.integer == 1)
      std::printf("added %s scope=%s\n", name.c_str(), scope.c_str());
    else
      std::printf("kept %s scope=%s: already opted out, %s (--replace overwrites)\n", name.c_str(), scope.c_str(),
                  describe(now.str).c_str());
  }
  co_return 0;
}

asio::awaitable<int> remove_task(redis_session& s, const optout_options& o, std::vector<optout_subject> subjects) {
  const std::string scope = o.scope.value_or("*");
  const bool every_scope = scope == "all";
  std::vector<store::redis_command> cmds;
  for (const auto& subj : subjects) {
    if (every_scope)
      cmds.push_back(store::redis_command{"DEL", subj.key(s.prefix())});
    else
      cmds.push_back(store::redis_command{"HDEL", subj.key(s.prefix()), scope});
  }
  auto r = co_await s.client().pipeline(std::move(cmds));
  if (!r) co_return s.unreachable(r.error());
  for (std::size_t i = 0; i < subjects.size(); ++i) {
    const auto& v = (*r)[i];
    const std::string name = subjects[i].display();
    if (v.is_error()) co_return refused(s, subjects[i].key(s.prefix()), v.str);
    if (v.integer > 0)
      std::printf("removed %s %s\n", name.c_str(), every_scope ? "(every scope)" : ("scope=" + scope).c_str());
    else if (every_scope)
      std::printf("%s: not opted out\n", name.c_str());
    else
      std::printf("%s: no opt-out for scope %s\n", name.c_str(), scope.c_str());
  }
  co_return 0;
}

// Prints the scopes of one HGETALL reply that concern `scope` (all when empty);
// how many were printed. A malformed value counts as opted out (fail closed).
std::size_t print_scopes(const std::string& name, const store::redis_value& hash, const std::string& scope) {
  std::size_t shown = 0;
  for (std::size_t i = 0; i + 1 < hash.elements.size(); i += 2) {
    const std::string& sc = hash.elements[i].str;
    if (!scope.empty() && sc != scope && sc != "*") continue;
    std::printf("%s scope=%s %s\n", name.c_str(), sc.c_str(), describe(hash.elements[i + 1].str).c_str());
    ++shown;
  }
  return shown;
}

asio::awaitable<int> check_task(redis_session& s, const optout_options& o, optout_subject subject) {
  std::vector<optout_subject> keys{subject};
  if (!subject.domain) keys.push_back(optout_subject{domain_of(subject.name), true});
  std::vector<store::redis_command> cmds;
  for (const auto& k : keys) cmds.push_back(store::redis_command{"HGETALL", k.key(s.prefix())});
  auto r = co_await s.client().pipeline(std::move(cmds));
  if (!r) co_return s.unreachable(r.error());
  const std::string scope = o.scope.value_or("");
  std::size_t shown = 0;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if ((*r)[i].is_error()) co_return refused(s, keys[i].key(s.prefix()), (*r)[i].str);
    shown += print_scopes(keys[i].display(), (*r)[i], scope);
  }
  if (shown > 0) co_return 0;
  std::printf("%s: not opted out%s\n", subject.display().c_str(), scope.empty() ? "" : (" for scope " + scope).c_str());
  co_return 1;
}

}  // namespace

int optout_add(redis_session& s, const optout_options& o) {
  auto subjects = subjects_of(o);
  if (!subjects) return subjects.error();
  return s.run(add_task(s, o, std::move(*subjects)));
}

int optout_remove(redis_session& s, const optout_options& o) {
  auto subjects = subjects_of(o);
  if (!subjects) return subjects.error();
  return s.run(remove_task(s, o, std::move(*subjects)));
}

int optout_check(redis_session& s, const optout_options& o) {
  auto subjects = subjects_of(o);
  if (!subjects) return subjects.error();
  return s.run(check_task(s, o, std::move(subjects->front())));
}

}  // namespace kizuna::cli
