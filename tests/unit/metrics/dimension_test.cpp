// Bounded label dimensions (relay/metrics/registry.hpp, label_values.hpp):
// what a config reload does to the rule label. Kept rules keep their counts,
// removed ones leave the exposition, slots are reused only once no snapshot
// holds them (and then start from zero), and memory stays bounded by the
// dimension's capacity however many reloads happen.
#include <boost/test/unit_test.hpp>

#include <memory>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "relay/metrics/registry.hpp"

using namespace kizuna::metrics;

namespace {

struct fixture {
  registry r;
  dimension_id rule = r.add_dimension("rule", {"builtin:optout"}, 4);
  family_id hits = r.add({"kizuna_hits_total", "Hits.", metric_type::counter,
                          {fixed_label("decision", {"relay", "drop"}), bounded_label(rule)}, {}, gauge_source::shards});
  shard& s = r.add_shard();

  std::shared_ptr<const label_values> reload(std::vector<std::string> ids) {
    auto v = r.set_values(rule, std::move(ids));
    BOOST_REQUIRE_MESSAGE(v.has_value(), (v ? std::string() : v.error()));
    return *v;
  }
  bool has(const std::string& line) { return r.scrape().find(line + "\n") != std::string::npos; }
};

std::string drop(std::string_view rule) { return "kizuna_hits_total{decision=\"drop\",rule=\"" + std::string(rule) + "\"}"; }

}  // namespace

BOOST_FIXTURE_TEST_SUITE(dimension_reload, fixture)

BOOST_AUTO_TEST_CASE(permanent_values_are_exposed_before_any_reload) {
  BOOST_TEST(has(drop("builtin:optout") + " 0"));
  BOOST_TEST(r.values(rule)->size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_kept_rule_keeps_its_count_and_a_removed_one_leaves) {
  auto v1 = reload({"cap", "quiet-hours"});
  s.inc(hits, {1, v1->slot("cap")}, 5);
  s.inc(hits, {1, v1->slot("quiet-hours")}, 2);
  s.inc(hits, {1, v1->slot("builtin:optout")});
  auto v2 = reload({"cap", "vip"});
  BOOST_TEST(v2->slot("cap") == v1->slot("cap"));
  BOOST_TEST(has(drop("cap") + " 5"));
  BOOST_TEST(has(drop("vip") + " 0"));
  BOOST_TEST(has(drop("builtin:optout") + " 1"));
  BOOST_TEST(r.scrape().find("quiet-hours") == std::string::npos);
  BOOST_TEST(!v2->slot_of("quiet-hours").has_value());
}

BOOST_AUTO_TEST_CASE(a_rule_back_before_its_slot_is_reused_continues_its_count) {
  auto v1 = reload({"cap"});
  s.inc(hits, {0, v1->slot("cap")}, 3);
  v1.reset();
  reload({"other"});
  auto v3 = reload({"cap"});
  BOOST_TEST(has("kizuna_hits_total{decision=\"relay\",rule=\"cap\"} 3"));
}

BOOST_AUTO_TEST_CASE(a_reused_slot_starts_from_zero_once_no_snapshot_holds_it) {
  auto v1 = reload({"a", "b", "c"});  // capacity 4: every slot taken with builtin:optout
  const auto slot_a = v1->slot("a");
  s.inc(hits, {1, slot_a}, 9);
  // A transaction still holds v1: "a"'s slot cannot be given to "d" yet.
  auto held = v1;
  v1.reset();
  auto fail = r.set_values(rule, {"b", "c", "d"});
  BOOST_REQUIRE(!fail.has_value());
  BOOST_TEST(fail.error().find("free slots") != std::string::npos);
  BOOST_TEST(r.values(rule)->slot_of("a").has_value());  // nothing was published
  held.reset();
  auto v2 = reload({"b", "c", "d"});
  BOOST_TEST(v2->slot("d") == slot_a);
  BOOST_TEST(has(drop("d") + " 0"));
}

BOOST_AUTO_TEST_CASE(more_values_than_the_capacity_are_refused) {
  auto v = r.set_values(rule, {"a", "b", "c", "d"});  // + builtin:optout = 5 > 4
  BOOST_REQUIRE(!v.has_value());
  BOOST_TEST(v.error().find("capacity of 4") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(empty_control_or_non_utf8_values_are_refused) {
  for (std::string bad : {std::string(), std::string("a\nb"), std::string("\xff")}) {
    auto v = r.set_values(rule, {bad});
    BOOST_TEST(!v.has_value());
  }
  BOOST_TEST(r.set_values(rule, {"配信停止", "say \"hi\"\\"}).has_value());
}

BOOST_AUTO_TEST_CASE(duplicates_and_builtins_named_again_are_merged) {
  auto v = reload({"x", "x", "builtin:optout"});
  BOOST_TEST(v->size() == 2u);
}

BOOST_AUTO_TEST_CASE(many_reloads_with_churn_stay_within_the_capacity_and_exact) {
  std::shared_ptr<const label_values> v;
  for (int i = 0; i < 1000; ++i) {
    v = reload({"keep", "r" + std::to_string(i)});
    s.inc(hits, {0, v->slot("keep")});
    s.inc(hits, {0, v->slot("r" + std::to_string(i))}, 2);
  }
  BOOST_TEST(has("kizuna_hits_total{decision=\"relay\",rule=\"keep\"} 1000"));
  BOOST_TEST(has("kizuna_hits_total{decision=\"relay\",rule=\"r999\"} 2"));
  BOOST_TEST(has("kizuna_hits_total{decision=\"relay\",rule=\"builtin:optout\"} 0"));
  BOOST_TEST(v->size() == 3u);
}

BOOST_AUTO_TEST_CASE(reloads_while_a_thread_counts_lose_nothing_for_kept_rules) {
  reload({"keep", "r0"});
  std::atomic<bool> stop{false};
  std::atomic<long> done{0};
  // The counting thread takes a fresh snapshot now and then, as a new
  // generation would, and counts on slots of whichever snapshot it holds.
  std::thread counter([&] {
    auto v = r.values(rule);
    for (long i = 0; !stop.load() || i < 100000; ++i) {
      if (i % 64 == 0) v = r.values(rule);
      s.inc(hits, {0, v->slot("keep")});
      for (const auto& [value, slot] : v->entries())
        if (value != "keep") s.inc(hits, {1, slot});
      done.store(i + 1);
    }
  });
  for (int i = 1; i < 300; ++i) {
    auto v = r.set_values(rule, {"keep", "r" + std::to_string(i)});
    if (!v) std::this_thread::yield();  // every slot pinned by the counter's snapshot: retry later
  }
  stop = true;
  counter.join();
  BOOST_TEST(has("kizuna_hits_total{decision=\"relay\",rule=\"keep\"} " + std::to_string(done.load())));
}

BOOST_AUTO_TEST_SUITE_END()
