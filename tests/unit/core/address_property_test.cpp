// Randomized property of "one mailbox, one key" (issue 10, defect 1): mailboxes
// are generated from a structure whose identity is known independently of the
// normalizer (the local part's characters and the domain's labels, compared in
// one case), then written in many spellings: ASCII and Unicode case, quoting,
// quoted-pairs, U-label or A-label, NFC or NFD, fullwidth letters and UTS #46
// full stops, surrounding whitespace. Every spelling of one mailbox must give
// one key; spellings of different mailboxes must never give the same key.
#include <boost/test/unit_test.hpp>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "relay/core/address.hpp"

using kizuna::normalize_address;

namespace {

// A character of a local part, in each of the spellings a client may use.
struct local_char {
  std::string lower;       // the canonical spelling (identity)
  std::string upper;       // another case of the same character
  std::string decomposed;  // NFD of `lower` (same as lower when there is none)
  std::string decomposed_upper;
  bool needs_quotes = false;  // not atext: the local part must be quoted
  bool needs_escape = false;  // '"' or '\\': must be a quoted-pair inside quotes
};

std::vector<local_char> local_alphabet() {
  std::vector<local_char> a;
  for (char c = 'a'; c <= 'z'; ++c) {
    const std::string l(1, c), u(1, static_cast<char>(c - 'a' + 'A'));
    a.push_back({l, u, l, u});
  }
  for (char c : std::string("0123456789+-_=!#$%&'*/?^`{|}~.")) {
    const std::string s(1, c);
    a.push_back({s, s, s, s});
  }
  for (char c : std::string(" @,:;<>[]()")) {
    const std::string s(1, c);
    a.push_back({s, s, s, s, true, false});
  }
  a.push_back({"\"", "\"", "\"", "\"", true, true});
  a.push_back({"\\", "\\", "\\", "\\", true, true});
  // é / É, ü / Ü (composed and decomposed), and kanji (no case, no decomposition).
  a.push_back({"\xc3\xa9", "\xc3\x89", "e\xcc\x81", "E\xcc\x81"});
  a.push_back({"\xc3\xbc", "\xc3\x9c", "u\xcc\x88", "U\xcc\x88"});
  a.push_back({"\xe5\xb1\xb1", "\xe5\xb1\xb1", "\xe5\xb1\xb1", "\xe5\xb1\xb1"});
  a.push_back({"\xe7\x94\xb0", "\xe7\x94\xb0", "\xe7\x94\xb0", "\xe7\x94\xb0"});
  return a;
}

// A domain label: ASCII letters and digits, or one of a few IDN labels whose
// A-label is known (written here, not computed by the code under test).
struct idn_label {
  std::string u_label, u_label_upper, u_label_nfd, a_label;
};

const std::vector<idn_label>& idn_labels() {
  static const std::vector<idn_label> labels{
      {"b\xc3\xbc" "cher", "B\xc3\x9c" "CHER", "bu\xcc\x88" "cher", "xn--bcher-kva"},
      {"m\xc3\xbc" "nchen", "M\xc3\x9c" "nchen", "mu\xcc\x88" "nchen", "xn--mnchen-3ya"},
      {"\xe4\xbe\x8b\xe3\x81\x88", "\xe4\xbe\x8b\xe3\x81\x88", "\xe4\xbe\x8b\xe3\x81\x88", "xn--r8jz45g"},
  };
  return labels;
}

struct label {
  int idn = -1;      // index into idn_labels(), or -1 for `ascii`
  std::string ascii;  // lower-case letters and digits
};

struct mailbox {
  std::vector<int> local;  // indices into the alphabet
  std::vector<label> domain;
};

// The identity of a mailbox, built without the normalizer.
std::string identity(const mailbox& m, const std::vector<local_char>& alpha) {
  std::string id;
  for (int i : m.local) id += alpha[static_cast<std::size_t>(i)].lower;
  id += '@';
  for (const label& l : m.domain) id += (l.idn >= 0 ? idn_labels()[static_cast<std::size_t>(l.idn)].a_label : l.ascii) + ".";
  return id;
}

class speller {
 public:
  explicit speller(std::mt19937& rng) : rng_(rng) {}

  bool coin(int one_in = 2) { return std::uniform_int_distribution<int>(0, one_in - 1)(rng_) == 0; }
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

  std::string spell(const mailbox& m, const std::vector<local_char>& alpha) {
    bool needs_quotes = false;
    for (int i : m.local) needs_quotes = needs_quotes || alpha[static_cast<std::size_t>(i)].needs_quotes;
    const bool quoted = needs_quotes || coin(3);
    std::string out = coin(8) ? " " : "";
    if (quoted) out += '"';
    for (int i : m.local) {
      const local_char& c = alpha[static_cast<std::size_t>(i)];
      if (quoted && (c.needs_escape || coin(6))) out += '\\';
      const bool up = coin(), nfd = coin();
      out += up ? (nfd ? c.decomposed_upper : c.upper) : (nfd ? c.decomposed : c.lower);
    }
    if (quoted) out += '"';
    out += '@';
    for (std::size_t k = 0; k < m.domain.size(); ++k) {
      if (k > 0) out += dot();
      const label& l = m.domain[k];
      if (l.idn >= 0) {
        const idn_label& x = idn_labels()[static_cast<std::size_t>(l.idn)];
        switch (pick(4)) {
          case 0: out += x.u_label; break;
          case 1: out += x.u_label_upper; break;
          case 2: out += x.u_label_nfd; break;
          default: out += coin() ? x.a_label : upper(x.a_label); break;
        }
      } else {
        for (char c : l.ascii) out += ascii_spelling(c);
      }
    }
    if (coin(8)) out += "\t";
    return out;
  }

