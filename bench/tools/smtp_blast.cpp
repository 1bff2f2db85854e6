// smtp_blast: the benchmarks' SMTP load generator. Postfix's smtp-source sends
// only generated bodies; the personalization benchmark needs a real MIME message
// with merge fields and many recipients per message.
//
//   smtp_blast --to HOST:PORT --message FILE.eml --messages N --sessions S --rcpts R
//              [--rcpt-pattern 'u%d@example.com'] [--distinct D] [--from ADDR] [--timeout SECONDS]
//
// S sessions share N messages; each session says EHLO once, then per message
// MAIL FROM, R RCPT TO (address index message*R + k, modulo D when given) and
// DATA, pipelined when the server offers PIPELINING (RFC 2920). The file is read
// once, converted to CRLF and dot-stuffed (RFC 5321 §4.5.2) at start-up.
// Every reply is checked; a reply other than the expected class counts as one
// failure and the first few are printed to stderr. Output, one line on stdout:
//   messages=<accepted> recipients=<accepted in accepted messages> seconds=<T> failures=<F>
// Exit status: 0 done (failures are reported, not fatal), 1 connection or
// protocol error (including a reply timeout), 64 usage.
// Single-threaded: one io_context, so the counters need no locking.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <expected>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {
namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

constexpr std::size_t max_reply_bytes = 64 * 1024;  // an EHLO reply is well under 1 KB
constexpr int max_samples = 5;                      // failures printed in full

struct options {
  std::string host, port, message_file;
  std::string from = "bench@example.org";
  std::string prefix = "u", suffix = "@example.com";  // --rcpt-pattern split at its %d
  long messages = 0, distinct = 0;
  int sessions = 0, rcpts = 0, timeout_s = 120;
};

struct totals {
  long next = 0;  // next message index to send
  long messages = 0, recipients = 0, failures = 0;
  std::string fatal;  // the first connection or protocol error
};

struct reply {
  int code = 0;
  std::string text;  // every line, '\n'-separated
};

// One client connection; the watchdog shares it, so it outlives a pending timer wait.
struct connection {
  explicit connection(asio::any_io_executor ex) : socket(ex), deadline(ex) {}
  tcp::socket socket;
  asio::steady_timer deadline;
  std::string in;
};

// Closes the socket when a read or write takes longer than the deadline set before it.
asio::awaitable<void> watchdog(std::shared_ptr<connection> c) {
  while (c->socket.is_open()) {
    co_await c->deadline.async_wait(tuple_awaitable);
    if (c->deadline.expiry() <= asio::steady_timer::clock_type::now()) {
      error_code ignored;
      c->socket.close(ignored);
    }
  }
}

asio::awaitable<std::expected<reply, error_code>> read_reply(connection& c, int timeout_s) {
  reply r;
  for (;;) {
    c.deadline.expires_after(std::chrono::seconds(timeout_s));
    auto [ec, n] = co_await asio::async_read_until(c.socket, asio::dynamic_buffer(c.in, max_reply_bytes), "\r\n",
                                                   tuple_awaitable);
    if (ec) co_return std::unexpected(ec);
    std::string_view line(c.in.data(), n - 2);
    int code = 0;
    if (line.size() < 3 || std::from_chars(line.data(), line.data() + 3, code).ptr != line.data() + 3)
      co_return std::unexpected(make_error_code(boost::system::errc::protocol_error));
    r.code = code;
    r.text.append(line).push_back('\n');
    const bool more = line.size() > 3 && line[3] == '-';
    c.in.erase(0, n);
    if (!more) co_return r;
  }
}

asio::awaitable<error_code> write_all(connection& c, std::string_view bytes, int timeout_s) {
  c.deadline.expires_after(std::chrono::seconds(timeout_s));
  auto [ec, n] = co_await asio::async_write(c.socket, asio::buffer(bytes), tuple_awaitable);
  (void)n;
  co_return ec;
}

void note_failure(totals& t, long message, std::string_view command, const reply& r) {
  if (t.failures++ < max_samples)
    std::fprintf(stderr, "smtp_blast: message %ld: %.*s -> %s", message, int(command.size()), command.data(),
                 r.text.c_str());
}

