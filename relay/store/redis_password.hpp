// redis.password_file: its first line is the AUTH password ("" when no file is
// configured). Shared by the daemon and the command-line tools so both
// authenticate the same way.
#pragma once

#include <expected>
#include <filesystem>
#include <string>

namespace kizuna::store {

std::expected<std::string, std::string> read_redis_password(const std::filesystem::path& file);

}  // namespace kizuna::store
