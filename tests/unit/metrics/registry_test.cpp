// The registry (relay/metrics/registry.hpp): the exposition of each kind of
// family as golden text, histogram bucket arithmetic, and exact sums of
// concurrent increments from several threads each on its own shard.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "relay/metrics/registry.hpp"

using namespace kizuna::metrics;

BOOST_AUTO_TEST_SUITE(registry_exposition)

BOOST_AUTO_TEST_CASE(golden_text_of_every_kind_sorted_by_name) {
  registry r;
  const auto lst = r.add_dimension("listener", {}, 4);
  const auto req = r.add({"kizuna_requests_total", "Requests by \"kind\".\nSecond line with a \\.",
                          metric_type::counter, {fixed_label("kind", {"a", "b"})}, {}, gauge_source::shards});
  const auto open = r.add({"kizuna_open", "Open now.", metric_type::gauge, {bounded_label(lst)}, {},
                           gauge_source::shards});
  const auto when = r.add({"kizuna_last_seconds", "Owner-set.", metric_type::gauge, {}, {}, gauge_source::owner});
  const auto queue = r.add({"kizuna_queue", "Computed.", metric_type::gauge, {}, {}, gauge_source::scrape});
  const auto lat = r.add({"kizuna_latency_seconds", "Latency.", metric_type::histogram,
                          {fixed_label("class", {"2xx"})}, {0.001, 0.5}, gauge_source::shards});
  auto values = r.set_values(lst, {"unix:/run/a \"b\"\\c", "127.0.0.1:25"});
  BOOST_REQUIRE(values.has_value());
  auto& s1 = r.add_shard();
  auto& s2 = r.add_shard();
  s1.inc(req, {1});
  s2.inc(req, {1}, 2);
  s1.add(open, {(*values)->slot("127.0.0.1:25")}, 1);
  s2.add(open, {(*values)->slot("127.0.0.1:25")}, 1);
  s2.add(open, {(*values)->slot("127.0.0.1:25")}, -1);
  r.set(when, {}, 1733450000.25);
  r.set_callback(queue, [] { return 7.0; });
  s1.observe(lat, {0}, 0.001);
  s2.observe(lat, {0}, std::chrono::milliseconds(250));
  s2.observe(lat, {0}, 3.0);

  const std::string expected =
      "# HELP kizuna_last_seconds Owner-set.\n"
      "# TYPE kizuna_last_seconds gauge\n"
      "kizuna_last_seconds 1733450000.25\n"
      "# HELP kizuna_latency_seconds Latency.\n"
      "# TYPE kizuna_latency_seconds histogram\n"
      "kizuna_latency_seconds_bucket{class=\"2xx\",le=\"0.001\"} 1\n"
      "kizuna_latency_seconds_bucket{class=\"2xx\",le=\"0.5\"} 2\n"
      "kizuna_latency_seconds_bucket{class=\"2xx\",le=\"+Inf\"} 3\n"
      "kizuna_latency_seconds_sum{class=\"2xx\"} 3.251\n"
      "kizuna_latency_seconds_count{class=\"2xx\"} 3\n"
      "# HELP kizuna_open Open now.\n"
      "# TYPE kizuna_open gauge\n"
      "kizuna_open{listener=\"127.0.0.1:25\"} 1\n"
      "kizuna_open{listener=\"unix:/run/a \\\"b\\\"\\\\c\"} 0\n"
      "# HELP kizuna_queue Computed.\n"
      "# TYPE kizuna_queue gauge\n"
      "kizuna_queue 7\n"
      "# HELP kizuna_requests_total Requests by \"kind\".\\nSecond line with a \\\\.\n"
      "# TYPE kizuna_requests_total counter\n"
      "kizuna_requests_total{kind=\"a\"} 0\n"
      "kizuna_requests_total{kind=\"b\"} 3\n";
  BOOST_TEST(r.scrape() == expected);
}

BOOST_AUTO_TEST_CASE(a_scrape_before_any_shard_shows_zeros) {
  registry r;
  r.add({"kizuna_x_total", "X.", metric_type::counter, {}, {}, gauge_source::shards});
  BOOST_TEST(r.scrape() == "# HELP kizuna_x_total X.\n# TYPE kizuna_x_total counter\nkizuna_x_total 0\n");
}

