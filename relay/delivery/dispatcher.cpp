#include "relay/delivery/dispatcher.hpp"

#include <fmt/format.h>

#include "relay/delivery/policy_transaction.hpp"

namespace kizuna::delivery {
namespace {

std::string printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 200)) out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  return out;
}

}  // namespace

smtp::reply with_enhanced(smtp::reply r) {
  if (r.enhanced.empty()) r.enhanced = fmt::format("{}.0.0", r.code / 100);
  r.text = printable(r.text);
  return r;
}

smtp::reply summarize(const smtp::envelope& env, const std::vector<smtp::reply>& per) {
  std::size_t ok = 0, temp = 0;
  const smtp::reply* first_temp = nullptr;
  const smtp::reply* first_perm = nullptr;
  std::size_t temp_index = 0;
  for (std::size_t i = 0; i < per.size(); ++i) {
    if (per[i].positive()) ++ok;
    else if (per[i].transient()) {
      if (!first_temp) first_temp = &per[i], temp_index = i;
      ++temp;
    } else if (!first_perm) {
      first_perm = &per[i];
    }
  }
  if (temp > 0) {
    smtp::reply r = with_enhanced(*first_temp);
    r.text = fmt::format("<{}>: {} ({} of {} recipients done; retry sends the rest)",
                         printable(env.recipients[temp_index]), r.text, ok, per.size());
    return r;
  }
  if (ok == 0 && first_perm) return with_enhanced(*first_perm);
  return {250, "2.0.0", fmt::format("Ok: {} handled for {} of {} recipients", env.id, ok, per.size())};
}

std::unique_ptr<smtp::transaction> dispatcher::begin(const smtp::envelope&) {
  return std::make_unique<policy_transaction>(ctx_);
}

}  // namespace kizuna::delivery