std::string address(const options& o, long index) {
  if (o.distinct > 0) index %= o.distinct;
  return o.prefix + std::to_string(index) + o.suffix;
}

// One session: connect, EHLO, then messages until none are left, then QUIT.
asio::awaitable<void> session(const options& o, const std::string& body, totals& t) {
  auto ex = co_await asio::this_coro::executor;
  auto c = std::make_shared<connection>(ex);
  auto fail = [&](std::string_view what, error_code ec) {
    if (t.fatal.empty()) t.fatal = std::string(what) + (ec ? ": " + ec.message() : "");
  };

  tcp::resolver resolver(ex);
  auto [rec, endpoints] = co_await resolver.async_resolve(o.host, o.port, tuple_awaitable);
  if (rec) co_return fail("resolve", rec);
  auto [cec, ep] = co_await asio::async_connect(c->socket, endpoints, tuple_awaitable);
  (void)ep;
  if (cec) co_return fail("connect", cec);
  c->socket.set_option(tcp::no_delay(true));  // see DESIGN: Nagle + delayed ACK stalls
  asio::co_spawn(ex, watchdog(c), asio::detached);

  // On return, end the watchdog with the socket.
  struct closer {
    connection& c;
    ~closer() {
      error_code ignored;
      c.socket.close(ignored);
      c.deadline.cancel();
    }
  } close_on_exit{*c};

  auto expect = [&](std::string_view command) -> asio::awaitable<std::expected<reply, error_code>> {
    auto r = co_await read_reply(*c, o.timeout_s);
    if (!r) fail(command, r.error());
    co_return r;
  };

  auto greeting = co_await expect("greeting");
  if (!greeting) co_return;
  if (greeting->code / 100 != 2) co_return fail("greeting " + greeting->text, {});
  if (auto ec = co_await write_all(*c, "EHLO blast.example.org\r\n", o.timeout_s)) co_return fail("EHLO", ec);
  auto ehlo = co_await expect("EHLO");
  if (!ehlo) co_return;
  if (ehlo->code / 100 != 2) co_return fail("EHLO " + ehlo->text, {});
  const bool pipelining = ehlo->text.find("PIPELINING") != std::string::npos;

  std::vector<std::string> commands;
  while (t.next < o.messages) {
    const long m = t.next++;
    commands.clear();
    commands.push_back("MAIL FROM:<" + o.from + ">\r\n");
    for (int k = 0; k < o.rcpts; ++k) commands.push_back("RCPT TO:<" + address(o, m * o.rcpts + k) + ">\r\n");
    commands.push_back("DATA\r\n");

    if (pipelining) {
      std::string group;
      for (const auto& cmd : commands) group += cmd;
      if (auto ec = co_await write_all(*c, group, o.timeout_s)) co_return fail("MAIL", ec);
    }
    long accepted = 0;
    bool data_ok = false;
    for (std::size_t i = 0; i < commands.size(); ++i) {
      const std::string_view cmd(commands[i].data(), commands[i].size() - 2);
      if (!pipelining)
        if (auto ec = co_await write_all(*c, commands[i], o.timeout_s)) co_return fail(cmd, ec);
      auto r = co_await expect(cmd);
      if (!r) co_return;
      const bool is_data = i + 1 == commands.size();
      const bool ok = is_data ? r->code == 354 : r->code / 100 == 2;
      if (!ok) note_failure(t, m, cmd, *r);
      if (ok && is_data) data_ok = true;
      if (ok && i > 0 && !is_data) ++accepted;
      // Unpipelined, DATA is pointless once MAIL or every RCPT failed.
      if (!pipelining && !ok && (i == 0 || (i + 2 == commands.size() && accepted == 0))) break;
    }

    if (data_ok) {
      if (auto ec = co_await write_all(*c, body, o.timeout_s)) co_return fail("message body", ec);
      auto r = co_await expect("end of data");
      if (!r) co_return;
      if (r->code / 100 == 2) {
        ++t.messages;
        t.recipients += accepted;
      } else {
        note_failure(t, m, "end of data", *r);
      }
    } else {
      if (auto ec = co_await write_all(*c, "RSET\r\n", o.timeout_s)) co_return fail("RSET", ec);
      if (auto r = co_await expect("RSET"); !r) co_return;
    }
  }
  if (!co_await write_all(*c, "QUIT\r\n", o.timeout_s)) (void)co_await read_reply(*c, o.timeout_s);
}

