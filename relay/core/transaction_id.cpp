#include "relay/core/transaction_id.hpp"

#include <sys/random.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>

#include <fmt/format.h>

namespace kizuna {
namespace {

uint64_t process_component() {
  uint64_t r = 0;
  // 8 bytes never block nor come short once the kernel's pool is initialized
  // (long before a relay starts); a failure here is a broken system.
  if (::getrandom(&r, sizeof r, 0) != static_cast<ssize_t>(sizeof r)) std::abort();
  return r & 0xFFFFFFFFFFull;
}

const uint64_t process = process_component();

}  // namespace

std::string process_tag() { return fmt::format("{:010X}", process); }

std::string make_transaction_id() {
  static std::atomic<uint32_t> counter{0};
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(now).count();
  return fmt::format("{:08X}{:010X}{:06X}", static_cast<uint32_t>(secs), process, counter.fetch_add(1) & 0xFFFFFF);
}

}  // namespace kizuna
