#include "relay/smtp/auth_users.hpp"
#include "relay/core/content_lines.hpp"

#include <crypt.h>
#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

namespace kizuna::smtp {
namespace {

// Hashed for unknown users, so a miss costs as much as a wrong password
// (SHA-512 crypt of a random string; matches nothing that can be typed).
constexpr const char* decoy_hash =
    "$6$kizunadecoy$.004jKYfSDAAkJI9klcm0HCFpoQiGkiwhe0.ESKxArAEePk.3Vw6bimr0qLpXhhHzY.6MYlk2005XODaKBDgJ0";

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

// crypt_r's result for password and setting, or "" when crypt refuses (it then
// returns a "*0"/"*1" failure token or NULL).
std::string hash_with(std::string_view password, const std::string& setting) {
  const std::string phrase(password);
  auto data = std::make_unique<crypt_data>();  // value-initialized: crypt_r needs it zeroed
  const char* out = crypt_r(phrase.c_str(), setting.c_str(), data.get());
  std::string result = out && out[0] != '*' ? out : "";
  std::memset(data.get(), 0, sizeof(crypt_data));  // holds the passphrase
  return result;
}

}  // namespace

std::expected<auth_users, std::string> auth_users::parse(std::string_view text, std::string_view origin) {
  auth_users users;
  content_lines lines(text);
  std::string_view line;
  std::size_t line_no = 0;
  while (lines.next(line, line_no)) {
    auto fail = [&](std::string_view why) {
      return std::unexpected(fmt::format("{}:{}: {}", origin, line_no, why));
    };
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return fail("expected \"user:hash\"");
    std::string user(line.substr(0, colon));
    std::string hash(line.substr(colon + 1));
    if (user.empty()) return fail("empty user name");
    // crypt_checksalt looks at the method prefix and salt only; the full hash is checked by length below.
    const int check = crypt_checksalt(hash.c_str());
    if (hash.empty() || check == CRYPT_SALT_INVALID || check == CRYPT_SALT_METHOD_DISABLED)
      return fail(fmt::format("the hash for \"{}\" is not a crypt(3) hash (use e.g. mkpasswd -m yescrypt)", user));
    if (check == CRYPT_SALT_METHOD_LEGACY || hash[0] != '$')
      return fail(fmt::format("the hash for \"{}\" is a legacy DES/MD5 hash or a plain password; "
                              "use $y$ (yescrypt) or $6$ (SHA-512)", user));
    if (!users.hashes_.emplace(std::move(user), std::move(hash)).second) return fail("duplicate user");
  }
  return users;
}

std::expected<auth_users, std::string> auth_users::load(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::unexpected(fmt::format("{}: cannot open: {}", file.string(), std::strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return std::unexpected(fmt::format("{}: cannot read", file.string()));
  return parse(text.str(), file.string());
}

bool auth_users::verify(std::string_view user, std::string_view password) const {
  // crypt takes a C string: a NUL would silently cut the password short.
  const bool usable = password.find('\0') == std::string_view::npos && password.size() < CRYPT_MAX_PASSPHRASE_SIZE;
  const auto it = hashes_.find(std::string(user));
  const std::string setting = it != hashes_.end() ? it->second : std::string(decoy_hash);
  const std::string computed = hash_with(usable ? password : std::string_view{}, setting);
  const bool equal = !computed.empty() && constant_time_equal(computed, setting);
  return equal && usable && it != hashes_.end();
}

}  // namespace kizuna::smtp
