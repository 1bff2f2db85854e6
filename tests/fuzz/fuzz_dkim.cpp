// Fuzz target: DKIM signing of a copy (relay/dkim: canonical, signer,
// from_domain, verifier) on bytes a client controls (the message, its From).
//
// Oracles:
//  - relaxed body canonicalization is idempotent, and the streamed hash equals
//    the hash of the built canonical body;
//  - from_domain of the first From value, when ok, is already in normal form
//    (normalize_domain leaves it unchanged);
//  - a message with exactly one From (and not too many fields) signs, and every
//    signature made verifies with Kizuna's own checker (same bytes, Ed25519
//    and RSA keys made once); with other than one From, sign refuses;
//  - the signature fields are ASCII with every line under 78 octets and end in CRLF.
#include <algorithm>
#include <optional>
#include <vector>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "relay/core/address.hpp"
#include "relay/core/ascii.hpp"
#include "relay/core/sha256.hpp"
#include "relay/dkim/canonical.hpp"
#include "relay/dkim/from_domain.hpp"
#include "relay/dkim/key_table.hpp"
#include "relay/dkim/verifier.hpp"
#include "relay/mime/header.hpp"

namespace {

using namespace kizuna;

const dkim::key_table& keys() {
  static const dkim::key_table table({
      {"example.com", "ed", dkim::private_key::generate(dkim::algorithm::ed25519_sha256, 0), {}},
      {"example.com", "rsa", dkim::private_key::generate(dkim::algorithm::rsa_sha256, 1024), {}},
  });
  return table;
}

std::string digest_of(std::string_view s) {
  sha256 h;
  h.update(s);
  const auto d = h.digest();
  return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 64 * 1024) return -1;
  const std::string_view msg(reinterpret_cast<const char*>(data), size);

  const std::string canon = dkim::relaxed_body(msg);
  if (dkim::relaxed_body(canon) != canon) kizuna::fuzz::oracle_failed(__FILE__, __LINE__, "relaxed body not idempotent", msg);
  {
    const auto streamed = dkim::relaxed_body_hash(msg);
    if (std::string(reinterpret_cast<const char*>(streamed.data()), streamed.size()) != digest_of(canon))
      kizuna::fuzz::oracle_failed(__FILE__, __LINE__, "streamed body hash differs", msg);
  }

  const mime::header_block header = mime::parse_header_block(msg, 0);
  std::size_t froms = 0;
  for (const auto& f : header.fields) {
    if (f.name.size() != 4 || !iequals(f.name, "From")) continue;
    if (froms++ == 0)
      if (auto d = dkim::from_domain(f.value)) {
        auto again = normalize_domain(*d);
        if (!again || *again != *d) kizuna::fuzz::oracle_failed(__FILE__, __LINE__, "from_domain not normalized", *d);
      }
  }

  // Ed25519 on every input; RSA (slower) on a few.
  std::vector<const dkim::signing_key*> which{&keys().keys()[0]};
  if (size % 16 == 0) which.push_back(&keys().keys()[1]);
  auto sig = dkim::sign(msg, which, {1'800'000'000, std::nullopt});
  const bool signable = froms == 1 && !(header.defects & mime::defect::too_many_fields);
  if (sig.has_value() != signable) kizuna::fuzz::oracle_failed(__FILE__, __LINE__, "sign accepted or refused the wrong From count", msg);
  if (!sig) return 0;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < sig->size(); ++i) {
    const auto c = static_cast<unsigned char>((*sig)[i]);
    if (c >= 0x80 || (c < 0x20 && c != '\r' && c != '\n' && c != '\t')) kizuna::fuzz::oracle_failed(__FILE__, __LINE__, "non-ASCII in signature", *sig);
    if (c == '\n') {
      if (i - line_start > 79) kizuna::fuzz::oracle_failed(__FILE__, __LINE__, "signature line too long", *sig);
      line_start = i + 1;
    }
  }
  if (!sig->ends_with("\r\n")) kizuna::fuzz::oracle_failed(__FILE__, __LINE__, "signature does not end in CRLF", *sig);
  const std::string signed_msg = *sig + std::string(msg);
  const auto checks = dkim::check_signatures(signed_msg, keys());
  if (checks.size() < which.size()) kizuna::fuzz::oracle_failed(__FILE__, __LINE__, "signatures not found again", signed_msg);
  for (std::size_t i = 0; i < which.size(); ++i)
    if (!checks[i].ok) kizuna::fuzz::oracle_failed(__FILE__, __LINE__, "own signature does not verify", checks[i].problem + "\n" + signed_msg);
  return 0;
}
