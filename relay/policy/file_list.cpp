#include "relay/policy/file_list.hpp"

#include <fmt/format.h>
#include <glob.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <set>
#include <system_error>

namespace kizuna::policy {
namespace {

// The same file whatever path names it; a path that cannot be resolved stands for itself.
std::string identity(const std::string& file) {
  std::error_code ec;
  auto canonical = std::filesystem::canonical(file, ec);
  if (ec) return std::filesystem::path(file).lexically_normal().string();
  return canonical.string();
}

class glob_result {
 public:
  glob_result() = default;
  ~glob_result() { ::globfree(&g_); }
  glob_result(const glob_result&) = delete;
  glob_result& operator=(const glob_result&) = delete;
  glob_t* get() { return &g_; }

 private:
  glob_t g_{};
};

}  // namespace

file_list expand_entries(const std::vector<std::string>& entries) {
  file_list out;
  std::set<std::string> seen;
  const auto problem = [&](std::string message) { out.problems.push_back({"policies", 0, 0, std::move(message)}); };
  for (const auto& entry : entries) {
    glob_result g;
    errno = 0;
    const int rc = ::glob(entry.c_str(), GLOB_ERR | GLOB_NOSORT, nullptr, g.get());
    if (rc == GLOB_NOMATCH) {
      problem(fmt::format("'{}' matches no file", entry));
      continue;
    }
    if (rc == GLOB_ABORTED) {
      problem(fmt::format("'{}': cannot read a directory: {}", entry, std::generic_category().message(errno)));
      continue;
    }
    if (rc != 0) {
      problem(fmt::format("'{}': cannot expand (out of memory)", entry));
      continue;
    }
    std::vector<std::string> matches(g.get()->gl_pathv, g.get()->gl_pathv + g.get()->gl_pathc);
    std::ranges::sort(matches);
    for (auto& file : matches)
      if (seen.insert(identity(file)).second) out.files.push_back(std::move(file));
  }
  return out;
}

}  // namespace kizuna::policy
