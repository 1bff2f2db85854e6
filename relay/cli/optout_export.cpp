// `kizuna optout export [FILE|-]`: every opt-out as CSV (address,scope,source,
// reason,at; domain opt-outs as "@domain"). Keys are found with SCAN MATCH
// (COUNT 1000); the HGETALLs for one SCAN page travel in the same round trip
// as the next SCAN, so a page costs one round trip. Order is Redis' SCAN order;
// a key SCAN returns twice (possible while Redis rehashes) is written twice,
// which import takes as a no-op. A malformed value is still exported (empty
// at, the raw value as reason: an opt-out is never dropped), reported on
// stderr, and makes the exit status 65.
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "relay/cli/exit_status.hpp"
#include "relay/cli/optout_options.hpp"
#include "relay/core/csv.hpp"
#include "relay/core/optout_entry.hpp"

namespace kizuna::cli {
namespace asio = boost::asio;

namespace {

constexpr std::size_t flush_bytes = 1 << 20;

struct export_state {
  FILE* out = nullptr;
  std::string name;
  std::string buf;
  std::size_t rows = 0;
  std::size_t malformed = 0;
  bool write_failed = false;

  void flush() {
    if (!buf.empty() && std::fwrite(buf.data(), 1, buf.size(), out) != buf.size()) write_failed = true;
    buf.clear();
  }
  void row(std::string_view subject, std::string_view scope, std::string_view source, std::string_view reason,
           std::string_view at) {
    csv_append_field(buf, subject);
    buf.push_back(',');
    csv_append_field(buf, scope);
    buf.push_back(',');
    csv_append_field(buf, source);
    buf.push_back(',');
    csv_append_field(buf, reason);
    buf.push_back(',');
    buf.append(at);
    buf.append("\r\n");
    ++rows;
    if (buf.size() >= flush_bytes) flush();
  }
};

// The CSV subject of a key ("alice@example.com" or "@example.com"); empty if
// the key does not have the expected shape.
std::string subject_of(std::string_view key, std::string_view head, bool domain) {
  if (!key.starts_with(head)) return {};
  key.remove_prefix(head.size());
  if (domain) return key.empty() ? std::string() : "@" + std::string(key);
  if (key.size() < 2 || key.back() != '}') return {};
  key.remove_suffix(1);
  return std::string(key);
}

void write_key(export_state& st, const std::string& key, const std::string& subject, const store::redis_value& hash) {
  if (hash.is_error() || subject.empty()) {
    std::fprintf(stderr, "kizuna optout: skipping key %s: %s\n", key.c_str(),
                 hash.is_error() ? hash.str.c_str() : "not an opt-out key");
    ++st.malformed;
    return;
  }
  for (std::size_t i = 0; i + 1 < hash.elements.size(); i += 2) {
    const std::string& scope = hash.elements[i].str;
    const std::string& value = hash.elements[i + 1].str;
    auto e = decode_optout_entry(value);
    if (!e) {
      std::fprintf(stderr, "kizuna optout: %s scope %s: malformed value \"%s\" (%s); exported with an empty at\n",
                   key.c_str(), scope.c_str(), sanitize_optout_text(value).c_str(), e.error().c_str());
      ++st.malformed;
      st.row(subject, scope, "", value, "");
      continue;
    }
    st.row(subject, scope, e->source, e->reason, std::to_string(e->at));
  }
}

asio::awaitable<int> export_kind(redis_session& s, export_state& st, bool domain) {
  const std::string head = s.prefix() + (domain ? "optout-domain:" : "optout:{");
  co_return co_await s.for_each_hash(head, [&](const std::string& key, const store::redis_value& hash) {
    write_key(st, key, subject_of(key, head, domain), hash);
    return st.write_failed ? ex_ioerr : 0;
  });
}

asio::awaitable<int> export_task(redis_session& s, export_state& st, bool bom) {
  if (bom) st.buf.append("\xEF\xBB\xBF");
  st.buf.append("address,scope,source,reason,at\r\n");
  if (int rc = co_await export_kind(s, st, false); rc != 0) co_return rc;
  if (int rc = co_await export_kind(s, st, true); rc != 0) co_return rc;
  co_return 0;
}

}  // namespace

int optout_export(redis_session& s, const optout_options& o) {
  export_state st;
  const bool to_stdout = o.args.empty() || o.args.front() == "-";
  st.name = to_stdout ? "<stdout>" : o.args.front();
  st.out = to_stdout ? stdout : std::fopen(st.name.c_str(), "wb");
  if (!st.out) {
    std::fprintf(stderr, "kizuna optout: cannot create %s: %s\n", st.name.c_str(), std::strerror(errno));
    return ex_cantcreat;
  }
  int rc = s.run(export_task(s, st, o.bom));
  st.flush();
  if (std::fflush(st.out) != 0) st.write_failed = true;
  if (!to_stdout && std::fclose(st.out) != 0) st.write_failed = true;
  if (st.write_failed) {
    std::fprintf(stderr, "kizuna optout: cannot write %s: %s\n", st.name.c_str(), std::strerror(errno));
    return ex_ioerr;
  }
  if (rc != 0) return rc;
  std::fprintf(stderr, "exported %zu rows to %s\n", st.rows, st.name.c_str());
  return st.malformed == 0 ? 0 : ex_dataerr;
}

}  // namespace kizuna::cli
