#include "relay/delivery/fan_out.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "relay/core/log.hpp"

namespace kizuna::delivery {
namespace asio = boost::asio;

asio::awaitable<void> send_copies(asio::any_io_executor ex, destination& dest, const smtp::envelope& env,
                                  const copy_source& make_copy, const std::vector<copy_job>& jobs,
                                  std::vector<smtp::reply>& replies, std::size_t parallel) {
  auto send_one = [&](const copy_job& job) -> asio::awaitable<void> {
    try {
      auto copy = co_await make_copy(job);
      if (!copy) {
        replies[job.index] = std::move(copy.error());
        co_return;
      }
      replies[job.index] = co_await dest.send(env, *job.recipient, *copy, job.gate);
    } catch (const std::exception& e) {
      log::error("{} delivery to <{}> failed: {}", env.id, *job.recipient, e.what());
      replies[job.index] = {451, "4.3.0", "local error in delivery"};
    }
  };
  if (jobs.empty()) co_return;
  if (jobs.size() == 1) {  // the common case: no fan-out machinery
    co_await send_one(jobs.front());
    co_return;
  }
  // `parallel` senders take the next job until none is left.
  std::size_t next = 0;
  std::size_t running = std::clamp<std::size_t>(parallel, 1, jobs.size());
  asio::steady_timer all_done(ex, asio::steady_timer::time_point::max());
  for (std::size_t k = running; k > 0; --k) {
    asio::co_spawn(
        ex,
        [&]() -> asio::awaitable<void> {
          while (next < jobs.size()) co_await send_one(jobs[next++]);
          if (--running == 0) all_done.cancel();
        },
        asio::detached);
  }
  while (running > 0) co_await all_done.async_wait(asio::as_tuple(asio::use_awaitable));
}

}  // namespace kizuna::delivery
