// redis_client against a real redis-server (tests/support/redis_server).
#include "relay/store/redis_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <stdexcept>
#include <string>
#include <variant>

#include "tests/integration/store/run_async.hpp"
#include "tests/support/redis_server.hpp"

namespace asio = boost::asio;
using namespace std::chrono_literals;
using kizuna::errc;
using kizuna::error_code;
using kizuna::store::redis_client;
using kizuna::store::redis_command;
using kizuna::store::redis_options;
using kizuna::store::redis_value;
using kizuna::test::redis_server;
using kizuna::test::run_all;
using kizuna::test::run_async;
using kizuna::test::why;

namespace {

using value_result = std::expected<redis_value, error_code>;
using pipeline_result = std::expected<std::vector<redis_value>, error_code>;

redis_options options_for(const redis_server& server, std::chrono::milliseconds timeout = 1s) {
  redis_options o;
  o.address = server.address();
  o.timeout = timeout;
  return o;
}

value_result call(asio::io_context& io, redis_client& client, redis_command cmd) {
  return run_async(io, client.command(std::move(cmd)));
}

// Polls `INFO clients` on a separate connection until a client is blocked in
// BLPOP, i.e. the request under test has really been written.
asio::awaitable<void> wait_until_blocked(const redis_server& server) {
  redis_client probe(co_await asio::this_coro::executor, options_for(server));
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  // (Commands are built outside co_await: GCC 12 miscompiles a braced list there.)
  const redis_command info_clients{"INFO", "clients"};
  while (std::chrono::steady_clock::now() < deadline) {
    auto info = co_await probe.command(info_clients);
    if (info && info->str.find("blocked_clients:1") != std::string::npos) co_return;
  }
  throw std::runtime_error("the BLPOP never blocked");
}

// (Free functions, not lambdas: a coroutine lambda's captures die with the
// temporary closure, before the coroutine runs.)
asio::awaitable<value_result> kill_when_blocked(redis_server& server) {
  co_await wait_until_blocked(server);
  server.kill();
  co_return redis_value{};
}

asio::awaitable<value_result> close_when_blocked(const redis_server& server, redis_client& client) {
  co_await wait_until_blocked(server);
  client.close();
  co_return redis_value{};
}

// Starts a BLPOP, gives up on it after 30 ms (cancelling the call), then asks
// for ECHO. Returns which branch won the race and the ECHO's result.
asio::awaitable<std::pair<std::size_t, value_result>> abandon_blpop_then_echo(redis_client& client) {
  using namespace asio::experimental::awaitable_operators;
  asio::steady_timer give_up(co_await asio::this_coro::executor, 30ms);
  const redis_command blpop{"BLPOP", "empty", "0.2"}, echo{"ECHO", "mine"};
  auto raced = co_await (client.command(blpop) || give_up.async_wait(asio::as_tuple(asio::use_awaitable)));
  if (raced.index() == 0) co_return std::pair{std::size_t{0}, std::get<0>(std::move(raced))};
  // The BLPOP was abandoned; its nil reply must be discarded, not given to ECHO.
  co_return std::pair{std::size_t{1}, co_await client.command(echo)};
}

struct fixture {
  redis_server server;
  asio::io_context io;
};

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(redis_client_tests, fixture)

BOOST_AUTO_TEST_CASE(single_command_round_trip) {
  redis_client client(io.get_executor(), options_for(server));
  auto set = call(io, client, {"SET", "greeting", "こんにちは"});
  BOOST_REQUIRE(set);
  BOOST_TEST((set->type == redis_value::kind::status));
  BOOST_TEST(set->str == "OK");
  auto get = call(io, client, {"GET", "greeting"});
  BOOST_REQUIRE(get);
  BOOST_TEST((get->type == redis_value::kind::string));
  BOOST_TEST(get->str == "こんにちは");
}

BOOST_AUTO_TEST_CASE(values_are_binary_safe) {
  redis_client client(io.get_executor(), options_for(server));
  const std::string bytes("a\0b\r\nc\xff", 7);
  BOOST_REQUIRE(call(io, client, {"SET", "bin", bytes}));
  auto get = call(io, client, {"GET", "bin"});
  BOOST_REQUIRE(get);
  BOOST_TEST(get->str == bytes);
}

BOOST_AUTO_TEST_CASE(pipeline_of_1000_commands_returns_replies_in_order) {
  redis_client client(io.get_executor(), options_for(server));
  std::vector<redis_command> commands;
  for (int i = 0; i < 1000; ++i) {
    if (i % 2 == 0)
      commands.push_back({"ECHO", "v" + std::to_string(i)});
    else
      commands.push_back({"INCR", "counter"});
  }
  auto replies = run_async(io, client.pipeline(commands));
  BOOST_REQUIRE(replies);
  BOOST_REQUIRE_EQUAL(replies->size(), 1000u);
  for (int i = 0; i < 1000; ++i) {
    const redis_value& v = (*replies)[static_cast<std::size_t>(i)];
    if (i % 2 == 0) {
      BOOST_TEST(v.str == "v" + std::to_string(i));
    } else {
      BOOST_TEST((v.type == redis_value::kind::integer));
      BOOST_TEST(v.integer == (i + 1) / 2);
    }
  }
}

BOOST_AUTO_TEST_CASE(empty_pipeline_returns_no_replies) {
  redis_client client(io.get_executor(), options_for(server));
  auto replies = run_async(io, client.pipeline({}));
  BOOST_REQUIRE(replies);
  BOOST_TEST(replies->empty());
}

BOOST_AUTO_TEST_CASE(concurrent_callers_each_get_their_own_replies) {
  redis_client client(io.get_executor(), options_for(server, 3s));
  std::vector<asio::awaitable<pipeline_result>> tasks;
  for (int i = 0; i < 200; ++i) {
    const std::string key = "caller:" + std::to_string(i);
    std::vector<redis_command> cmds;
    for (int n = 0; n <= i % 5; ++n) cmds.push_back({"INCR", key});
    cmds.push_back({"GET", key});
    cmds.push_back({"ECHO", key});
    tasks.push_back(client.pipeline(std::move(cmds)));
  }
  auto results = run_all(io, std::move(tasks));
  for (int i = 0; i < 200; ++i) {
    const auto& r = results[static_cast<std::size_t>(i)];
    BOOST_REQUIRE_MESSAGE(r, "caller " << i << ": " << why(r));
    const int incrs = i % 5 + 1;
    BOOST_REQUIRE_EQUAL(r->size(), static_cast<std::size_t>(incrs + 2));
    for (int n = 0; n < incrs; ++n) BOOST_TEST((*r)[static_cast<std::size_t>(n)].integer == n + 1);
    BOOST_TEST((*r)[static_cast<std::size_t>(incrs)].str == std::to_string(incrs));
    BOOST_TEST((*r)[static_cast<std::size_t>(incrs + 1)].str == "caller:" + std::to_string(i));
  }
}

BOOST_AUTO_TEST_CASE(error_reply_is_a_value_not_a_failure) {
  redis_client client(io.get_executor(), options_for(server));
  BOOST_REQUIRE(call(io, client, {"SET", "plain", "x"}));
  auto replies = run_async(io, client.pipeline({{"LPUSH", "plain", "a"}, {"GET", "plain"}, {"NOSUCHCOMMAND"}}));
  BOOST_REQUIRE(replies);
  BOOST_REQUIRE_EQUAL(replies->size(), 3u);
  BOOST_TEST((*replies)[0].is_error());
  BOOST_TEST((*replies)[0].str.starts_with("WRONGTYPE"));
  BOOST_TEST((*replies)[1].str == "x");
  BOOST_TEST((*replies)[2].is_error());
}

BOOST_AUTO_TEST_CASE(decodes_nil_integer_status_and_nested_arrays) {
  redis_client client(io.get_executor(), options_for(server));
  auto replies = run_async(io, client.pipeline({
                                   {"GET", "missing"},                    // 0 nil bulk
                                   {"RPUSH", "list", "a", "b", "c"},      // 1 integer
                                   {"LRANGE", "list", "0", "-1"},         // 2 array of strings
                                   {"LRANGE", "missing", "0", "-1"},      // 3 empty array
                                   {"BLPOP", "missing", "0.01"},          // 4 nil multi-bulk
                                   {"MULTI"},                             // 5 status OK
                                   {"INCRBY", "n", "-7"},                 // 6 status QUEUED
                                   {"LRANGE", "list", "0", "1"},          // 7 status QUEUED
                                   {"EXEC"},                              // 8 [-7, [a, b]]
                                   {"PING"},                              // 9 status PONG
                               }));
  BOOST_REQUIRE(replies);
  const auto& r = *replies;
  BOOST_REQUIRE_EQUAL(r.size(), 10u);
  BOOST_TEST(r[0].is_nil());
  BOOST_TEST((r[1].type == redis_value::kind::integer));
  BOOST_TEST(r[1].integer == 3);
  BOOST_TEST((r[2].type == redis_value::kind::array));
  BOOST_REQUIRE_EQUAL(r[2].elements.size(), 3u);
  BOOST_TEST(r[2].elements[2].str == "c");
  BOOST_TEST((r[3].type == redis_value::kind::array));
  BOOST_TEST(r[3].elements.empty());
  BOOST_TEST(r[4].is_nil());
  BOOST_TEST((r[5].type == redis_value::kind::status));
  BOOST_TEST(r[6].str == "QUEUED");
  BOOST_TEST((r[8].type == redis_value::kind::array));
  BOOST_REQUIRE_EQUAL(r[8].elements.size(), 2u);
  BOOST_TEST(r[8].elements[0].integer == -7);
  BOOST_TEST((r[8].elements[1].type == redis_value::kind::array));
  BOOST_REQUIRE_EQUAL(r[8].elements[1].elements.size(), 2u);
  BOOST_TEST(r[8].elements[1].elements[1].str == "b");
  BOOST_TEST((r[9].type == redis_value::kind::status));
  BOOST_TEST(r[9].str == "PONG");
}

BOOST_AUTO_TEST_CASE(empty_command_is_refused_without_touching_the_connection) {
  redis_client client(io.get_executor(), options_for(server));
  auto bad = call(io, client, {});
  BOOST_REQUIRE(!bad);
  BOOST_TEST((bad.error() == errc::redis_error));
  auto ok = call(io, client, {"PING"});
  BOOST_REQUIRE(ok);
  BOOST_TEST(ok->str == "PONG");
}

BOOST_AUTO_TEST_CASE(redis_down_fails_fast_and_next_call_after_restart_reconnects) {
  redis_client client(io.get_executor(), options_for(server, 2s));
  BOOST_REQUIRE(call(io, client, {"SET", "k", "1"}));
  server.stop();
  for (int i = 0; i < 2; ++i) {  // first on the dead connection, then on a refused connect
    const auto t0 = std::chrono::steady_clock::now();
    auto down = call(io, client, {"GET", "k"});
    BOOST_REQUIRE(!down);
    BOOST_TEST((down.error() == errc::redis_unavailable), why(down));
    BOOST_TEST(ms_since(t0) < 500.0);  // well before the 2 s timeout
  }
  server.restart();
  auto up = call(io, client, {"PING"});
  BOOST_REQUIRE_MESSAGE(up, why(up));
  BOOST_TEST(up->str == "PONG");
}

BOOST_AUTO_TEST_CASE(connection_lost_mid_flight_fails_every_waiter) {
  redis_client client(io.get_executor(), options_for(server, 5s));
  std::vector<asio::awaitable<value_result>> tasks;
  tasks.push_back(client.command({"BLPOP", "never", "0"}));
  for (int i = 0; i < 9; ++i) tasks.push_back(client.command({"ECHO", std::to_string(i)}));
  tasks.push_back(kill_when_blocked(server));
  const auto t0 = std::chrono::steady_clock::now();
  auto results = run_all(io, std::move(tasks));
  for (std::size_t i = 0; i + 1 < results.size(); ++i) {
    BOOST_REQUIRE(!results[i]);
    BOOST_TEST((results[i].error() == errc::redis_unavailable), why(results[i]));
  }
  BOOST_TEST(ms_since(t0) < 2000.0);
}

BOOST_AUTO_TEST_CASE(timeout_fails_the_caller_closes_the_connection_and_next_call_works) {
  redis_client admin(io.get_executor(), options_for(server));
  redis_client client(io.get_executor(), options_for(server, 100ms));
  BOOST_REQUIRE(call(io, client, {"PING"}));
  BOOST_REQUIRE(call(io, admin, {"CLIENT", "PAUSE", "250", "ALL"}));
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<asio::awaitable<value_result>> tasks;
  tasks.push_back(client.command({"GET", "slow"}));
  tasks.push_back(client.command({"ECHO", "also waiting"}));
  auto results = run_all(io, std::move(tasks));
  const double elapsed = ms_since(t0);
  BOOST_REQUIRE(!results[0]);
  BOOST_TEST((results[0].error() == errc::timeout), why(results[0]));
  BOOST_REQUIRE(!results[1]);  // shared the poisoned connection
  BOOST_TEST((results[1].error() == errc::timeout || results[1].error() == errc::redis_unavailable));
  BOOST_TEST(elapsed >= 90.0);
  BOOST_TEST(elapsed < 350.0);

  BOOST_REQUIRE(server.wait_until_answering(2s));  // the pause is over
  auto after = call(io, client, {"ECHO", "in step"});
  BOOST_REQUIRE_MESSAGE(after, why(after));
  BOOST_TEST(after->str == "in step");
}

BOOST_AUTO_TEST_CASE(cancelled_caller_does_not_shift_replies_of_later_callers) {
  redis_client client(io.get_executor(), options_for(server, 2s));
  auto outcome = run_async(io, abandon_blpop_then_echo(client));
  BOOST_TEST(outcome.first == 1u);
  BOOST_REQUIRE_MESSAGE(outcome.second, why(outcome.second));
  BOOST_TEST(outcome.second->str == "mine");
}

BOOST_AUTO_TEST_CASE(oversized_reply_fails_with_redis_error_and_next_call_reconnects) {
  auto options = options_for(server);
  options.max_reply_bytes = 1024;
  redis_client client(io.get_executor(), options);
  BOOST_REQUIRE(call(io, client, {"SET", "big", std::string(4096, 'x')}));
  auto big = call(io, client, {"GET", "big"});
  BOOST_REQUIRE(!big);
  BOOST_TEST((big.error() == errc::redis_error));
  auto small = call(io, client, {"STRLEN", "big"});
  BOOST_REQUIRE(small);
  BOOST_TEST(small->integer == 4096);
}

BOOST_AUTO_TEST_CASE(close_fails_waiters_with_shutting_down_and_refuses_new_calls) {
  redis_client client(io.get_executor(), options_for(server, 5s));
  std::vector<asio::awaitable<value_result>> tasks;
  tasks.push_back(client.command({"BLPOP", "never", "0"}));
  tasks.push_back(close_when_blocked(server, client));
  auto results = run_all(io, std::move(tasks));
  BOOST_REQUIRE(!results[0]);
  BOOST_TEST((results[0].error() == errc::shutting_down));
  auto later = call(io, client, {"PING"});
  BOOST_REQUIRE(!later);
  BOOST_TEST((later.error() == errc::shutting_down));
}

BOOST_AUTO_TEST_CASE(missing_socket_fails_with_redis_unavailable) {
  redis_options options;
  options.address.type = kizuna::endpoint::kind::unix_socket;
  options.address.path = (server.dir() / "nobody-here.sock").string();
  redis_client client(io.get_executor(), options);
  auto r = call(io, client, {"PING"});
  BOOST_REQUIRE(!r);
  BOOST_TEST((r.error() == errc::redis_unavailable));
}

BOOST_AUTO_TEST_CASE(connect_attempt_is_bounded_by_the_timeout) {
  redis_options options;
  options.address.host = "192.0.2.1";  // TEST-NET-1: never answers (or is unreachable at once)
  options.address.port = 6379;
  options.timeout = 100ms;
  redis_client client(io.get_executor(), options);
  const auto t0 = std::chrono::steady_clock::now();
  auto r = call(io, client, {"PING"});
  BOOST_REQUIRE(!r);
  BOOST_TEST((r.error() == errc::timeout || r.error() == errc::redis_unavailable));
  BOOST_TEST(ms_since(t0) < 400.0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(tcp_endpoint_round_trip) {
  redis_server server({.tcp = true});
  asio::io_context io;
  redis_client client(io.get_executor(), options_for(server));
  auto r = call(io, client, {"ECHO", "over tcp"});
  BOOST_REQUIRE_MESSAGE(r, why(r));
  BOOST_TEST(r->str == "over tcp");
}

BOOST_AUTO_TEST_CASE(auth_with_password) {
  redis_server server({.password = "s3cret pass"});
  asio::io_context io;

  auto options = options_for(server);
  options.password = "s3cret pass";
  redis_client good(io.get_executor(), options);
  BOOST_REQUIRE(call(io, good, {"SET", "a", "1"}));
  auto get = call(io, good, {"GET", "a"});
  BOOST_REQUIRE(get);
  BOOST_TEST(get->str == "1");

  options.password = "wrong";
  redis_client bad(io.get_executor(), options);
  auto refused = call(io, bad, {"GET", "a"});
  BOOST_REQUIRE(!refused);
  BOOST_TEST((refused.error() == errc::redis_error));

  redis_client none(io.get_executor(), options_for(server));
  auto noauth = call(io, none, {"GET", "a"});
  BOOST_REQUIRE(noauth);  // the refusal is an error reply, not a failed round trip
  BOOST_TEST(noauth->is_error());
  BOOST_TEST(noauth->str.starts_with("NOAUTH"));
}
