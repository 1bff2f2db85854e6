// When a read from an SMTP client must be complete: absolute deadlines that
// trickled bytes cannot extend (the slow-drip attack: one byte every few
// seconds held a session open forever while each read re-armed the timeout).
// Pure arithmetic on steady_clock time points; the session arms its watchdog
// (deadline.hpp) with the result.
//
// - A command line (server_session.cpp): command_timeout from when the session
//   starts waiting for it; bytes arriving do not move it, and a new line's clock
//   starts only once the previous line was complete.
// - DATA (Postfix smtpd_per_request_deadline + smtpd_min_data_rate): the
//   deadline starts data_timeout after 354; each read of N bytes moves it later
//   by N / min_data_rate seconds, but never past data_timeout from now. A
//   client at or above min_data_rate keeps a full data_timeout in hand (so a
//   large message at a normal rate is fine however long it takes), a stall
//   longer than data_timeout ends the session, and a client below the rate
//   runs out after about data_timeout / (1 - rate / min_data_rate).
//   min_data_rate 0: no credit, data_timeout bounds the whole DATA phase.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace kizuna::smtp {

using read_clock = std::chrono::steady_clock;

class data_deadline {
 public:
  data_deadline(read_clock::duration data_timeout, uint64_t min_data_rate, read_clock::time_point now)
      : timeout_(data_timeout), min_rate_(min_data_rate), at_(now + data_timeout) {}

  // n bytes of DATA arrived at `now`.
  void received(std::size_t n, read_clock::time_point now) {
    if (min_rate_ == 0) return;
    at_ = std::min(at_ + credit(n), now + timeout_);
  }
  read_clock::time_point at() const { return at_; }

 private:
  // n / min_rate seconds, at most the whole timeout (no overflow for any n).
  read_clock::duration credit(std::size_t n) const {
    using std::chrono::nanoseconds;
    const auto cap = std::chrono::duration_cast<nanoseconds>(timeout_);
    // Past this many bytes the credit is the cap anyway; below it n * 1e9 fits in 64 bits.
    constexpr uint64_t small = uint64_t{1} << 32;
    if (n >= small) return timeout_;
    const auto ns = nanoseconds(static_cast<int64_t>(n * uint64_t{1'000'000'000} / min_rate_));
    return std::chrono::duration_cast<read_clock::duration>(std::min(ns, cap));
  }

  read_clock::duration timeout_;
  uint64_t min_rate_;
  read_clock::time_point at_;
};

}  // namespace kizuna::smtp
