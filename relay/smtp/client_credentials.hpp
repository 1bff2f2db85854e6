// The credentials Kizuna presents to the downstream MTA (downstream.auth): the
// first line of the file that is neither blank nor a '#' comment, as
// "user:password" (the password may itself contain ':'). Sent only as AUTH PLAIN
// over TLS (client.cpp); never logged.
//
// Errors: "file:line: why" for a missing ':' or an empty user or password, or
// "file: no credentials" when no such line exists.
#pragma once

#include <expected>
#include <filesystem>
#include <string>
#include <string_view>

namespace kizuna::smtp {

struct client_credentials {
  std::string user;
  std::string password;
};

std::expected<client_credentials, std::string> parse_client_credentials(std::string_view text,
                                                                         std::string_view origin);
std::expected<client_credentials, std::string> load_client_credentials(const std::filesystem::path& file);

}  // namespace kizuna::smtp
