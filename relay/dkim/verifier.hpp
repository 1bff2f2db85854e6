// Checks Kizuna's own signatures against the keys it holds: `kizuna preview`
// shows whether the signature it would send verifies, and the tests use it as
// a property oracle beside three independent verifiers. Not a general DKIM
// verifier: no DNS, relaxed/relaxed only, keys looked up by d= and s= in a
// key_table.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "relay/dkim/key_table.hpp"

namespace kizuna::dkim {

struct signature_check {
  std::string domain;     // d=
  std::string selector;   // s=
  std::string algorithm;  // a=
  std::vector<std::string> headers;  // h=, as written
  bool body_ok = false;   // bh= matches the body
  bool ok = false;        // bh= and b= both verify
  std::string problem;    // why not, "" when ok
};

// One entry per DKIM-Signature field of `message` (plain form, CRLF), top first.
std::vector<signature_check> check_signatures(std::string_view message, const key_table& keys);

// A tag-list (RFC 6376 §3.2) as name/value pairs, whitespace removed around and,
// for b=/bh=/h=, inside values. nullopt-like empty on a syntax error.
std::vector<std::pair<std::string, std::string>> parse_tag_list(std::string_view value);

}  // namespace kizuna::dkim
