// Fuzz target: the RESP decoder and encoder (relay/store/resp: hiredis'
// redisReader behind resp::decoder, and append_command).
//
// Input: bytes a Redis server (or something pretending to be one) sends; the
// last bytes choose the read sizes and the reply size limit.
// Oracles:
//  - the decoder never crashes; once failed it stays failed;
//  - with a limit the input cannot reach, the replies and the failure point do
//    not depend on how the bytes are cut into reads;
//  - every decoded reply, written back as RESP, decodes to the same value;
//  - append_command(args) decodes to an array of those args as bulk strings;
//  - with a small limit, a reply larger than the limit is refused rather than
//    buffered (feed() fails once the bytes of one reply pass it).
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "relay/store/resp.hpp"

using namespace kizuna;
using kizuna::store::redis_value;

namespace {

struct decoded {
  std::vector<redis_value> values;
  bool failed = false;
};

decoded decode(std::string_view in, std::size_t max_reply, std::uint64_t seed) {
  store::resp::decoder d(max_reply);
  kizuna::fuzz::chunker cuts(seed, 512);
  decoded out;
  while (!in.empty() && !out.failed) {
    const std::size_t n = std::min(in.size(), cuts.next());
    if (d.feed(in.data(), n)) {
      out.failed = true;
      break;
    }
    in.remove_prefix(n);
    for (;;) {
      auto r = d.next();
      if (!r) {
        out.failed = true;
        break;
      }
      if (!*r) break;
      out.values.push_back(std::move(**r));
    }
  }
  if (out.failed) {
    FUZZ_CHECK(!d.next().has_value(), in);
    FUZZ_CHECK(d.feed("+OK\r\n", 5), in);
  }
  return out;
}

void encode(const redis_value& v, std::string& out) {
  switch (v.type) {
    case redis_value::kind::nil: out += "$-1\r\n"; break;
    case redis_value::kind::integer: out += ":" + std::to_string(v.integer) + "\r\n"; break;
    case redis_value::kind::string: out += "$" + std::to_string(v.str.size()) + "\r\n" + v.str + "\r\n"; break;
    case redis_value::kind::status: out += "+" + v.str + "\r\n"; break;
    case redis_value::kind::error: out += "-" + v.str + "\r\n"; break;
    case redis_value::kind::array:
      out += "*" + std::to_string(v.elements.size()) + "\r\n";
      for (const auto& e : v.elements) encode(e, out);
      break;
  }
}

bool equal(const redis_value& a, const redis_value& b) {
  if (a.type != b.type || a.integer != b.integer || a.str != b.str || a.elements.size() != b.elements.size())
    return false;
  for (std::size_t i = 0; i < a.elements.size(); ++i)
    if (!equal(a.elements[i], b.elements[i])) return false;
  return true;
}

bool simple_text(std::string_view s) { return s.find_first_of("\r\n") == std::string_view::npos; }

bool encodable(const redis_value& v) {
  if ((v.type == redis_value::kind::status || v.type == redis_value::kind::error) && !simple_text(v.str))
    return false;
  for (const auto& e : v.elements)
    if (!encodable(e)) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  FuzzedDataProvider fdp(bytes, size);
  const auto seed = fdp.ConsumeIntegral<std::uint16_t>();
  const auto small = fdp.ConsumeIntegralInRange<std::size_t>(1, 256);
  const std::string in = fdp.ConsumeRemainingBytesAsString();

  constexpr std::size_t unlimited = 64u << 20;
  const decoded whole = decode(in, unlimited, 0);
  const decoded cut = decode(in, unlimited, seed);
  FUZZ_CHECK(whole.failed == cut.failed && whole.values.size() == cut.values.size(), in);
  for (std::size_t i = 0; i < whole.values.size(); ++i) FUZZ_CHECK(equal(whole.values[i], cut.values[i]), in);

  for (const auto& v : whole.values) {
    if (!encodable(v)) continue;
    std::string wire;
    encode(v, wire);
    const decoded back = decode(wire, unlimited, 0);
    FUZZ_CHECK(!back.failed && back.values.size() == 1 && equal(back.values[0], v), wire);
  }

  const decoded limited = decode(in, small, seed);
  FUZZ_CHECK(limited.values.size() <= whole.values.size(), in);

  // append_command: the input's lines as arguments.
  std::vector<std::string> args;
  for (std::size_t start = 0; start < in.size() && args.size() < 16;) {
    auto end = in.find('\n', start);
    if (end == std::string::npos) end = in.size();
    args.push_back(in.substr(start, end - start));
    start = end + 1;
  }
  std::string wire;
  FUZZ_CHECK(store::resp::append_command(wire, args) == !args.empty(), in);
  if (!args.empty()) {
    const decoded back = decode(wire, unlimited, seed);
    FUZZ_CHECK(!back.failed && back.values.size() == 1, wire);
    const redis_value& v = back.values[0];
    FUZZ_CHECK(v.type == redis_value::kind::array && v.elements.size() == args.size(), wire);
    for (std::size_t i = 0; i < args.size(); ++i)
      FUZZ_CHECK(v.elements[i].type == redis_value::kind::string && v.elements[i].str == args[i], wire);
  }
  return 0;
}
