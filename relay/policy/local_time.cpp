#include "relay/policy/local_time.hpp"

#include <date/tz.h>

#include <exception>
#include <unordered_map>

namespace kizuna::policy {
namespace {

using zone_index = std::unordered_map<std::string_view, const date::time_zone*>;

// date::locate_zone searches and throws on a miss; contact data is untrusted and
// often wrong, so per-recipient lookups go through this table instead. It is
// filled once (thread-safe static init) and never written again, so readers need
// no lock. The keys point into the tzdb, which lives for the whole process (we
// never call date::reload_tzdb).
const zone_index& zones() {
  static const zone_index index = [] {
    zone_index built;
    try {
      const auto& db = date::get_tzdb();
      for (const auto& zone : db.zones) built.emplace(zone.name(), &zone);
#if !USE_OS_TZDB
      for (const auto& link : db.links) {
        if (auto it = built.find(link.target()); it != built.end()) built.emplace(link.name(), it->second);
      }
#endif
    } catch (const std::exception&) {
      // No readable tzdata: every zone is unknown, so quiet-hour rules defer.
    }
    return built;
  }();
  return index;
}

const date::time_zone* find_zone(std::string_view name) {
  if (name.empty()) return nullptr;
  const auto& index = zones();
  auto it = index.find(name);
  return it == index.end() ? nullptr : it->second;
}

}  // namespace

bool is_known_time_zone(std::string_view name) { return find_zone(name) != nullptr; }

std::optional<local_reading> local_minute_of_day(std::string_view contact_zone, std::string_view default_zone,
                                                 std::chrono::system_clock::time_point now) {
  local_reading reading;
  const date::time_zone* zone = find_zone(contact_zone);
  reading.contact_zone = zone != nullptr;
  if (!zone) zone = find_zone(default_zone);
  if (!zone) return std::nullopt;
  // sys -> local is always unambiguous, DST changes included.
  const auto local = zone->to_local(std::chrono::floor<std::chrono::minutes>(now));
  reading.minute_of_day = std::chrono::floor<std::chrono::minutes>(local - std::chrono::floor<date::days>(local));
  return reading;
}

}  // namespace kizuna::policy
