// Relaxed canonicalization (relay/dkim/canonical.hpp): the RFC 6376 §3.4.5
// example, and properties the verifiers rely on: whitespace runs, trailing
// space and trailing empty lines never change the result; canonicalizing twice
// changes nothing; the streamed hash equals the hash of the built body.
#define BOOST_TEST_MODULE dkim
#include <boost/test/unit_test.hpp>

#include <random>
#include <vector>
#include <string>

#include "relay/core/sha256.hpp"
#include "relay/dkim/canonical.hpp"

using namespace kizuna;
using namespace kizuna::dkim;

namespace {
std::string relaxed_header(std::string_view name, std::string_view value) {
  std::string out;
  append_relaxed_header(out, name, value);
  return out;
}
std::string sha_of(std::string_view s) {
  sha256 h;
  h.update(s);
  auto d = h.digest();
  return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}
// RFC 6376 §3.4.4 written the obvious way, as the oracle for the fast paths.
std::string reference_body(std::string_view body) {
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos < body.size()) {
    std::size_t end = body.find("\r\n", pos);
    const bool last = end == std::string_view::npos;
    if (last) end = body.size();
    std::string line;
    bool space = false;
    for (char c : body.substr(pos, end - pos)) {
      if (c == ' ' || c == '\t') {
        space = true;
        continue;
      }
      if (space) line += ' ';
      space = false;
      line += c;
    }
    lines.push_back(line);
    pos = last ? body.size() : end + 2;
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  std::string out;
  for (auto& l : lines) out += l + "\r\n";
  return out;
}

std::string str(const sha256_digest& d) { return std::string(reinterpret_cast<const char*>(d.data()), d.size()); }
}  // namespace

BOOST_AUTO_TEST_CASE(rfc6376_example_headers) {
  BOOST_TEST(relaxed_header("A", " X") == "a:X\r\n");
  BOOST_TEST(relaxed_header("B ", " Y\t\r\n\tZ  ") == "b:Y Z\r\n");
}

BOOST_AUTO_TEST_CASE(rfc6376_example_body) {
  BOOST_TEST(relaxed_body(" C \r\nD \t E\r\n\r\n\r\n") == " C\r\nD E\r\n");
}

BOOST_AUTO_TEST_CASE(header_name_is_lowercased_value_case_kept) {
  BOOST_TEST(relaxed_header("List-Unsubscribe-Post", " List-Unsubscribe=One-Click") ==
             "list-unsubscribe-post:List-Unsubscribe=One-Click\r\n");
  BOOST_TEST(relaxed_header("Subject", "") == "subject:\r\n");
  BOOST_TEST(relaxed_header("Subject", " \t \r\n ") == "subject:\r\n");
}

BOOST_AUTO_TEST_CASE(folded_encoded_words_unfold_to_one_space) {
  BOOST_TEST(relaxed_header("Subject", " =?ISO-2022-JP?B?GyRCJDMbKEI=?=\r\n =?ISO-2022-JP?B?GyRCJHMbKEI=?=") ==
             "subject:=?ISO-2022-JP?B?GyRCJDMbKEI=?= =?ISO-2022-JP?B?GyRCJHMbKEI=?=\r\n");
}

BOOST_AUTO_TEST_CASE(empty_body_is_empty_and_a_body_gets_a_final_crlf) {
  BOOST_TEST(relaxed_body("") == "");
  BOOST_TEST(relaxed_body("\r\n\r\n") == "");
  BOOST_TEST(relaxed_body(" \t\r\n") == "");
  BOOST_TEST(relaxed_body("no final newline") == "no final newline\r\n");
  BOOST_TEST(relaxed_body("a\r\n\r\nb") == "a\r\n\r\nb\r\n");
  BOOST_TEST(relaxed_body("\r\n\r\nx\r\n") == "\r\n\r\nx\r\n");
}

BOOST_AUTO_TEST_CASE(leading_whitespace_becomes_one_space_not_nothing) {
  BOOST_TEST(relaxed_body("\t\tindented\r\n") == " indented\r\n");
}

