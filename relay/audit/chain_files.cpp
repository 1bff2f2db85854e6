#include "relay/audit/chain_files.hpp"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <optional>
#include <string_view>
#include <system_error>
#include <utility>

#include <fmt/format.h>

namespace kizuna::audit {
namespace {

// The <seq> of "<live>.<yyyymmddThhmmss>.<seq>", or nothing when `name` is not one.
std::optional<std::uint64_t> rotation_seq(std::string_view name, std::string_view live) {
  if (!name.starts_with(live) || name.size() < live.size() + 18) return std::nullopt;
  std::string_view rest = name.substr(live.size());  // ".yyyymmddThhmmss.<seq>"
  constexpr std::string_view shape = ".ddddddddTdddddd.";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    const char c = rest[i];
    if (shape[i] == 'd' ? (c < '0' || c > '9') : c != shape[i]) return std::nullopt;
  }
  rest.remove_prefix(shape.size());
  std::uint64_t seq = 0;
  auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), seq);
  if (ec != std::errc{} || end != rest.data() + rest.size() || rest.empty()) return std::nullopt;
  return seq;
}

}  // namespace

std::filesystem::path rotated_path(const std::filesystem::path& live, std::chrono::system_clock::time_point when,
                                   std::uint64_t last_seq) {
  const std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return live.string() + fmt::format(".{:04}{:02}{:02}T{:02}{:02}{:02}.{}", tm.tm_year + 1900, tm.tm_mon + 1,
                                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, last_seq);
}

std::expected<std::vector<std::filesystem::path>, std::string> rotated_files(const std::filesystem::path& live) {
  const auto dir = live.has_parent_path() ? live.parent_path() : std::filesystem::path(".");
  const std::string base = live.filename().string();
  std::vector<std::pair<std::uint64_t, std::filesystem::path>> found;
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec), end;
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory) return std::vector<std::filesystem::path>{};
    return std::unexpected(fmt::format("{}: cannot list: {}", dir.string(), ec.message()));
  }
  for (; it != end; it.increment(ec)) {
    if (ec) return std::unexpected(fmt::format("{}: cannot list: {}", dir.string(), ec.message()));
    if (auto seq = rotation_seq(it->path().filename().string(), base)) found.emplace_back(*seq, it->path());
  }
  std::sort(found.begin(), found.end());
  std::vector<std::filesystem::path> out;
  out.reserve(found.size());
  for (auto& f : found) out.push_back(live.has_parent_path() ? std::move(f.second) : f.second.filename());
  return out;
}

std::expected<std::vector<std::filesystem::path>, std::string> chain_files(const std::filesystem::path& live) {
  auto files = rotated_files(live);
  if (!files) return files;
  std::error_code ec;
  if (std::filesystem::exists(live, ec)) files->push_back(live);
  return files;
}

}  // namespace kizuna::audit
