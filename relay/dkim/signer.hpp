// Signs one copy (RFC 6376 §5, RFC 8301, RFC 8463): the DKIM-Signature fields
// that go above everything else in the copy, one per key, all relaxed/relaxed.
//
// - The body hash (bh=) is computed once and shared by every key; never l=, so
//   nothing can be appended under the signature.
// - h= lists each configured field as many times as the copy has it, plus once
//   more for the over-signed ones (From, Reply-To, To, Subject, Date and the
//   List-Unsubscribe pair), so a second such field added in transit breaks the
//   signature instead of being shown unsigned (RFC 6376 §8.15).
// - t= is `now`; x= is t + expire_s when set.
// - The copy must have exactly one From (RFC 5322 §3.6; DMARC reads its domain):
//   otherwise nothing is signed and the error says so. The caller checks this
//   earlier (copy_plan) so the copy's fate is decided before it is written ahead;
//   this check is the last line.
//
// Pure apart from the OpenSSL signing call. `message` is the copy in plain form
// (dot-stuffing removed), CRLF line ends: exactly the bytes a verifier reads.
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "relay/dkim/private_key.hpp"
#include "relay/mime/header.hpp"

namespace kizuna::dkim {

// The fields signed unless a key names its own list (lower-case).
std::span<const std::string_view> default_signed_headers() noexcept;
// Of the signed fields, those listed once more than present.
bool is_oversigned(std::string_view lower_name) noexcept;

struct signing_key {
  std::string domain;    // d=, lower-case A-labels
  std::string selector;  // s=
  std::shared_ptr<const private_key> key;
  std::vector<std::string> headers;  // lower-case names to sign; empty: default_signed_headers()
};

struct sign_options {
  std::int64_t now = 0;                   // t=, seconds since the epoch
  std::optional<std::uint64_t> expire_s;  // x= = t= + this
};

// The DKIM-Signature fields for `message`, in key order, each ending in CRLF.
std::expected<std::string, std::string> sign(std::string_view message, std::span<const signing_key* const> keys,
                                             const sign_options& options);

// A field's raw value in `message`: after the colon, up to (not including) its
// final line end, folds kept (what append_relaxed_header takes).
std::string_view raw_value(std::string_view message, const mime::header_field& field);

// How many From fields the header of `message` has (the signer's own count).
std::size_t count_from_fields(std::string_view message);

}  // namespace kizuna::dkim
