#include "relay/dkim/signer.hpp"

#include <fmt/format.h>

#include <array>
#include <cctype>

#include "relay/core/ascii.hpp"
#include "relay/core/base64.hpp"
#include "relay/dkim/canonical.hpp"
#include "relay/mime/header.hpp"

namespace kizuna::dkim {
namespace {

constexpr std::array<std::string_view, 15> signed_by_default = {
    "from",         "reply-to", "sender",       "to",
    "cc",           "subject",  "date",         "message-id",
    "mime-version", "content-type", "content-transfer-encoding", "in-reply-to",
    "references",   "list-unsubscribe", "list-unsubscribe-post"};

constexpr std::array<std::string_view, 7> oversigned = {"from", "reply-to", "to", "subject", "date",
                                                        "list-unsubscribe", "list-unsubscribe-post"};

// Lines of the signature field are folded before this column (RFC 5322 §2.1.1: 78).
constexpr std::size_t fold_at = 76;

bool same_name(std::string_view a, std::string_view b) noexcept { return iequals(a, b); }

// Appends `piece` to the field being built, starting a new folded line first
// when it would pass fold_at. `col` is the current line's length.
void put(std::string& field, std::size_t& col, std::string_view piece, bool may_fold = true) {
  if (may_fold && col + piece.size() > fold_at && col > 1) {
    field += "\r\n\t";
    col = 1;
  }
  field += piece;
  col += piece.size();
}

}  // namespace

std::string_view raw_value(std::string_view message, const mime::header_field& f) {
  std::string_view raw = message.substr(f.raw.begin, f.raw.size());
  const auto colon = raw.find(':');
  raw = colon == std::string_view::npos ? std::string_view{} : raw.substr(colon + 1);
  if (raw.ends_with("\r\n"))
    raw.remove_suffix(2);
  else if (raw.ends_with('\n'))
    raw.remove_suffix(1);
  return raw;
}

std::span<const std::string_view> default_signed_headers() noexcept { return signed_by_default; }

bool is_oversigned(std::string_view lower_name) noexcept {
  for (std::string_view n : oversigned)
    if (n == lower_name) return true;
  return false;
}

std::size_t count_from_fields(std::string_view message) {
  const mime::header_block h = mime::parse_header_block(message, 0);
  std::size_t n = 0;
  for (const auto& f : h.fields) n += same_name(f.name, "From");
  return n;
}

std::expected<std::string, std::string> sign(std::string_view message, std::span<const signing_key* const> keys,
                                             const sign_options& options) {
  const mime::header_block header = mime::parse_header_block(message, 0);
  if (header.defects & mime::defect::too_many_fields)
    return std::unexpected("too many header fields to sign");
  std::size_t from_count = 0;
  for (const auto& f : header.fields) from_count += same_name(f.name, "From");
  if (from_count != 1) return std::unexpected(fmt::format("the copy has {} From fields, not one", from_count));

  const std::string_view body = message.substr(std::min(header.body_begin, message.size()));
  const std::string bh = base64_encode(std::string_view(reinterpret_cast<const char*>(relaxed_body_hash(body).data()),
                                                        sizeof(sha256_digest)));
  std::string out;
  for (const signing_key* k : keys) {
    // h= and the canonical fields it names, each instance taken from the bottom up (RFC 6376 §5.4.2).
    std::vector<std::string_view> names;
    std::string data;
    std::vector<std::string_view> wanted(k->headers.begin(), k->headers.end());
    if (wanted.empty()) wanted.assign(signed_by_default.begin(), signed_by_default.end());
    for (std::string_view name : wanted) {
      for (auto it = header.fields.rbegin(); it != header.fields.rend(); ++it) {
        if (!same_name(it->name, name)) continue;
        append_relaxed_header(data, it->name, raw_value(message, *it));
        names.push_back(name);
      }
      if (is_oversigned(name)) names.push_back(name);  // one more than present: none can be added
    }

    std::string field = "DKIM-Signature:";
    std::size_t col = field.size();
    put(field, col, " v=1;", false);
    put(field, col, fmt::format(" a={};", tag_of(k->key->alg())));
    put(field, col, " c=relaxed/relaxed;");
    put(field, col, fmt::format(" d={};", k->domain));
    put(field, col, fmt::format(" s={};", k->selector));
    put(field, col, fmt::format(" t={};", options.now));
    if (options.expire_s) put(field, col, fmt::format(" x={};", options.now + static_cast<std::int64_t>(*options.expire_s)));
    put(field, col, " h=");
    for (std::size_t i = 0; i < names.size(); ++i)
      put(field, col, fmt::format("{}{}", i ? ":" : "", names[i]), i > 0);
    put(field, col, ";", false);
    put(field, col, fmt::format(" bh={};", bh));
    put(field, col, " b=");

    // The signature field itself, b= empty and without its line end, closes the hashed data (§3.7).
    std::string canonical_self;
    append_relaxed_header(canonical_self, "DKIM-Signature", std::string_view(field).substr(field.find(':') + 1));
    canonical_self.resize(canonical_self.size() - 2);
    sha256 h;
    h.update(data).update(canonical_self);
    const std::string b = base64_encode(k->key->sign(h.digest()));
    for (std::size_t i = 0; i < b.size();) {
      const std::size_t room = col >= fold_at ? 0 : fold_at - col;
      if (room == 0) {
        field += "\r\n\t";
        col = 1;
        continue;
      }
      const std::size_t n = std::min(room, b.size() - i);
      field.append(b, i, n);
      col += n;
      i += n;
    }
    field += "\r\n";
    out += field;
  }
  return out;
}

}  // namespace kizuna::dkim
