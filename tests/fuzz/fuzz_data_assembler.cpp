// Fuzz target: DATA assembly (relay/smtp/data_assembler) fed by line_framer,
// the way server_session does: whole runs of plain lines through
// take_plain_lines()/feed_plain_lines(), the rest line by line.
//
// Input: the bytes a client sends after 354; the last bytes choose the limits
// and the read sizes.
// Oracles:
//  - fast path (take_plain_lines + next) and line-by-line (next only, other
//    read sizes) give the same outcome: done or not, the stored bytes (within
//    the limits; past one the message is refused), the size
//    counted, the too_large / long_line / bare_lf flags, the bytes consumed;
//  - a stored message (done, within limits) is wire form that cannot end DATA
//    early or smuggle a second one: no line is "." (no CRLF.CRLF, not starting
//    with ".CRLF"), every line starting with '.' is stuffed (".."), it is empty
//    or ends in CRLF, every LF follows a CR; and, once data_assembler handles
//    bare CR and NUL (issue 10 item 4: had_bare_cr() exists; the default mode
//    normalizes), no CR that is not before LF and no NUL;
//  - stored bytes stay bounded by max_message_bytes (at most twice it: bare CRs
//    normalized to CRLF add a byte each).
#include <algorithm>
#include <cstring>
#include <string>

#include "fuzz_support.hpp"
#include "relay/smtp/data_assembler.hpp"
#include "relay/smtp/line_framer.hpp"

using namespace kizuna::smtp;
using kizuna::fuzz::chunker;

namespace {

// Bare CR and NUL never reach the stored message once data_assembler has its
// bare-newline handling (issue 10 item 4); before that only CRLF.CRLF is checked.
template <class D>
concept handles_bare_cr = requires(const D& d) { d.had_bare_cr(); };
constexpr bool strict = handles_bare_cr<data_assembler>;
template <class D>
bool bare_cr_of(const D& d) {
  if constexpr (handles_bare_cr<D>) return d.had_bare_cr() || d.had_nul();
  else return false;
}

struct outcome {
  bool done = false;
  std::string stored;
  std::uint64_t size = 0;
  bool too_large = false, long_line = false, bare_lf = false, bare_cr = false;
  std::size_t consumed = 0;  // input bytes taken by the assembler (the rest is the next command)
};

outcome assemble(std::string_view in, std::size_t max_line, std::uint64_t max_bytes, std::uint64_t seed,
                 std::size_t read_max, bool fast) {
  line_framer f(max_line);
  // SIZE= pre-sizes the buffer (capped by the limit): kept small here, since a
  // 512 MiB reservation per input is what would make the run slow.
  data_assembler d(max_bytes, seed % 3 == 0 ? std::min<std::uint64_t>(max_bytes, 1u << 16) / 2 : 0);
  chunker cuts(seed, read_max);
  std::string_view rest = in;
  outcome o;
  while (!o.done && !rest.empty()) {
    const std::size_t want = cuts.next();
    auto space = f.prepare(want);
    const std::size_t n = std::min({rest.size(), space.size(), want});
    std::memcpy(space.data(), rest.data(), n);
    f.commit(n);
    rest.remove_prefix(n);
    for (;;) {
      if (fast) d.feed_plain_lines(f.take_plain_lines());
      auto line = f.next();
      if (!line) break;
      if (d.feed(*line) == data_assembler::status::done) {
        o.done = true;
        break;
      }
    }
  }
  o.consumed = in.size() - rest.size() - f.buffered();
  o.size = d.size();
  o.too_large = d.too_large();
  o.long_line = d.had_long_line();
  o.bare_lf = d.had_bare_lf();
  o.bare_cr = bare_cr_of(d);
  o.stored = d.take();
  return o;
}

void check_wire_form(std::string_view in, std::string_view m) {
  FUZZ_CHECK(!m.starts_with(".\r\n"), in);
  FUZZ_CHECK(m.find("\r\n.\r\n") == std::string_view::npos, in);
  FUZZ_CHECK(m.empty() || m.ends_with("\r\n"), in);
  for (std::size_t i = 0; i < m.size(); ++i) {
    if (m[i] == '\n') FUZZ_CHECK(i > 0 && m[i - 1] == '\r', in);
    const bool line_start = i == 0 || m[i - 1] == '\n';
    if (line_start && m[i] == '.') FUZZ_CHECK(i + 1 < m.size() && m[i + 1] == '.', in);
    if constexpr (strict) {
      if (m[i] == '\r') FUZZ_CHECK(i + 1 < m.size() && m[i + 1] == '\n', in);
      FUZZ_CHECK(m[i] != '\0', in);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  FuzzedDataProvider fdp(bytes, size);
  const auto cfg = fdp.ConsumeIntegral<std::uint32_t>();
  const auto seed = fdp.ConsumeIntegral<std::uint16_t>();
  const std::string in = fdp.ConsumeRemainingBytesAsString();
  static constexpr std::size_t max_lines[] = {1, 4, 16, 78, 998, 65536};
  static constexpr std::uint64_t max_sizes[] = {0, 10, 100, 1000, 1u << 20, 1u << 30};
  const std::size_t max_line = max_lines[cfg % 6];
  const std::uint64_t max_bytes = max_sizes[(cfg >> 3) % 6];
  const std::size_t read_max = 1 + (cfg >> 6) % 4096;

  const outcome fast = assemble(in, max_line, max_bytes, seed, read_max, true);
  const outcome slow = assemble(in, max_line, max_bytes, seed * 7 + 1, 1 + (cfg >> 18) % 700, false);
  FUZZ_CHECK(fast.done == slow.done, in);
  // Past a limit the message is refused: how much was stored before is not compared.
  if (!fast.too_large && !fast.long_line)
    FUZZ_CHECK(fast.stored == slow.stored, kizuna::fuzz::first_difference(fast.stored, slow.stored));
  FUZZ_CHECK(fast.size == slow.size, in);
  FUZZ_CHECK(fast.too_large == slow.too_large, in);
  FUZZ_CHECK(fast.long_line == slow.long_line, in);
  FUZZ_CHECK(fast.bare_lf == slow.bare_lf, in);
  FUZZ_CHECK(fast.bare_cr == slow.bare_cr, in);
  FUZZ_CHECK(fast.consumed == slow.consumed, in);
  // Memory stays bounded by the limit. Normalizing a bare CR to CRLF stores a
  // byte the client did not send (counted: the client's bytes), hence the 2x.
  FUZZ_CHECK(fast.stored.size() <= 2 * max_bytes + 2, in);
  if (fast.done && !fast.too_large && !fast.long_line) check_wire_form(in, fast.stored);
  return 0;
}
