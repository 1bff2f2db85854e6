#include "relay/store/redis_password.hpp"

#include <fstream>

namespace kizuna::store {

std::expected<std::string, std::string> read_redis_password(const std::filesystem::path& file) {
  if (file.empty()) return std::string{};
  std::ifstream in(file);
  std::string line;
  if (!in || !std::getline(in, line)) return std::unexpected("cannot read redis.password_file " + file.string());
  return line;
}

}  // namespace kizuna::store
