// embedded_redis: a real redis-server supervised by Kizuna (start, kill -9,
// stop, respawn, AOF persistence, refusal to share a socket).
#include "relay/store/embedded_redis.hpp"

#include <signal.h>
#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "relay/store/redis_client.hpp"
#include "tests/integration/store/run_async.hpp"
#include "tests/support/temp_dir.hpp"

namespace asio = boost::asio;
using namespace std::chrono_literals;
using kizuna::store::embedded_redis;
using kizuna::store::redis_client;
using kizuna::store::redis_command;
using kizuna::store::redis_options;
using kizuna::store::redis_value;
using kizuna::test::run_async;
using kizuna::test::why;
using kizuna::test::temp_dir;

namespace {

std::string redis_binary() {
  const char* env = std::getenv("KIZUNA_REDIS_SERVER");
  return env && *env ? env : "redis-server";
}

std::expected<redis_value, kizuna::error_code> call(const embedded_redis& redis, redis_command cmd) {
  asio::io_context io;
  redis_options options;
  options.address = redis.address();
  options.timeout = 1s;
  redis_client client(io.get_executor(), options);
  return run_async(io, client.command(std::move(cmd)));
}

// Polls running() (which reaps) until the child is seen dead; bounded.
bool wait_until_dead(embedded_redis& redis) {
  for (auto pause = 1ms; pause < 2s; pause *= 2) {
    if (!redis.running()) return true;
    std::this_thread::sleep_for(pause);
  }
  return !redis.running();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(embedded_redis_tests)

BOOST_AUTO_TEST_CASE(starts_on_a_private_unix_socket_with_aof_on) {
  temp_dir tmp;
  auto redis = embedded_redis::start(tmp.path() / "state" / "redis", redis_binary());
  BOOST_REQUIRE_MESSAGE(redis, why(redis));
  BOOST_TEST(redis->running());
  BOOST_TEST(redis->pid() > 0);
  BOOST_TEST(redis->address().to_string() == "unix:" + (tmp.path() / "state" / "redis" / "redis.sock").string());

  struct stat st {};
  BOOST_REQUIRE(::stat((tmp.path() / "state" / "redis").c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0700u);

  auto pong = call(*redis, {"PING"});
  BOOST_REQUIRE(pong);
  BOOST_TEST(pong->str == "PONG");
  auto aof = call(*redis, {"CONFIG", "GET", "appendonly"});
  BOOST_REQUIRE(aof);
  BOOST_REQUIRE_EQUAL(aof->elements.size(), 2u);
  BOOST_TEST(aof->elements[1].str == "yes");
  auto port = call(*redis, {"CONFIG", "GET", "port"});
  BOOST_REQUIRE(port);
  BOOST_TEST(port->elements.at(1).str == "0");  // no TCP listener
}

BOOST_AUTO_TEST_CASE(ensure_running_respawns_after_kill_9) {
  temp_dir tmp;
  auto redis = embedded_redis::start(tmp.path() / "redis", redis_binary());
  BOOST_REQUIRE_MESSAGE(redis, why(redis));
  const pid_t first = redis->pid();
  BOOST_REQUIRE(::kill(first, SIGKILL) == 0);
  BOOST_REQUIRE(wait_until_dead(*redis));
  BOOST_TEST(redis->pid() == -1);

  auto again = redis->ensure_running();
  BOOST_REQUIRE_MESSAGE(again, why(again));
  BOOST_TEST(redis->running());
  BOOST_TEST(redis->pid() != first);
  auto pong = call(*redis, {"PING"});
  BOOST_REQUIRE(pong);
  BOOST_TEST(pong->str == "PONG");
}

BOOST_AUTO_TEST_CASE(ensure_running_restarts_after_stop_and_is_a_no_op_while_up) {
  temp_dir tmp;
  auto redis = embedded_redis::start(tmp.path() / "redis", redis_binary());
  BOOST_REQUIRE_MESSAGE(redis, why(redis));
  const pid_t first = redis->pid();
  BOOST_REQUIRE(redis->ensure_running());
  BOOST_TEST(redis->pid() == first);

  redis->stop();
  BOOST_TEST(!redis->running());
  BOOST_TEST(!call(*redis, {"PING"}));

  auto again = redis->ensure_running();
  BOOST_REQUIRE_MESSAGE(again, why(again));
  auto pong = call(*redis, {"PING"});
  BOOST_REQUIRE(pong);
  BOOST_TEST(pong->str == "PONG");
}

BOOST_AUTO_TEST_CASE(data_survives_a_restart_through_the_aof) {
  temp_dir tmp;
  const auto dir = tmp.path() / "redis";
  {
    auto redis = embedded_redis::start(dir, redis_binary());
    BOOST_REQUIRE_MESSAGE(redis, why(redis));
    BOOST_REQUIRE(call(*redis, {"HSET", "kizuna:optout:{alice@example.com}", "*", "1700000000|crm|asked"}));
  }  // destructor: SIGTERM, redis flushes the AOF and exits
  auto redis = embedded_redis::start(dir, redis_binary());
  BOOST_REQUIRE_MESSAGE(redis, why(redis));
  auto scope = call(*redis, {"HGET", "kizuna:optout:{alice@example.com}", "*"});
  BOOST_REQUIRE(scope);
  BOOST_TEST(scope->str == "1700000000|crm|asked");
}

BOOST_AUTO_TEST_CASE(refuses_to_start_when_another_server_answers_on_the_socket) {
  temp_dir tmp;
  auto first = embedded_redis::start(tmp.path() / "redis", redis_binary());
  BOOST_REQUIRE_MESSAGE(first, why(first));
  auto second = embedded_redis::start(tmp.path() / "redis", redis_binary());
  BOOST_REQUIRE(!second);
  BOOST_TEST(second.error().find("already answers") != std::string::npos, why(second));
  BOOST_TEST(second.error().find(std::to_string(first->pid())) != std::string::npos, why(second));
  BOOST_TEST(first->running());  // the first one is left alone
}

BOOST_AUTO_TEST_CASE(reports_a_missing_binary) {
  temp_dir tmp;
  auto redis = embedded_redis::start(tmp.path() / "redis", "kizuna-no-such-redis-server");
  BOOST_REQUIRE(!redis);
  BOOST_TEST(redis.error().find("not found") != std::string::npos, why(redis));
}

BOOST_AUTO_TEST_CASE(reports_a_server_that_dies_at_start_up) {
  temp_dir tmp;
  auto redis = embedded_redis::start(tmp.path() / "redis", "/bin/false");
  BOOST_REQUIRE(!redis);
  BOOST_TEST(redis.error().find("exited during start-up") != std::string::npos, why(redis));
}

BOOST_AUTO_TEST_SUITE_END()
