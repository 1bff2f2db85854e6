// In-process cost of dkim::sign (bench/dkim_sign.sh): everything DKIM does for
// one copy — relaxed body hash, relaxed header canonicalization, the signature,
// base64 and the folded field — in a tight loop on warm caches, the least a
// signed copy can cost. Against it, in the same run, the key's bare signature
// (private_key::sign over a digest: what `openssl speed` measures).
//   sign_cost KEY.pem MESSAGE.eml [seconds]
// Prints "dkim_sign_us key_sign_us" (the lowest of three timed runs of each).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "relay/core/dot_stuffing.hpp"
#include "relay/dkim/private_key.hpp"
#include "relay/dkim/signer.hpp"

using namespace kizuna;
using clock_type = std::chrono::steady_clock;

namespace {

// µs per call of f, run for about `seconds`; the lowest of three runs.
template <class F>
double per_call_us(double seconds, F&& f) {
  double best = 1e18;
  for (int run = 0; run < 3; ++run) {
    long n = 0;
    const auto start = clock_type::now();
    const auto until = start + std::chrono::duration<double>(seconds / 3);
    auto now = start;
    do {
      for (int i = 0; i < 16; ++i) f(n + i);
      n += 16;
      now = clock_type::now();
    } while (now < until);
    best = std::min(best, std::chrono::duration<double, std::micro>(now - start).count() / static_cast<double>(n));
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return std::fputs("usage: sign_cost KEY.pem MESSAGE.eml [seconds]\n", stderr), 64;
  const double seconds = argc > 3 ? std::atof(argv[3]) : 3.0;
  auto key = dkim::private_key::load(argv[1]);
  if (!key) return std::fprintf(stderr, "sign_cost: %s\n", key.error().c_str()), 1;
  std::ifstream f(argv[2], std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string message = unstuff_dots(wire_form_of_file(ss.str()));  // the copy as signed: CRLF, unstuffed

  const dkim::signing_key k{"example.com", "s1", *key, {}};
  const dkim::signing_key* keys[] = {&k};
  const dkim::sign_options options{1765000000, {}};
  std::size_t sink = 0;
  const double whole = per_call_us(seconds, [&](long) {
    auto field = dkim::sign(message, keys, options);
    sink += field ? field->size() : 0;
  });
  sha256_digest digest{};
  const double bare = per_call_us(seconds, [&](long i) {
    digest[0] = static_cast<unsigned char>(i);
    sink += (*key)->sign(digest).size();
  });
  if (sink == 0) return 1;
  std::printf("%.2f %.2f\n", whole, bare);
}
