// In-process cost of personalizing one message (bench/personalize.sh's
// message): per iteration, what the relay does for a 1-recipient message after
// DATA — un-stuff, compile (plan_message) and render one copy back to wire
// form — with a memcpy of the same bytes as the reference in the same run.
// plan_message is timed twice: compiling every part, and as serve does for the
// next message of a campaign, with the parts served by a warm part cache.
//   copy_cost MESSAGE.eml [iterations]
// Prints µs per message for each step and the ratio to the reference copy.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "relay/core/dot_stuffing.hpp"
#include "relay/delivery/copy_plan.hpp"

using namespace kizuna;
using clock_type = std::chrono::steady_clock;

int main(int argc, char** argv) {
  if (argc < 2) return std::fputs("usage: copy_cost MESSAGE.eml [iterations]\n", stderr), 64;
  const int n = argc > 2 ? std::atoi(argv[2]) : 2000;
  std::ifstream f(argv[1], std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string wire = wire_form_of_file(ss.str());

  policy::policy_set set;
  set.default_category = "newsletter";
  set.personas = {{"yamada", "山田 太郎（営業部）", "yamada@example.co.jp", "eigyo@example.co.jp",
                   {{"title", "営業部 課長"}, {"phone", "03-1234-5678"}}}};
  set.persona_assignment = policy::persona_assignment_settings{"owner", true, "yamada", true};
  set.merge.footer_text = "--\n送信者: 株式会社サンプル（{{persona.display_name}}）\n配信停止: {{unsubscribe_url}}\n";
  set.merge.footer_html = "<p>送信者: 株式会社サンプル<br><a href=\"{{unsubscribe_url}}\">配信停止</a></p>";
  config::unsubscribe_settings unsub{"https://u.example.com", "example.com", {}, {std::string(32, 'k')}};
  policy::recipient_data data;
  data.contact = {{"last_name", "青木"}, {"first_name", "一郎"}, {"company", "(株)ベーシック"},
                  {"資料名", "導入ガイド"}, {"region", "関西"}, {"owner", "yamada"}};

  personalize::part_cache parts;
  double t_unstuff = 0, t_plan = 0, t_cached = 0, t_render = 0, t_ref = 0;
  std::size_t sink = 0;
  for (int i = 0; i < n; ++i) {
    auto t0 = clock_type::now();
    std::string ref(wire.size(), '\0');
    std::memcpy(ref.data(), wire.data(), wire.size());
    sink += ref.size();
    auto t1 = clock_type::now();
    std::string plain = unstuff_dots(wire);
    auto t2 = clock_type::now();
    const auto control = mime::read_control_headers(wire);
    auto plan = delivery::plan_message(std::move(plain), set, delivery::campaign_of(set, {}, control), control,
                                       "<m@example.com>", "relay.example.net");
    auto t3 = clock_type::now();
    if (!plan) return std::fprintf(stderr, "plan: %s\n", plan.error().c_str()), 1;
    policy::inputs in{"u1@example.com", &data, plan->campaign, std::chrono::system_clock::now()};
    auto copy = delivery::plan_copy(*plan, set, in, &unsub);
    auto r = delivery::render_copy(*plan, copy, data, "u1@example.com", "u1@example.com");
    if (!r) return std::fprintf(stderr, "render: %s\n", r.error().c_str()), 1;
    std::string out = stuff_dots(std::move(r->bytes));
    sink += out.size();
    auto t4 = clock_type::now();
    auto cached = delivery::plan_message(unstuff_dots(wire), set, plan->campaign, control, "<m@example.com>",
                                         "relay.example.net", &parts);
    auto t5 = clock_type::now();
    if (!cached) return std::fprintf(stderr, "plan (cached): %s\n", cached.error().c_str()), 1;
    auto us = [](auto a, auto b) { return std::chrono::duration<double, std::micro>(b - a).count(); };
    t_ref += us(t0, t1);
    t_unstuff += us(t1, t2);
    t_plan += us(t2, t3);
    t_render += us(t3, t4);
    t_cached += us(t4, t5) - us(t1, t2);  // less its un-stuffing, timed above
  }
  std::printf("message %zu bytes, %d iterations (checksum %zu)\n", wire.size(), n, sink % 7);
  std::printf("memcpy reference  %8.2f us\n", t_ref / n);
  std::printf("unstuff           %8.2f us\n", t_unstuff / n);
  std::printf("plan_message      %8.2f us\n", t_plan / n);
  std::printf("  parts cached    %8.2f us\n", t_cached / n);
  std::printf("plan+render copy  %8.2f us\n", t_render / n);  // plan_copy + render_copy + stuff_dots
  std::printf("total / reference %8.1f x\n", (t_unstuff + t_plan + t_render) / t_ref);
  return 0;
}