 private:
  // '.', or a full stop UTS #46 maps to it: U+FF0E, U+3002, U+FF61.
  std::string dot() {
    switch (pick(6)) {
      case 0: return "\xef\xbc\x8e";
      case 1: return "\xe3\x80\x82";
      case 2: return "\xef\xbd\xa1";
      default: return ".";
    }
  }
  // A letter or digit of an ASCII label: as is, upper case, or fullwidth.
  std::string ascii_spelling(char c) {
    switch (pick(5)) {
      case 0: return upper(std::string(1, c));
      case 1: {  // fullwidth U+FF10.. / U+FF21.. / U+FF41..: three UTF-8 bytes EF BC/BD xx
        const unsigned cp = 0xFEE0u + static_cast<unsigned char>(coin() ? upper(std::string(1, c))[0] : c);
        std::string s;
        s += static_cast<char>(0xE0 | (cp >> 12));
        s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        s += static_cast<char>(0x80 | (cp & 0x3F));
        return s;
      }
      default: return std::string(1, c);
    }
  }
  static std::string upper(std::string s) {
    for (char& c : s)
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return s;
  }
  std::mt19937& rng_;
};

mailbox random_mailbox(std::mt19937& rng, const std::vector<local_char>& alpha, bool small) {
  speller s(rng);
  mailbox m;
  // A small alphabet and short parts make distinct mailboxes close to each other.
  const int local_len = 1 + s.pick(small ? 3 : 12);
  const int alpha_size = small ? 4 : static_cast<int>(alpha.size());
  for (int i = 0; i < local_len; ++i) m.local.push_back(s.pick(alpha_size));
  const int labels = 2 + s.pick(2);
  for (int k = 0; k < labels; ++k) {
    label l;
    if (k + 1 < labels && s.coin(4)) {
      l.idn = s.pick(static_cast<int>(idn_labels().size()));
    } else {
      const int n = 1 + s.pick(small ? 2 : 8);
      for (int i = 0; i < n; ++i) l.ascii += "abcdefghijklmnopqrstuvwxyz0123456789"[s.pick(small ? 2 : 36)];
      if (k + 1 == labels && l.ascii.front() >= '0' && l.ascii.front() <= '9') l.ascii.front() = 'x';
    }
    m.domain.push_back(l);
  }
  return m;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(address_property)

BOOST_AUTO_TEST_CASE(every_spelling_of_one_mailbox_gives_one_key) {
  const auto alpha = local_alphabet();
  std::mt19937 rng(20261206);
  speller s(rng);
  int checked = 0;
  for (int round = 0; round < 3000; ++round) {
    const mailbox m = random_mailbox(rng, alpha, false);
    std::string key;
    for (int v = 0; v < 8; ++v) {
      const std::string spelling = s.spell(m, alpha);
      auto n = normalize_address(spelling);
      BOOST_REQUIRE_MESSAGE(n, "rejected \"" << spelling << "\" (" << (n ? "" : n.error()) << ") round " << round);
      if (v == 0) key = *n;
      BOOST_REQUIRE_MESSAGE(*n == key, "\"" << spelling << "\" -> \"" << *n << "\" but an earlier spelling of "
                                           << identity(m, alpha) << " -> \"" << key << "\"");
      // Idempotent: the key is its own normal form.
      BOOST_REQUIRE_EQUAL(*normalize_address(*n), *n);
      ++checked;
    }
  }
  BOOST_TEST(checked == 24000);
}

BOOST_AUTO_TEST_CASE(spellings_of_different_mailboxes_never_collide) {
  const auto alpha = local_alphabet();
  std::mt19937 rng(6122026);
  speller s(rng);
  std::map<std::string, std::string> owner;  // key -> identity of the mailbox that produced it
  int distinct = 0;
  for (int round = 0; round < 20000; ++round) {
    const mailbox m = random_mailbox(rng, alpha, true);
    const std::string id = identity(m, alpha);
    auto n = normalize_address(s.spell(m, alpha));
    BOOST_REQUIRE(n);
    auto [it, fresh] = owner.emplace(*n, id);
    if (fresh) ++distinct;
    BOOST_REQUIRE_MESSAGE(it->second == id, "\"" << *n << "\" is the key of both " << it->second << " and " << id);
  }
  // The small alphabet makes many rounds hit the same mailbox again: both
  // sides of the property are exercised.
  BOOST_TEST(distinct > 1000);
  BOOST_TEST(distinct < 20000);
}

BOOST_AUTO_TEST_SUITE_END()
