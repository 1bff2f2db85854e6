// `kizuna optout import FILE|-`: CSV rows to HSETNX (or HSET with --replace),
// 1000 commands per pipelined round trip and up to 4 round trips in flight,
// so parsing the next batch overlaps Redis working on the previous ones.
// Rows are validated before anything is sent; a bad row is reported as
// FILE:LINE: reason and skipped, the others are imported.
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>

#include "relay/cli/optout_options.hpp"
#include "relay/core/csv.hpp"
#include "relay/core/optout_entry.hpp"
#include "relay/core/utf8.hpp"

namespace kizuna::cli {
namespace asio = boost::asio;

namespace {

constexpr std::size_t batch_rows = 1000;
constexpr std::size_t max_in_flight = 4;
constexpr auto progress_interval = std::chrono::milliseconds(100);

enum column { col_address, col_scope, col_source, col_reason, col_at, column_count };
constexpr const char* column_names[column_count] = {"address", "scope", "source", "reason", "at"};

// "\r  123456 rows" on a terminal, at most every progress_interval.
class progress {
 public:
  progress() : tty_(isatty(STDERR_FILENO) == 1) {}
  void update(std::size_t rows) {
    if (!tty_) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < progress_interval) return;
    last_ = now;
    std::fprintf(stderr, "\r  %zu rows", rows);
    shown_ = true;
  }
  void finish(std::size_t rows) {
    if (shown_) std::fprintf(stderr, "\r  %zu rows\n", rows);
  }

