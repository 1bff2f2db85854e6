// Fuzz target: SMTP line framing, the command parser and the server protocol
// state machine (relay/smtp/line_framer, command_parser, server_protocol).
//
// Input: a client's byte stream; the last bytes choose the settings and how
// the stream is cut into reads (FuzzedDataProvider takes integers from the end).
// Oracles:
//  - the framer returns exactly the lines of a reference splitter (text, CR or
//    bare LF, too_long past max_line), whatever the read sizes; what it keeps
//    buffered is the unfinished last line; capacity() stays within max_line + 1
//    + the read size (a bounded buffer whatever the client sends);
//  - lines that are not too long, joined with their endings, rebuild the input
//    up to its last LF;
//  - a parsed path or argument holds no CR, LF or NUL;
//  - every reply the protocol sends is whole CRLF lines "ddd" + ' ' or '-', with
//    no other CR or LF (echoed client text cannot inject a reply line);
//  - a close action ends the session.
// A mini session plays the session's part: RCPT verdicts, AUTH results,
// STARTTLS (framer reset) and DATA through data_assembler.
#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "relay/smtp/command_parser.hpp"
#include "relay/smtp/data_assembler.hpp"
#include "relay/smtp/line_framer.hpp"
#include "relay/smtp/sasl.hpp"
#include "relay/smtp/server_protocol.hpp"

using namespace kizuna::smtp;
using kizuna::fuzz::chunker;

