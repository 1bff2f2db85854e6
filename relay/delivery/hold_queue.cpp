#include "relay/delivery/hold_queue.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace kizuna::delivery {
namespace json = boost::json;

namespace {

constexpr std::string_view suffix = ".held";

bool valid_id(const std::string& id) {
  return !id.empty() && id.size() <= 64 &&
         std::all_of(id.begin(), id.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; });
}

std::string to_json(const held_copy& h) {
  json::array trace;
  for (auto& t : h.trace) trace.emplace_back(t);
  json::object o{{"id", h.id},
                 {"transaction_id", h.transaction_id},
                 {"mail_from", h.mail_from},
                 {"recipient", h.recipient},
                 {"address", h.address},
                 {"smtputf8", h.smtputf8},
                 {"eight_bit", h.eight_bit},
                 {"message_id", h.message_id},
                 {"campaign", h.campaign},
                 {"category", h.category},
                 {"rule", h.rule},
                 {"reason", h.reason},
                 {"policy_version", h.policy_version},
                 {"trace", std::move(trace)},
                 {"held_at", h.held_at},
                 {"render_at_release", h.render_at_release}};
  return json::serialize(o);
}

std::expected<held_copy, std::string> from_json(std::string_view line) {
  boost::system::error_code ec;
  json::value v = json::parse(line, ec);
  if (ec || !v.is_object()) return std::unexpected("metadata is not a JSON object");
  const json::object& o = v.as_object();
  auto str = [&](const char* k) -> std::string {
    auto* p = o.if_contains(k);
    return p && p->is_string() ? std::string(p->as_string()) : std::string();
  };
  auto boolean = [&](const char* k) {
    auto* p = o.if_contains(k);
    return p && p->is_bool() && p->as_bool();
  };
  held_copy h{str("id"), str("transaction_id"), str("mail_from"), str("recipient"), str("address"),
              boolean("smtputf8"), boolean("eight_bit"), str("message_id"), str("campaign"), str("category"),
              str("rule"), str("reason"), str("policy_version"), {}, 0};
  if (auto* t = o.if_contains("trace"); t && t->is_array())
    for (auto& e : t->as_array())
      if (e.is_string()) h.trace.emplace_back(e.as_string());
  if (auto* t = o.if_contains("held_at"); t && t->is_int64()) h.held_at = t->as_int64();
  h.render_at_release = boolean("render_at_release");
  if (!valid_id(h.id)) return std::unexpected("metadata has no valid id");
  return h;
}

std::string errno_text(const char* what, const std::filesystem::path& p) {
  return std::string(what) + " " + p.string() + ": " + std::strerror(errno);
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

std::filesystem::path hold_queue::path_of(const std::string& id) const { return dir_ / (id + std::string(suffix)); }

std::expected<void, std::string> hold_queue::put(const held_copy& meta, std::string_view trace_header,
                                                 std::string_view message) const {
  if (!valid_id(meta.id)) return std::unexpected("invalid hold id '" + meta.id + "'");
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return std::unexpected("cannot create " + dir_.string() + ": " + ec.message());
  const auto final_path = path_of(meta.id);
  const auto tmp = dir_ / ("." + meta.id + ".tmp");
  // O_EXCL and link(): a copy already held under this id (another session, another
  // process) is never replaced; the put fails and the client gets a 4xx.
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) return std::unexpected(errno_text("cannot create", tmp));
  const std::string head = to_json(meta) + "\n";
  bool ok = write_all(fd, head) && write_all(fd, trace_header) && write_all(fd, message) && ::fsync(fd) == 0;
  std::string why = ok ? "" : errno_text("cannot write", tmp);
  if (::close(fd) != 0 && ok) ok = false, why = errno_text("cannot close", tmp);
  if (ok && ::link(tmp.c_str(), final_path.c_str()) != 0) ok = false, why = errno_text("cannot create", final_path);
  ::unlink(tmp.c_str());
  if (!ok) return std::unexpected(why);
  int dfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  const bool synced = dfd >= 0 && ::fsync(dfd) == 0;
  if (dfd >= 0) ::close(dfd);
  if (!synced) return std::unexpected(errno_text("cannot sync", dir_));
  return {};
}

std::vector<held_copy> hold_queue::list(std::vector<std::string>* problems) const {
  std::vector<held_copy> out;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(dir_, ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec)) {
    const auto& p = it->path();
    if (p.extension() != suffix || p.filename().string().starts_with(".")) continue;
    std::ifstream in(p);
    std::string line;
    if (!std::getline(in, line)) {
      if (problems) problems->push_back(p.string() + ": unreadable");
      continue;
    }
    auto h = from_json(line);
    if (!h) {
      if (problems) problems->push_back(p.string() + ": " + h.error());
      continue;
    }
    out.push_back(std::move(*h));
  }
  std::sort(out.begin(), out.end(), [](const held_copy& a, const held_copy& b) {
    return std::tie(a.held_at, a.id) < std::tie(b.held_at, b.id);
  });
  return out;
}

std::expected<std::pair<held_copy, std::string>, std::string> hold_queue::get(const std::string& id) const {
  if (!valid_id(id)) return std::unexpected("invalid hold id '" + id + "'");
  std::ifstream in(path_of(id), std::ios::binary);
  if (!in) return std::unexpected("no held copy with id " + id);
  std::string line;
  std::getline(in, line);
  auto h = from_json(line);
  if (!h) return std::unexpected(path_of(id).string() + ": " + h.error());
  std::ostringstream rest;
  rest << in.rdbuf();
  return std::pair{std::move(*h), std::move(rest).str()};
}

std::expected<void, std::string> hold_queue::remove(const std::string& id) const {
  if (!valid_id(id)) return std::unexpected("invalid hold id '" + id + "'");
  if (::unlink(path_of(id).c_str()) != 0) return std::unexpected(errno_text("cannot remove", path_of(id)));
  return {};
}

}  // namespace kizuna::delivery