BOOST_AUTO_TEST_CASE(histogram_buckets_count_values_up_to_and_including_their_bound) {
  registry r;
  const auto h = r.add({"kizuna_h_bytes", "H.", metric_type::histogram, {}, {1, 10, 100}, gauge_source::shards});
  auto& s = r.add_shard();
  for (double v : {-5.0, 0.0, 1.0, 1.0000001, 10.0, 99.9, 100.0, 100.5, 1e12}) s.observe(h, {}, v);
  const std::string expected =
      "# HELP kizuna_h_bytes H.\n"
      "# TYPE kizuna_h_bytes histogram\n"
      "kizuna_h_bytes_bucket{le=\"1\"} 3\n"      // -5, 0, 1
      "kizuna_h_bytes_bucket{le=\"10\"} 5\n"     // + 1.0000001, 10
      "kizuna_h_bytes_bucket{le=\"100\"} 7\n"    // + 99.9, 100
      "kizuna_h_bytes_bucket{le=\"+Inf\"} 9\n"   // + 100.5, 1e12
      "kizuna_h_bytes_sum{} 1000000000307.4\n"
      "kizuna_h_bytes_count{} 9\n";
  // No labels: _sum and _count carry none either (the braces above are not expected).
  std::string want = expected;
  for (auto p = want.find("{}"); p != std::string::npos; p = want.find("{}")) want.erase(p, 2);
  BOOST_TEST(r.scrape() == want);
}

BOOST_AUTO_TEST_CASE(latency_and_size_presets_are_increasing) {
  for (const auto& b : {latency_buckets(), size_buckets()}) {
    BOOST_TEST(b.size() > 5u);
    for (std::size_t i = 1; i < b.size(); ++i) BOOST_TEST(b[i] > b[i - 1]);
  }
  BOOST_TEST(latency_buckets().front() == 0.0005);
  BOOST_TEST(latency_buckets().back() == 10.0);
  BOOST_TEST(size_buckets().front() == 1024.0);
  BOOST_TEST(size_buckets().back() == 64.0 * 1024 * 1024);
}

BOOST_AUTO_TEST_CASE(concurrent_increments_on_own_shards_sum_exactly) {
  registry r;
  const auto c = r.add({"kizuna_c_total", "C.", metric_type::counter, {fixed_label("k", {"x", "y"})}, {},
                        gauge_source::shards});
  const auto g = r.add({"kizuna_g", "G.", metric_type::gauge, {}, {}, gauge_source::shards});
  const auto h = r.add({"kizuna_h_seconds", "H.", metric_type::histogram, {}, {0.5}, gauge_source::shards});
  constexpr int threads = 4;
  constexpr int per_thread = 250000;
  std::vector<shard*> shards;
  for (int t = 0; t < threads; ++t) shards.push_back(&r.add_shard());
  std::vector<std::thread> pool;
  std::atomic<bool> stop{false};
  // A scraper runs meanwhile: it reads while the owners write.
  std::thread scraper([&] {
    while (!stop.load()) BOOST_CHECK(!r.scrape().empty());
  });
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      auto& s = *shards[t];
      for (int i = 0; i < per_thread; ++i) {
        s.inc(c, {static_cast<std::uint32_t>(i & 1)});
        s.add(g, {}, t % 2 ? -1 : 1);  // +1 on even threads, -1 on odd: sums to 0
        s.observe(h, {}, (i & 1) ? 0.25 : 1.0);
      }
    });
  }
  for (auto& th : pool) th.join();
  stop = true;
  scraper.join();
  const std::string out = r.scrape();
  const std::string half = std::to_string(threads * per_thread / 2);
  const std::string all = std::to_string(threads * per_thread);
  BOOST_TEST(out.find("kizuna_c_total{k=\"x\"} " + half + "\n") != std::string::npos);
  BOOST_TEST(out.find("kizuna_c_total{k=\"y\"} " + half + "\n") != std::string::npos);
  BOOST_TEST(out.find("kizuna_g 0\n") != std::string::npos);
  BOOST_TEST(out.find("kizuna_h_seconds_bucket{le=\"0.5\"} " + half + "\n") != std::string::npos);
  BOOST_TEST(out.find("kizuna_h_seconds_bucket{le=\"+Inf\"} " + all + "\n") != std::string::npos);
  BOOST_TEST(out.find("kizuna_h_seconds_count " + all + "\n") != std::string::npos);
  // 0.25 and 1.0 are exact in binary, so the sum is exact too.
  BOOST_TEST(out.find("kizuna_h_seconds_sum " + std::to_string(threads * per_thread / 2 * 5 / 4) + "\n") !=
             std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