// The file's bytes with CRLF line ends, dot-stuffed, ending with the "." line.
std::string wire_body(const std::string& raw) {
  std::string out;
  out.reserve(raw.size() + raw.size() / 32 + 8);
  std::size_t at = 0;
  while (at < raw.size()) {
    std::size_t nl = raw.find('\n', at);
    std::size_t end = nl == std::string::npos ? raw.size() : nl;
    std::string_view line(raw.data() + at, end - at);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty() && line.front() == '.') out.push_back('.');
    out.append(line).append("\r\n");
    at = nl == std::string::npos ? raw.size() : nl + 1;
  }
  return out + ".\r\n";
}

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "smtp_blast: %s\nusage: smtp_blast --to HOST:PORT --message FILE.eml --messages N --sessions S "
               "--rcpts R\n       [--rcpt-pattern 'u%%d@example.com'] [--distinct D] [--from ADDR] "
               "[--timeout SECONDS]\n",
               why);
  std::exit(64);
}

long number(std::string_view s, long lo, long hi, const char* name) {
  long v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || v < lo || v > hi)
    usage((std::string(name) + ": expected a number in " + std::to_string(lo) + ".." + std::to_string(hi)).c_str());
  return v;
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; i += 2) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc) usage("missing value");
    const std::string_view v = argv[i + 1];
    if (flag == "--to") {
      const auto colon = v.rfind(':');
      if (colon == std::string_view::npos) usage("--to: expected HOST:PORT");
      o.host = v.substr(0, colon);
      o.port = v.substr(colon + 1);
    } else if (flag == "--message") {
      o.message_file = v;
    } else if (flag == "--messages") {
      o.messages = number(v, 1, 100'000'000, "--messages");
    } else if (flag == "--sessions") {
      o.sessions = int(number(v, 1, 1000, "--sessions"));
    } else if (flag == "--rcpts") {
      o.rcpts = int(number(v, 1, 100'000, "--rcpts"));
    } else if (flag == "--distinct") {
      o.distinct = number(v, 1, 100'000'000, "--distinct");
    } else if (flag == "--timeout") {
      o.timeout_s = int(number(v, 1, 3600, "--timeout"));
    } else if (flag == "--from") {
      o.from = v;
    } else if (flag == "--rcpt-pattern") {
      const auto d = v.find("%d");
      if (d == std::string_view::npos || v.find('%', d + 2) != std::string_view::npos)
        usage("--rcpt-pattern: expected exactly one %d");
      o.prefix = v.substr(0, d);
      o.suffix = v.substr(d + 2);
    } else {
      usage(("unknown option " + std::string(flag)).c_str());
    }
  }
  if (o.host.empty() || o.message_file.empty() || !o.messages || !o.sessions || !o.rcpts)
    usage("--to, --message, --messages, --sessions and --rcpts are required");
  // Distinct addresses within one message, or the server would see duplicate RCPTs.
  if (o.distinct && o.distinct < o.rcpts) usage("--distinct must be at least --rcpts");
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const options o = parse(argc, argv);
  std::ifstream in(o.message_file, std::ios::binary);
  if (!in) usage(("cannot read " + o.message_file).c_str());
  std::ostringstream raw;
  raw << in.rdbuf();
  const std::string body = wire_body(raw.str());

  asio::io_context ctx(1);
  totals t;
  const auto start = std::chrono::steady_clock::now();
  const long sessions = std::min<long>(o.sessions, o.messages);
  for (long s = 0; s < sessions; ++s)
    asio::co_spawn(ctx, session(o, body, t), [&t](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& x) {
        if (t.fatal.empty()) t.fatal = x.what();
      }
    });
  ctx.run();
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;

  std::printf("messages=%ld recipients=%ld seconds=%.3f failures=%ld\n", t.messages, t.recipients, took.count(),
              t.failures);
  if (!t.fatal.empty()) {
    std::fprintf(stderr, "smtp_blast: %s\n", t.fatal.c_str());
    return 1;
  }
  return 0;
}
