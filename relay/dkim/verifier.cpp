#include "relay/dkim/verifier.hpp"

#include <algorithm>
#include <cstring>

#include "relay/core/ascii.hpp"
#include "relay/core/base64.hpp"
#include "relay/dkim/canonical.hpp"
#include "relay/mime/header.hpp"

namespace kizuna::dkim {
namespace {

bool is_fws(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_fws(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_fws(s.back())) s.remove_suffix(1);
  return s;
}

std::string without_fws(std::string_view s) {
  std::string out;
  for (char c : s)
    if (!is_fws(c)) out += c;
  return out;
}

// The field's value with the b= tag's value removed (RFC 6376 §3.7).
std::string without_b(std::string_view value) {
  std::size_t pos = 0;
  while (pos < value.size()) {
    std::size_t semi = value.find(';', pos);
    if (semi == std::string_view::npos) semi = value.size();
    const std::string_view tag = value.substr(pos, semi - pos);
    const auto eq = tag.find('=');
    if (eq != std::string_view::npos && trim(tag.substr(0, eq)) == "b") {
      std::string out(value.substr(0, pos + eq + 1));
      out += value.substr(semi);
      return out;
    }
    pos = semi + 1;
  }
  return std::string(value);
}

}  // namespace

std::vector<std::pair<std::string, std::string>> parse_tag_list(std::string_view value) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t pos = 0;
  while (pos <= value.size()) {
    std::size_t semi = value.find(';', pos);
    if (semi == std::string_view::npos) semi = value.size();
    const std::string_view tag = trim(value.substr(pos, semi - pos));
    pos = semi + 1;
    if (tag.empty()) continue;  // a trailing ';'
    const auto eq = tag.find('=');
    if (eq == std::string_view::npos) return {};
    std::string name(trim(tag.substr(0, eq)));
    std::string v(trim(tag.substr(eq + 1)));
    if (name == "b" || name == "bh" || name == "h") v = without_fws(v);
    out.emplace_back(std::move(name), std::move(v));
  }
  return out;
}

std::vector<signature_check> check_signatures(std::string_view message, const key_table& keys) {
  std::vector<signature_check> out;
  const mime::header_block header = mime::parse_header_block(message, 0);
  const std::string_view body = message.substr(std::min(header.body_begin, message.size()));
  std::string bh_text;
  bool bh_done = false;
  for (const auto& sig : header.fields) {
    if (!iequals(sig.name, "DKIM-Signature")) continue;
    signature_check c;
    std::string b, bh, canon;
    for (auto& [name, v] : parse_tag_list(raw_value(message, sig))) {
      if (name == "d") c.domain = v;
      else if (name == "s") c.selector = v;
      else if (name == "a") c.algorithm = v;
      else if (name == "b") b = v;
      else if (name == "bh") bh = v;
      else if (name == "c") canon = v;
      else if (name == "h") {
        std::size_t p = 0;
        while (p <= v.size()) {
          const auto colon = std::min(v.find(':', p), v.size());
          c.headers.emplace_back(v.substr(p, colon - p));
          p = colon + 1;
        }
      }
    }
    const signing_key* key = nullptr;
    for (const signing_key& k : keys.keys())
      if (iequals(k.domain, c.domain) && k.selector == c.selector) key = &k;
    if (canon != "relaxed/relaxed") c.problem = "not relaxed/relaxed";
    else if (!key) c.problem = "no key for d=" + c.domain + " s=" + c.selector;
    else if (c.algorithm != tag_of(key->key->alg())) c.problem = "a= does not match the key";
    if (!c.problem.empty()) {
      out.push_back(std::move(c));
      continue;
    }
    if (!bh_done) {
      const sha256_digest d = relaxed_body_hash(body);
      bh_text = base64_encode(std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
      bh_done = true;
    }
    c.body_ok = bh == bh_text;
    std::string data;
    std::vector<std::size_t> used;  // fields already taken, bottom-up per name
    for (const std::string& name : c.headers) {
      for (std::size_t i = header.fields.size(); i-- > 0;) {
        if (!iequals(header.fields[i].name, name)) continue;
        if (std::find(used.begin(), used.end(), i) != used.end()) continue;
        used.push_back(i);
        append_relaxed_header(data, header.fields[i].name, raw_value(message, header.fields[i]));
        break;
      }
    }
    append_relaxed_header(data, sig.name, without_b(raw_value(message, sig)));
    data.resize(data.size() - 2);
    sha256 h;
    h.update(data);
    const auto raw_b = base64_decode(b);
    const bool sig_ok = raw_b && key->key->verify(h.digest(), *raw_b);
    c.ok = c.body_ok && sig_ok;
    if (!c.body_ok) c.problem = "body hash mismatch";
    else if (!sig_ok) c.problem = "signature does not verify";
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace kizuna::dkim