namespace {

struct model_line {
  std::string text;
  bool bare_lf;
  bool too_long;
};

// The framer's contract, written the obvious way over the whole input.
std::vector<model_line> reference_lines(std::string_view in, std::size_t max_line) {
  std::vector<model_line> out;
  std::size_t start = 0;
  for (std::size_t lf; (lf = in.find('\n', start)) != std::string_view::npos; start = lf + 1) {
    std::string_view line = in.substr(start, lf - start);
    const bool cr = !line.empty() && line.back() == '\r';
    if (cr) line.remove_suffix(1);
    if (line.size() > max_line) out.push_back({{}, !cr, true});
    else out.push_back({std::string(line), !cr, false});
  }
  return out;
}

void read_into(line_framer& f, std::string_view& rest, std::size_t read_size) {
  auto space = f.prepare(read_size);
  const std::size_t n = std::min({rest.size(), space.size(), read_size});
  std::memcpy(space.data(), rest.data(), n);
  f.commit(n);
  rest.remove_prefix(n);
}

void check_framer(std::string_view in, std::size_t max_line, std::size_t read_max, std::uint64_t seed) {
  const auto expected = reference_lines(in, max_line);
  line_framer f(max_line);
  chunker cuts(seed, read_max);
  std::string_view rest = in;
  std::size_t i = 0;
  std::string rebuilt;
  bool any_long = false;
  std::size_t largest = 0;  // the buffer never shrinks: bounded by the largest read so far
  while (!rest.empty()) {
    const std::size_t read_size = cuts.next();
    largest = std::max(largest, read_size);
    read_into(f, rest, read_size);
    FUZZ_CHECK(f.capacity() <= max_line + 1 + largest, in);
    while (auto line = f.next()) {
      FUZZ_CHECK(i < expected.size(), in);
      const auto& e = expected[i++];
      FUZZ_CHECK(line->too_long == e.too_long, in);
      FUZZ_CHECK(line->bare_lf == e.bare_lf, in);
      FUZZ_CHECK(line->text == e.text, in);
      FUZZ_CHECK(line->text.size() <= max_line, in);
      any_long = any_long || line->too_long;
      rebuilt.append(line->text).append(line->bare_lf ? "\n" : "\r\n");
    }
  }
  FUZZ_CHECK(i == expected.size(), in);
  const std::size_t last_lf = in.rfind('\n');
  const std::string_view tail = last_lf == std::string_view::npos ? in : in.substr(last_lf + 1);
  if (tail.size() <= max_line + 1) FUZZ_CHECK(f.buffered() == tail.size(), in);
  if (!any_long) FUZZ_CHECK(rebuilt == in.substr(0, in.size() - tail.size()), in);
}

bool clean(std::string_view s) { return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos; }

// Whole reply lines: "ddd" then ' ' or '-', CRLF-terminated, no other CR/LF.
bool well_formed_replies(std::string_view wire) {
  while (!wire.empty()) {
    const auto end = wire.find("\r\n");
    if (end == std::string_view::npos) return false;
    const std::string_view line = wire.substr(0, end);
    if (line.size() < 4 || !clean(line)) return false;
    for (int k = 0; k < 3; ++k)
      if (line[k] < '0' || line[k] > '9') return false;
    if (line[3] != ' ' && line[3] != '-') return false;
    wire.remove_prefix(end + 2);
  }
  return true;
}

void check_parser(std::string_view text) {
  auto c = parse_command(text);
  if (!c) {
    FUZZ_CHECK(c.error().code >= 500 && c.error().code < 600, text);
    FUZZ_CHECK(well_formed_replies(c.error().wire()), text);
    return;
  }
  FUZZ_CHECK(clean(c->path), text);
  FUZZ_CHECK(clean(c->argument), text);
  if (c->kind == verb::mail || c->kind == verb::rcpt) FUZZ_CHECK(c->path.size() <= max_path, text);
  if (c->kind == verb::mail && !c->params.smtputf8) FUZZ_CHECK(is_ascii(c->path), text);
}

void run_session(std::string_view in, std::uint32_t cfg, std::uint64_t seed) {
  protocol_settings s;
  s.hostname = "mx.kizuna.test";
  s.lmtp = cfg & 1;
  s.client_allowed = cfg & 2;
  s.starttls = cfg & 4;
  s.tls_required = cfg & 8;
  s.auth = cfg & 16;
  s.max_message_bytes = 64 + ((cfg >> 5) & 0xfff);
  s.max_recipients = 1 + ((cfg >> 17) & 7);
  s.max_errors = 1 + ((cfg >> 20) & 15);
  const bool auth_ok = cfg & (1u << 24);
  const bool rcpt_ok = cfg & (1u << 25);
  const std::size_t data_line = 16 + ((cfg >> 26) & 63) * 16;

  server_protocol p(s);
  FUZZ_CHECK(well_formed_replies(p.greeting()), in);
  line_framer f(max_command_line - 2);
  chunker cuts(seed, 4096);
  std::string_view rest = in;
  std::optional<data_assembler> data;
  std::size_t read_max = 0;
  auto respond = [&](server_protocol::response r) {
    if (r.next == server_protocol::action::authenticate) {
      r = p.auth_finished(auth_ok);
    } else if (r.next == server_protocol::action::check_recipient) {
      FUZZ_CHECK(clean(p.pending_recipient()), in);
      r = p.recipient_checked(rcpt_ok ? replies::recipient_ok() : reply{550, "5.7.1", "refused by policy"});
    }
    FUZZ_CHECK(well_formed_replies(r.wire), in);
    return r.next;
  };
  while (!rest.empty()) {
    const std::size_t read_size = cuts.next();
    read_max = std::max(read_max, read_size);
    read_into(f, rest, read_size);
    FUZZ_CHECK(f.capacity() <= std::max(max_sasl_line, data_line) + 1 + read_max, in);
    for (;;) {
      if (data) {
        data->feed_plain_lines(f.take_plain_lines());
        auto line = f.next();
        if (!line) break;
        if (data->feed(*line) == data_assembler::status::done) {
          const std::string body = data->take();
          FUZZ_CHECK(body.size() <= 2 * s.max_message_bytes + 2, in);  // bare CR -> CRLF adds a byte
          if (data->too_large() || data->had_long_line()) {
            if (respond(p.note_error(replies::message_too_large())) == server_protocol::action::close) return;
          }
          p.end_transaction();
          data.reset();
          f.set_max_line(max_command_line - 2);
        }
        continue;
      }
      auto line = f.next();
      if (!line) break;
      if (!line->too_long) check_parser(line->text);
      const auto next = respond(p.on_line(*line));
      f.set_max_line(p.in_sasl_exchange() ? max_sasl_line : max_command_line - 2);
      if (next == server_protocol::action::close) return;
      if (next == server_protocol::action::start_tls) {
        f = line_framer(max_command_line - 2);  // what was pipelined behind STARTTLS is dropped
        p.tls_started();
        break;
      }
      if (next == server_protocol::action::start_data) {
        data.emplace(s.max_message_bytes, p.current().params.size.value_or(0));
        f.set_max_line(data_line);
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  FuzzedDataProvider fdp(bytes, size);
  const auto cfg = fdp.ConsumeIntegral<std::uint32_t>();
  const auto seed = fdp.ConsumeIntegral<std::uint16_t>();
  const std::string in = fdp.ConsumeRemainingBytesAsString();
  static constexpr std::size_t max_lines[] = {1, 2, 8, 64, 510, 1000};
  const std::size_t max_line = max_lines[cfg % 6];
  check_framer(in, max_line, 1 + (cfg >> 8) % 600, seed);
  run_session(in, cfg, seed);
  return 0;
}