BOOST_AUTO_TEST_CASE(bare_cr_and_lf_are_ordinary_bytes) {
  BOOST_TEST(relaxed_body("a\nb\r\n") == "a\nb\r\n");
  BOOST_TEST(relaxed_body("a\rb \r\n") == "a\rb\r\n");
}

BOOST_AUTO_TEST_CASE(empty_body_hash_is_sha256_of_nothing) {
  BOOST_TEST(str(relaxed_body_hash("")) == sha_of(""));
  // RFC 6376 §3.4.4 note: the relaxed hash of an empty body is that of "" (47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=).
  BOOST_TEST(str(relaxed_body_hash("\r\n")) == sha_of(""));
}

BOOST_AUTO_TEST_CASE(property_whitespace_noise_never_changes_the_canonical_body) {
  std::mt19937 rng(6376);
  const std::string alphabet = "ab. \t=\r\n";
  for (int round = 0; round < 3000; ++round) {
    std::string body;
    const int n = static_cast<int>(rng() % 200);
    for (int i = 0; i < n; ++i) body += alphabet[rng() % alphabet.size()];
    const std::string canon = relaxed_body(body);
    BOOST_TEST_REQUIRE(relaxed_body(canon) == canon);                 // idempotent
    BOOST_TEST_REQUIRE(str(relaxed_body_hash(body)) == sha_of(canon));  // streamed = built
    // Noise a relay may add: trailing space on lines, space runs, trailing empty lines.
    std::string noisy;
    for (std::size_t i = 0; i < body.size(); ++i) {
      const char c = body[i];
      const bool line_end = c == '\r' && i + 1 < body.size() && body[i + 1] == '\n';
      if (c == ' ') noisy += (rng() % 2) ? " \t " : "\t";
      else if (line_end && (rng() % 3) == 0) noisy += " \r";
      else noisy += c;
    }
    noisy += (rng() % 2) ? "\r\n\r\n \r\n" : "";
    if (!body.empty() && body.back() != '\r') BOOST_TEST_REQUIRE(relaxed_body(noisy) == canon);
  }
}

BOOST_AUTO_TEST_CASE(large_body_hash_streams_across_the_buffer) {
  std::string body;
  for (int i = 0; i < 5000; ++i) body += "line " + std::to_string(i) + "  with\tspace  \r\n";
  body += std::string(20000, 'x');  // one piece larger than the buffer
  BOOST_TEST(str(relaxed_body_hash(body)) == sha_of(relaxed_body(body)));
}

BOOST_AUTO_TEST_CASE(property_matches_the_reference_on_clean_and_dirty_bodies) {
  std::mt19937 rng(4);
  // Alphabets with and without the bytes that force a rewrite (the fast path takes the latter).
  for (const std::string& alphabet : {std::string("ab.=\r\n"), std::string("ab \r\n"), std::string("ab \t\r\n")}) {
    for (int round = 0; round < 4000; ++round) {
      std::string body;
      for (int i = 0, n = int(rng() % 120); i < n; ++i) body += alphabet[rng() % alphabet.size()];
      if (rng() % 4 == 0) body += "\r\n\r\n";
      BOOST_TEST_REQUIRE(relaxed_body(body) == reference_body(body), body);
      BOOST_TEST_REQUIRE(str(relaxed_body_hash(body)) == sha_of(reference_body(body)), body);
    }
  }
}

BOOST_AUTO_TEST_CASE(space_pairs_and_tabs_at_every_offset_across_word_boundaries) {
  for (const std::string pair : {"  ", " \r\n", "\t", " \r"}) {
    for (std::size_t at = 0; at + pair.size() <= 40; ++at) {
      std::string body(40, 'x');
      body.replace(at, pair.size(), pair);
      body += "\r\n";
      BOOST_TEST_REQUIRE(relaxed_body(body) == reference_body(body), at);
    }
  }
}
