// Runs coroutines to completion on a test's io_context, with a hard limit so a
// hanging coroutine fails the test instead of hanging the binary. The Redis
// client keeps an idle read pending, so "no more work" never happens: the loop
// runs until the coroutines it started have finished.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <exception>
#include <optional>
#include <string>
#include <vector>

namespace kizuna::test {

// The error of a std::expected as text, or "ok": for test messages, which
// Boost.Test evaluates even when the check passes.
template <class E>
std::string why(const E& result) {
  if (result) return "ok";
  if constexpr (requires { result.error().message(); })
    return result.error().message();
  else
    return std::string(result.error());
}

inline bool run_until(boost::asio::io_context& io, const auto& done, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    if (io.stopped()) io.restart();
    io.run_one_for(std::chrono::milliseconds(20));
  }
  return done();
}

template <class T>
T run_async(boost::asio::io_context& io, boost::asio::awaitable<T> task,
            std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  std::optional<T> result;
  std::exception_ptr error;
  bool finished = false;
  boost::asio::co_spawn(io, std::move(task), [&](std::exception_ptr e, T value) {
    error = e;
    if (!e) result.emplace(std::move(value));
    finished = true;
  });
  BOOST_REQUIRE_MESSAGE(run_until(io, [&] { return finished; }, limit), "coroutine did not finish in time");
  if (error) std::rethrow_exception(error);
  return std::move(*result);
}

// Starts every task at once and runs them all to completion; results in order.
template <class T>
std::vector<T> run_all(boost::asio::io_context& io, std::vector<boost::asio::awaitable<T>> tasks,
                       std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  std::vector<std::optional<T>> results(tasks.size());
  std::exception_ptr error;
  std::size_t finished = 0;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    boost::asio::co_spawn(io, std::move(tasks[i]), [&, i](std::exception_ptr e, T value) {
      if (e) error = e;
      else results[i].emplace(std::move(value));
      ++finished;
    });
  }
  BOOST_REQUIRE_MESSAGE(run_until(io, [&] { return finished == results.size(); }, limit),
                        "only " << finished << " of " << results.size() << " coroutines finished in time");
  if (error) std::rethrow_exception(error);
  std::vector<T> out;
  for (auto& r : results) out.push_back(std::move(*r));
  return out;
}

}  // namespace kizuna::test
