// The users a listener accepts for AUTH (listen[].auth): a file of lines
// "user:hash", the hash in crypt(3) form ($y$ yescrypt, $6$ SHA-512, $2b$
// bcrypt, as `mkpasswd` or `openssl passwd -6` print them). Blank lines and
// lines starting with '#' are skipped.
//
// Verification runs crypt_r (libxcrypt) and compares its result in constant
// time; an unknown user costs one hash too, so timing does not tell which
// users exist. crypt is slow on purpose (milliseconds to tens of ms): callers on
// an I/O thread must run verify() elsewhere (server_session does).
//
// Errors: load/parse report "file:line: why" for a line without ':', an empty
// user, a duplicate user, or a hash crypt does not support or that is a legacy
// DES/MD5 hash (a plain-text password would otherwise be taken for a DES hash
// and never match). Passwords are never logged or kept.
#pragma once

#include <expected>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>

namespace kizuna::smtp {

class auth_users {
 public:
  // `origin` names the text in error messages (the file's path).
  static std::expected<auth_users, std::string> parse(std::string_view text, std::string_view origin);
  static std::expected<auth_users, std::string> load(const std::filesystem::path& file);

  // True when `user` exists and crypt(password, its hash) reproduces the hash.
  bool verify(std::string_view user, std::string_view password) const;
  std::size_t size() const { return hashes_.size(); }

 private:
  std::unordered_map<std::string, std::string> hashes_;  // user -> crypt(3) hash
};

}  // namespace kizuna::smtp
