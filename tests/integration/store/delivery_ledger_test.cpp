// The delivery ledger (delivery/copy_ledger over store/delivery_ledger) against a
// real redis-server: reservations are exclusive, live attempts are never
// overtaken, a dead owner's reservation is taken over and its own commit then
// fails, a dead owner's commit is resolved by ledger.in_doubt, settled pairs are
// answered as handled, and Redis down fails closed.
#include <signal.h>

#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "relay/delivery/copy_ledger.hpp"
#include "relay/store/delivery_ledger.hpp"
#include "tests/integration/store/run_async.hpp"
#include "tests/support/redis_server.hpp"

namespace asio = boost::asio;
using namespace std::chrono_literals;
using namespace kizuna::delivery;
using kizuna::store::redis_client;
using kizuna::store::redis_command;
using kizuna::store::redis_options;
using kizuna::test::redis_server;
using kizuna::test::run_all;
using kizuna::test::run_async;

namespace {

const std::string prefix = "t:";
const std::string identity = kizuna::store::message_identity(std::string_view("<m1@example.com>"), "", "");

struct fixture {
  redis_server server;
  asio::io_context io;
  redis_client redis{io.get_executor(), redis_options{server.address(), "", 1s}};

  copy_ledger ledger_of(std::string owner, in_doubt_choice choice = in_doubt_choice::assume_delivered) {
    return copy_ledger(redis, prefix, std::move(owner), ledger_settings{std::chrono::seconds(3600), choice}, identity);
  }
  void make_alive(const std::string& owner) {
    BOOST_REQUIRE(run_async(io, redis.command(kizuna::store::heartbeat_command(prefix, owner))));
  }
  std::vector<copy_ledger::claim> reserve(copy_ledger& l, std::string address, std::string copy_id) {
    std::vector<copy_ledger::pair> pairs{{std::move(address), std::move(copy_id)}};
    auto c = run_async(io, l.reserve(std::move(pairs)));
    BOOST_REQUIRE_MESSAGE(c, kizuna::test::why(c));
    return *c;
  }
  bool enter(copy_ledger& l, std::size_t k) {
    commit_gate g = l.gate(k);
    return run_async(io, g.enter());
  }
  void settle(copy_ledger& l, std::size_t k, std::optional<ledger_entry> e) {
    std::vector<std::size_t> ks(1, k);  // not a braced list in a coroutine: GCC 12 bug
    run_async(io, [](copy_ledger& l, std::vector<std::size_t> ks, std::optional<ledger_entry> e)
                      -> asio::awaitable<bool> {
      co_await l.settle_now(std::move(ks), std::move(e));
      co_return true;
    }(l, std::move(ks), std::move(e)));
  }
  std::string stored(const std::string& address) {
    redis_command get{"GET", kizuna::store::ledger_key(prefix, address, identity)};
    auto v = run_async(io, redis.command(std::move(get)));
    BOOST_REQUIRE(v);
    return v->str;
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(delivery_ledger, fixture)

BOOST_AUTO_TEST_CASE(a_new_pair_is_ours_and_a_live_attempt_is_never_overtaken) {
  make_alive("a/1");
  make_alive("b/2");
  auto a = ledger_of("a/1");
  BOOST_TEST((reserve(a, "x@example.org", "T1-0")[0].v == verdict::send));
  BOOST_TEST(stored("x@example.org") == "R|a/1|T1-0|");
  auto b = ledger_of("b/2");
  BOOST_TEST((reserve(b, "x@example.org", "T2-0")[0].v == verdict::in_progress));
  BOOST_TEST(enter(a, 0));
  BOOST_TEST(stored("x@example.org") == "C|a/1|T1-0|");
  BOOST_TEST((reserve(b, "x@example.org", "T3-0")[0].v == verdict::in_progress));
  // The loser's slot never commits.
  BOOST_TEST(!enter(b, 0));
}

BOOST_AUTO_TEST_CASE(a_dead_owners_reservation_is_taken_over_and_its_commit_then_fails) {
  auto dead = ledger_of("dead/1");  // never heartbeats
  BOOST_TEST((reserve(dead, "y@example.org", "D1-0")[0].v == verdict::send));
  make_alive("live/2");
  auto live = ledger_of("live/2");
  auto c = reserve(live, "y@example.org", "L1-0");
  BOOST_TEST((c[0].v == verdict::send));
  BOOST_TEST(c[0].found.copy_id == "D1-0");
  BOOST_TEST(stored("y@example.org") == "R|live/2|L1-0|");
  BOOST_TEST(!enter(dead, 0));  // the old attempt, if it still ran, cannot reach its final "."
  BOOST_TEST(enter(live, 0));
}

BOOST_AUTO_TEST_CASE(a_dead_owners_commit_is_in_doubt_by_default) {
  auto dead = ledger_of("dead/3");
  reserve(dead, "z@example.org", "D3-0");
  BOOST_REQUIRE(enter(dead, 0));
  make_alive("live/4");
  auto live = ledger_of("live/4");
  auto c = reserve(live, "z@example.org", "L4-0");
  BOOST_TEST((c[0].v == verdict::possibly_delivered));
  BOOST_TEST(c[0].resolved_in_doubt);
  BOOST_TEST(c[0].found.copy_id == "D3-0");
  BOOST_TEST(stored("z@example.org") == "Q||D3-0|");
  // Resolved once: the next attempt finds it settled.
  auto again = reserve(live, "z@example.org", "L5-0");
  BOOST_TEST((again[0].v == verdict::possibly_delivered));
  BOOST_TEST(!again[0].resolved_in_doubt);
}

BOOST_AUTO_TEST_CASE(a_dead_owners_commit_is_sent_again_with_resend) {
  auto dead = ledger_of("dead/5");
  reserve(dead, "w@example.org", "D5-0");
  BOOST_REQUIRE(enter(dead, 0));
  make_alive("live/6");
  auto live = ledger_of("live/6", in_doubt_choice::resend);
  BOOST_TEST((reserve(live, "w@example.org", "L6-0")[0].v == verdict::send));
  BOOST_TEST(stored("w@example.org") == "R|live/6|L6-0|");
}

BOOST_AUTO_TEST_CASE(settled_pairs_are_answered_as_handled_and_a_transient_one_is_sent_again) {
  make_alive("a/7");
  auto a = ledger_of("a/7");
  std::vector<copy_ledger::pair> pairs{{"d@example.org", "T7-0"}, {"r@example.org", "T7-1"},
                                       {"h@example.org", "T7-2"}, {"t@example.org", "T7-3"}};
  auto c = run_async(io, a.reserve(std::move(pairs)));
  BOOST_REQUIRE(c);
  for (std::size_t k = 0; k < 4; ++k) BOOST_TEST((c->at(k).v == verdict::send));
  BOOST_REQUIRE(enter(a, 0));
  BOOST_REQUIRE(enter(a, 1));
  BOOST_REQUIRE(enter(a, 3));
  settle(a, 0, ledger_entry{ledger_state::delivered, {}, {}, "250 2.0.0 Ok"});
  settle(a, 1, ledger_entry{ledger_state::refused, {}, {}, "550 5.1.1 no such user"});
  settle(a, 2, ledger_entry{ledger_state::held, {}, {}, "T7-2"});
  settle(a, 3, std::nullopt);
  auto b = ledger_of("a/7");
  std::vector<copy_ledger::pair> again{{"d@example.org", "U-0"}, {"r@example.org", "U-1"},
                                       {"h@example.org", "U-2"}, {"t@example.org", "U-3"}};
  auto d = run_async(io, b.reserve(std::move(again)));
  BOOST_REQUIRE(d);
  BOOST_TEST((d->at(0).v == verdict::already_delivered));
  BOOST_TEST(d->at(0).found.copy_id == "T7-0");
  BOOST_TEST((d->at(1).v == verdict::already_refused));
  BOOST_TEST(d->at(1).found.detail == "550 5.1.1 no such user");
  BOOST_TEST((d->at(2).v == verdict::already_held));
  BOOST_TEST(d->at(2).found.detail == "T7-2");
  BOOST_TEST((d->at(3).v == verdict::send));
  // Another message (identity) to the same address is not affected.
  copy_ledger other(redis, prefix, "a/7", {}, kizuna::store::message_identity(std::nullopt, "s@x", "body"));
  std::vector<copy_ledger::pair> one{{"d@example.org", "V-0"}};
  auto o = run_async(io, other.reserve(std::move(one)));
  BOOST_REQUIRE(o);
  BOOST_TEST((o->at(0).v == verdict::send));
}

BOOST_AUTO_TEST_CASE(concurrent_attempts_from_many_owners_get_one_send) {
  // 40 owners, all alive, race for the same pair: exactly one may send.
  std::vector<copy_ledger> ledgers;
  ledgers.reserve(40);
  for (int i = 0; i < 40; ++i) {
    make_alive("o/" + std::to_string(i));
    ledgers.push_back(ledger_of("o/" + std::to_string(i)));
  }
  std::vector<asio::awaitable<std::size_t>> tasks;
  for (int i = 0; i < 40; ++i)
    tasks.push_back([](copy_ledger& l, int i) -> asio::awaitable<std::size_t> {
      std::vector<copy_ledger::pair> p{{"race@example.org", "R" + std::to_string(i)}};
      auto c = co_await l.reserve(std::move(p));
      co_return c && c->front().v == verdict::send ? 1 : 0;
    }(ledgers[i], i));
  std::size_t sends = 0;
  for (std::size_t s : run_all(io, std::move(tasks))) sends += s;
  BOOST_TEST(sends == 1u);
}

// A commit mark whose reply never came (Redis stalled past the timeout) may
// still be applied when Redis resumes; the copy is not sent, and ending the
// attempt removes the entry either way, so a retry sends it.
BOOST_AUTO_TEST_CASE(a_commit_mark_lost_in_a_stall_is_undone_with_the_reservation) {
  make_alive("a/9");
  auto a = ledger_of("a/9");
  BOOST_REQUIRE((reserve(a, "s@example.org", "T9-0")[0].v == verdict::send));
  ::kill(server.pid(), SIGSTOP);
  const bool entered = enter(a, 0);  // times out after 1 s
  ::kill(server.pid(), SIGCONT);
  BOOST_TEST(!entered);
  BOOST_TEST(stored("s@example.org") == "C|a/9|T9-0|");  // Redis ran the swap after all
  settle(a, 0, std::nullopt);
  BOOST_TEST(stored("s@example.org") == "");
  make_alive("b/10");
  auto b = ledger_of("b/10");
  BOOST_TEST((reserve(b, "s@example.org", "T10-0")[0].v == verdict::send));
}

BOOST_AUTO_TEST_CASE(redis_down_fails_closed) {
  auto a = ledger_of("a/8");
  server.kill();
  std::vector<copy_ledger::pair> p{{"q@example.org", "T8-0"}};
  auto c = run_async(io, a.reserve(std::move(p)));
  BOOST_TEST(!c.has_value());
}

BOOST_AUTO_TEST_SUITE_END()