 private:
  bool tty_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point last_{};
};

struct import_state {
  explicit import_state(const asio::any_io_executor& ex) : wake(ex) {}
  std::string file;              // as shown in messages
  bool replace = false;          // HSET (kept is not counted) instead of HSETNX
  std::size_t written = 0;       // rows sent and accepted by Redis
  std::size_t kept = 0;          // of which the scope already existed (HSETNX answered 0)
  std::size_t skipped = 0;
  std::size_t in_flight = 0;
  error_code failure;            // the first round trip that failed
  asio::steady_timer wake;       // cancelled when a round trip completes
};

void report(import_state& st, std::size_t line, const std::string& why) {
  std::fprintf(stderr, "%s:%zu: %s\n", st.file.c_str(), line, why.c_str());
}

// Column index per known name, from the header record; every column must be known.
std::expected<std::array<int, column_count>, std::string> map_header(const std::vector<std::string>& header) {
  std::array<int, column_count> index;
  index.fill(-1);
  for (std::size_t i = 0; i < header.size(); ++i) {
    std::string name;
    for (char c : header[i])
      if (c != ' ' && c != '\t') name.push_back(c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c);
    int found = -1;
    for (int k = 0; k < column_count; ++k)
      if (name == column_names[k]) found = k;
    if (found < 0)
      return std::unexpected("unknown column \"" + sanitize_optout_text(header[i]) +
                             "\" (the header is address,scope,source,reason,at)");
    if (index[found] >= 0) return std::unexpected("column \"" + name + "\" appears twice");
    index[found] = int(i);
  }
  if (index[col_address] < 0) return std::unexpected("no address column (the header is address,scope,source,reason,at)");
  return index;
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool all_blank(const csv_record& rec) {
  for (const auto& f : rec.fields)
    if (!trimmed(f).empty()) return false;
  return true;
}

struct row_defaults {
  std::string scope;
  std::string source;
  int64_t at = 0;
};

// One HSETNX/HSET command for a row, or why the row is malformed.
std::expected<store::redis_command, std::string> command_for(const csv_record& rec,
                                                             const std::array<int, column_count>& index,
                                                             const row_defaults& defaults, const std::string& prefix,
                                                             bool replace) {
  auto cell = [&](column c) -> std::string_view {
    return index[c] < 0 ? std::string_view() : trimmed(rec.fields[std::size_t(index[c])]);
  };
  for (const auto& f : rec.fields)
    if (!is_valid_utf8(f)) return std::unexpected("not valid UTF-8 (save the file as UTF-8)");
  auto subject = parse_subject(cell(col_address), false);
  if (!subject) return std::unexpected("address \"" + sanitize_optout_text(cell(col_address)) + "\": " + subject.error());
  std::string scope = cell(col_scope).empty() ? defaults.scope : std::string(cell(col_scope));
  auto valid_scope = validate_optout_scope(scope);
  if (!valid_scope) return std::unexpected(valid_scope.error());
  optout_entry entry;
  entry.at = defaults.at;
  if (!cell(col_at).empty()) {
    auto at = parse_epoch(cell(col_at));
    if (!at) return std::unexpected(at.error());
    entry.at = *at;
  }
  entry.source = cell(col_source).empty() ? defaults.source : std::string(cell(col_source));
  entry.reason = std::string(cell(col_reason));
  store::redis_command cmd;
  cmd.reserve(4);
  cmd.emplace_back(replace ? "HSET" : "HSETNX");
  cmd.push_back(subject->key(prefix));
  cmd.push_back(std::move(scope));
  cmd.push_back(encode_optout_entry(entry));
  return cmd;
}

// Sends one batch without waiting for it; its replies are accounted for when they come.
void send_batch(redis_session& s, import_state& st, std::vector<store::redis_command> cmds,
                std::vector<std::size_t> lines) {
  ++st.in_flight;
  asio::co_spawn(st.wake.get_executor(), s.client().pipeline(std::move(cmds)),
                 [&st, lines = std::move(lines)](std::exception_ptr e,
                                                 std::expected<std::vector<store::redis_value>, error_code> r) {
                   --st.in_flight;
                   st.wake.cancel();
                   if (e || !r) {
                     if (!st.failure) st.failure = e ? make_error_code(errc::redis_error) : r.error();
                     return;
                   }
                   for (std::size_t i = 0; i < r->size(); ++i) {
                     const auto& v = (*r)[i];
                     if (v.is_error()) {
                       report(st, lines[i], "redis refused the row: " + v.str);
                       ++st.skipped;
                       continue;
                     }
                     ++st.written;
                     if (!st.replace && v.integer == 0) ++st.kept;
                   }
                 });
}

asio::awaitable<void> wait_below(import_state& st, std::size_t limit) {
  while (st.in_flight > limit) {
    st.wake.expires_at(asio::steady_timer::time_point::max());
    co_await st.wake.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

asio::awaitable<int> import_task(redis_session& s, const optout_options& o, std::istream& in, std::string file) {
  import_state st(co_await asio::this_coro::executor);
  st.file = std::move(file);
  st.replace = o.replace;
  csv_reader reader(in);
  auto header = reader.next();
  if (!header) {
    std::fprintf(stderr, "%s: empty file (expected the header address,scope,source,reason,at)\n", st.file.c_str());
    co_return ex_dataerr;
  }
  if (!*header) {
    report(st, header->error().line, header->error().reason);
    co_return ex_dataerr;
  }
  auto index = map_header((*header)->fields);
  if (!index) {
    report(st, (*header)->line, index.error());
    co_return ex_dataerr;
  }
  reader.expect_columns((*header)->fields.size());
  const row_defaults defaults{o.scope.value_or("*"), o.source.value_or("import"),
                              o.at.value_or(static_cast<int64_t>(std::time(nullptr)))};

  progress shown;
  std::size_t rows = 0;
  std::vector<store::redis_command> batch;
  std::vector<std::size_t> lines;
  batch.reserve(batch_rows);
  lines.reserve(batch_rows);
  while (auto rec = reader.next()) {
    if (*rec && all_blank(**rec)) continue;  // ",,,,": spreadsheets pad with empty rows
    ++rows;
    if (!*rec) {
      report(st, rec->error().line, rec->error().reason);
      ++st.skipped;
      continue;
    }
    auto cmd = command_for(**rec, *index, defaults, s.prefix(), o.replace);
    if (!cmd) {
      report(st, (*rec)->line, cmd.error());
      ++st.skipped;
      continue;
    }
    batch.push_back(std::move(*cmd));
    lines.push_back((*rec)->line);
    if (batch.size() < batch_rows) continue;
    send_batch(s, st, std::move(batch), std::move(lines));
    batch.clear();
    lines.clear();
    co_await wait_below(st, max_in_flight - 1);
    if (st.failure) break;
    shown.update(rows);
  }
  if (!st.failure && !batch.empty()) send_batch(s, st, std::move(batch), std::move(lines));
  co_await wait_below(st, 0);
  shown.finish(rows);
  if (!reader.stream_ok()) {
    std::fprintf(stderr, "%s: read error: %s\n", st.file.c_str(), std::strerror(errno));
    co_return ex_noinput;
  }
  if (st.failure) {
    std::fprintf(stderr, "kizuna optout: %zu rows were imported before the failure\n", st.written);
    co_return s.unreachable(st.failure);
  }
  std::printf("imported %zu, skipped %zu\n", st.written, st.skipped);
  if (st.kept > 0)
    std::printf("%zu of them were already opted out for that scope and kept their entry (--replace overwrites)\n",
                st.kept);
  co_return st.skipped == 0 ? 0 : ex_dataerr;
}

}  // namespace

int optout_import(redis_session& s, const optout_options& o) {
  const std::string& path = o.args.front();
  if (path == "-") {
    std::ios_base::sync_with_stdio(false);  // stdin is read through std::cin only: let it buffer
    return s.run(import_task(s, o, std::cin, "<stdin>"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "kizuna optout: cannot open %s: %s\n", path.c_str(), std::strerror(errno));
    return ex_noinput;
  }
  return s.run(import_task(s, o, in, path));
}

}  // namespace kizuna::cli
