// The per-thread recorder (recorder.hpp): a thread counts nothing until it
// binds one, a binding belongs to its thread only, and reply codes map to the
// reply class label.
#include <boost/test/unit_test.hpp>

#include <thread>

#include "relay/metrics/recorder.hpp"

using namespace kizuna::metrics;

BOOST_AUTO_TEST_CASE(a_thread_counts_nothing_until_it_binds_a_recorder) {
  registry r;
  const auto c = declare_catalogue(r, "1");
  BOOST_TEST(this_thread() == nullptr);
  auto& mine = r.add_shard();
  bind_this_thread({&c, &mine});
  BOOST_REQUIRE(this_thread() != nullptr);
  BOOST_TEST(this_thread()->cells == &mine);
  const recorder* seen_elsewhere = this_thread();
  std::thread([&] { seen_elsewhere = this_thread(); }).join();
  BOOST_TEST(seen_elsewhere == nullptr);  // another thread does not see this one's shard
  this_thread()->cells->inc(c.config_reloads, {index(reload_result::success)});
  BOOST_TEST(r.scrape().find("kizuna_config_reloads_total{result=\"success\"} 1\n") != std::string::npos);
  bind_this_thread({});
  BOOST_TEST(this_thread() == nullptr);
}

BOOST_AUTO_TEST_CASE(reply_codes_map_to_their_class) {
  BOOST_TEST(index(reply_class_of(250)) == index(reply_class::c2xx));
  BOOST_TEST(index(reply_class_of(221)) == index(reply_class::c2xx));
  BOOST_TEST(index(reply_class_of(421)) == index(reply_class::c4xx));
  BOOST_TEST(index(reply_class_of(451)) == index(reply_class::c4xx));
  BOOST_TEST(index(reply_class_of(550)) == index(reply_class::c5xx));
  BOOST_TEST(index(reply_class_of(0)) == index(reply_class::error));  // no reply
}
