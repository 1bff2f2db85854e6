// `kizuna dkim` (issue 12): the admin's side of DKIM signing keys.
//
// - keygen makes a signing key (RSA, 2048 bits by default, or Ed25519), writes
//   it as PKCS#8 PEM to a new file of mode 0600 (never over an existing one: a
//   key already published in DNS must not be lost), and prints the TXT record to
//   publish in zone-file form, with the config lines to add on stderr.
// - dns prints, for each dkim.keys entry of a config, the record its loaded key
//   needs: what the DNS must publish for the relay's signatures to verify.
//
// Records are printed as RFC 1035 character-strings of at most 255 octets
// each (§3.3; §3.3.14 lets a TXT record hold several, and RFC 6376 §3.6.2.2
// says a verifier joins them without separators): an RSA-2048 p= alone is 392.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <expected>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "relay/cli/exit_status.hpp"
#include "relay/cli/subcommands.hpp"
#include "relay/config/loader.hpp"
#include "relay/core/address.hpp"
#include "relay/dkim/names.hpp"
#include "relay/dkim/private_key.hpp"

namespace kizuna::cli {
namespace {

constexpr std::string_view help =
    "usage: kizuna dkim keygen --domain DOMAIN --selector SELECTOR [--type rsa|ed25519]\n"
    "                          [--bits N] [--out FILE]\n"
    "       kizuna dkim dns --config FILE\n"
    "\n"
    "keygen   makes a DKIM signing key and writes it, PKCS#8 PEM, to a new file of mode\n"
    "         0600: FILE (default DOMAIN.SELECTOR.pem in the current directory). An\n"
    "         existing file is never overwritten (exit 73): it may be a key already\n"
    "         published. Prints the TXT record to publish at\n"
    "         SELECTOR._domainkey.DOMAIN. on stdout (zone-file form, strings of at most\n"
    "         255 characters) and, on stderr, the file written and the dkim.keys entry\n"
    "         to add to kizuna.yaml.\n"
    "dns      prints the TXT record of every dkim.keys entry of the config, computed\n"
    "         from its key file, each under a '; dkim.keys[i]: FILE (TYPE)' comment:\n"
    "         what DNS must publish for the relay's signatures to verify.\n"
    "\n"
    "options:\n"
    "  --domain DOMAIN    the signing domain (d=); IDN domains become A-labels; it\n"
    "                     must have at least two labels (the organizational domain or\n"
    "                     below, for DMARC alignment)\n"
    "  --selector S       the selector (s=): letters, digits and '-', dot-separated labels\n"
    "  --type T           rsa (default; rsa-sha256, every verifier knows it) or ed25519\n"
    "                     (ed25519-sha256, RFC 8463; not every verifier knows it yet:\n"
    "                     publish it next to an RSA key, not instead)\n"
    "  --bits N           RSA modulus size, 1024..8192 (default 2048; RFC 8301 asks for\n"
    "                     at least 2048); not for ed25519\n"
    "  --out FILE         where to write the private key\n"
    "  --config FILE      kizuna.yaml (dns)\n"
    "\n"
    "Exit status: 0 ok, 64 usage, 73 the key file exists or cannot be created,\n"
    "74 writing it failed, 78 configuration (dns: an invalid config, or one without a\n"
    "dkim section: there is then nothing to publish, which for this command is an error).\n";

constexpr std::size_t max_character_string = 255;  // RFC 1035 §3.3
constexpr unsigned default_rsa_bits = 2048;

int usage(const std::string& why) {
  std::fprintf(stderr, "kizuna dkim: %s (try 'kizuna dkim --help')\n", why.c_str());
  return ex_usage;
}

struct dkim_options {
  std::string subcommand;
  std::optional<std::string> domain, selector, type, bits, out, config;
  bool help = false;
  std::vector<std::string> extra;  // positional arguments after the subcommand (none are taken)
};

std::expected<dkim_options, int> parse(const arguments& args) {
  dkim_options o;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    if (a == "--help" || a == "-h") {
      o.help = true;
      continue;
    }
    if (!a.starts_with("-") || a == "-") {
      if (o.subcommand.empty())
        o.subcommand = std::string(a);
      else
        o.extra.emplace_back(a);
      continue;
    }
    // "--name VALUE" or "--name=VALUE"; every option takes a value.
    std::string name(a), value;
    if (auto eq = a.find('='); eq != std::string_view::npos) {
      name = std::string(a.substr(0, eq));
      value = std::string(a.substr(eq + 1));
    }
    std::optional<std::string>* slot = nullptr;
    if (name == "--domain") slot = &o.domain;
    else if (name == "--selector") slot = &o.selector;
    else if (name == "--type") slot = &o.type;
    else if (name == "--bits") slot = &o.bits;
    else if (name == "--out") slot = &o.out;
    else if (name == "--config" || name == "-c") slot = &o.config;
    else return std::unexpected(usage("unknown option '" + std::string(a) + "'"));
    if (name.size() == a.size()) {
      if (i + 1 >= args.size()) return std::unexpected(usage(name + " needs a value"));
      value = std::string(args[++i]);
    }
    if (*slot) return std::unexpected(usage(name + " given twice"));
    *slot = std::move(value);
  }
  return o;
}

// `sel._domainkey.example.com. IN TXT ( "v=DKIM1; k=rsa; " "p=..." ... )`, one
// string per line: the tags, then p= in pieces of at most 255 octets.
std::string zone_record(std::string_view domain, std::string_view selector, std::string_view txt) {
  std::vector<std::string_view> strings;
  auto split = [&](std::string_view part) {
    for (std::size_t at = 0; at < part.size(); at += max_character_string)
      strings.push_back(part.substr(at, max_character_string));
  };
  const auto p = txt.find("p=");
  split(txt.substr(0, p));
  if (p != std::string_view::npos) split(txt.substr(p));
  std::string out = std::string(selector) + "._domainkey." + std::string(domain) + ". IN TXT (";
  for (std::size_t i = 0; i < strings.size(); ++i) {
    out += i == 0 ? " \"" : "\n\t\"";
    for (char c : strings[i]) {
      // The record is base64 and tag text; quote the two specials anyway.
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + " )\n";
}

std::string key_type(const dkim::private_key& key) {
  if (key.alg() == dkim::algorithm::ed25519_sha256) return "ed25519";
  return "rsa-" + std::to_string(key.bits());
}

// A path as a YAML flow scalar: plain when that reads back the same, else double-quoted.
std::string yaml_scalar(const std::string& s) {
  const bool plain = !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '.' || c == '_' || c == '-';
  });
  if (plain) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// A key file being written: closed on every path, removed unless completed.
struct new_key_file {
  std::string path;
  int fd = -1;
  bool kept = false;
  ~new_key_file() {
    if (fd >= 0) ::close(fd);
    if (!kept) ::unlink(path.c_str());
  }
  // 0 or the errno of the failed write, fsync or close.
  int write_and_close(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::write(fd, data.data(), data.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return n < 0 ? errno : EIO;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    if (::fsync(fd) != 0) return errno;
    const int rc = ::close(fd);
    fd = -1;
    return rc != 0 ? errno : 0;
  }
};

int keygen(const dkim_options& o) {
  if (!o.domain) return usage("keygen: --domain DOMAIN is required");
  if (!o.selector) return usage("keygen: --selector SELECTOR is required");
  if (o.config) return usage("--config applies to dns");
  auto domain = dkim::signing_domain(*o.domain);
  if (!domain) return usage("--domain: " + domain.error());
  const std::string& selector = *o.selector;
  if (!dkim::is_selector(selector))
    return usage("--selector: expected letters, digits and '-' in dot-separated labels, got \"" + selector + "\"");
  const std::string type = o.type.value_or("rsa");
  if (type != "rsa" && type != "ed25519") return usage("--type: expected rsa or ed25519, got \"" + type + "\"");
  const auto alg = type == "rsa" ? dkim::algorithm::rsa_sha256 : dkim::algorithm::ed25519_sha256;
  unsigned bits = default_rsa_bits;
  if (o.bits) {
    if (alg != dkim::algorithm::rsa_sha256) return usage("--bits applies to rsa keys (an ed25519 key has no size)");
    const auto& b = *o.bits;
    auto [end, ec] = std::from_chars(b.data(), b.data() + b.size(), bits);
    if (ec != std::errc{} || end != b.data() + b.size() || bits < dkim::min_rsa_bits || bits > dkim::max_rsa_bits)
      return usage("--bits: expected " + std::to_string(dkim::min_rsa_bits) + ".." +
                   std::to_string(dkim::max_rsa_bits) + ", got \"" + b + "\"");
  }
  const std::string out = o.out.value_or(*domain + "." + selector + ".pem");
  if (out.empty()) return usage("--out needs a file");

  // The file first: an existing key is reported before minutes of RSA-8192 work.
  new_key_file file{out};
  file.fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (file.fd < 0) {
    file.kept = true;  // not ours to remove
    if (errno == EEXIST)
      std::fprintf(stderr, "kizuna dkim: %s already exists; not overwriting a key (remove it or choose --out)\n",
                   out.c_str());
    else
      std::fprintf(stderr, "kizuna dkim: cannot create %s: %s\n", out.c_str(), std::strerror(errno));
    return ex_cantcreat;
  }
  // 0600 whatever the umask (a umask can only take bits away, e.g. the owner's write).
  if (::fchmod(file.fd, 0600) != 0) {
    std::fprintf(stderr, "kizuna dkim: cannot chmod %s: %s\n", out.c_str(), std::strerror(errno));
    return ex_cantcreat;
  }
  // An OpenSSL failure throws: commands.cpp reports it (exit 70), `file` removes the empty file.
  const auto key = dkim::private_key::generate(alg, bits);
  if (const int err = file.write_and_close(key->pem())) {
    std::fprintf(stderr, "kizuna dkim: cannot write %s: %s\n", out.c_str(), std::strerror(err));
    return ex_ioerr;
  }
  file.kept = true;

  std::fputs(zone_record(*domain, selector, key->dns_record()).c_str(), stdout);
  std::error_code ec;
  const auto absolute = std::filesystem::absolute(out, ec);
  const std::string where = ec ? out : absolute.lexically_normal().string();
  std::fprintf(stderr,
               "kizuna dkim: wrote the %s private key to %s (mode 0600)\n"
               "Publish the TXT record above, chown the key to the user kizuna runs as (its mode\n"
               "must stay 0600, or 0640 for a group), and add to kizuna.yaml:\n"
               "dkim:\n"
               "  keys:\n"
               "    - {domain: %s, selector: %s, key_file: %s}\n",
               key_type(*key).c_str(), where.c_str(), domain->c_str(), selector.c_str(), yaml_scalar(where).c_str());
  if (alg == dkim::algorithm::rsa_sha256 && bits < 2048)
    std::fprintf(stderr, "warning: RSA keys under 2048 bits are weak; RFC 8301 §3.2 asks signers for 2048\n");
  return 0;
}

int dns(const dkim_options& o) {
  if (!o.config) return usage("dns: --config FILE is required");
  for (const auto* opt : {&o.domain, &o.selector, &o.type, &o.bits, &o.out})
    if (*opt) return usage("dns takes only --config (the other options apply to keygen)");
  auto cfg = config::load(*o.config);
  if (!cfg) {
    for (const auto& d : cfg.error()) std::fprintf(stderr, "%s\n", d.to_string().c_str());
    return ex_config;
  }
  const auto& dkim = (*cfg)->dkim;
  if (!dkim) {
    std::fprintf(stderr, "kizuna dkim: %s has no dkim section: there is no key to publish\n", o.config->c_str());
    return ex_config;
  }
  // A valid config loaded every key, once per (domain, selector).
  const auto& loaded = dkim->table->keys();
  for (std::size_t i = 0; i < dkim->keys.size(); ++i) {
    const auto& k = dkim->keys[i];
    auto it = std::find_if(loaded.begin(), loaded.end(), [&](const dkim::signing_key& s) {
      return s.domain == k.domain && s.selector == k.selector;
    });
    if (it == loaded.end() || !it->key) {
      std::fprintf(stderr, "kizuna dkim: dkim.keys[%zu]: %s: the key was not loaded\n", i, k.key_file.c_str());
      return ex_software;
    }
    if (i > 0) std::fputs("\n", stdout);
    std::printf("; dkim.keys[%zu]: %s (%s)\n", i, k.key_file.c_str(), key_type(*it->key).c_str());
    std::fputs(zone_record(k.domain, k.selector, it->key->dns_record()).c_str(), stdout);
  }
  return 0;
}

}  // namespace

int dkim_command(const arguments& args) {
  auto o = parse(args);
  if (!o) return o.error();
  if (o->help || o->subcommand == "help") return std::fputs(help.data(), stdout), 0;
  if (o->subcommand.empty()) return usage("a command is required: keygen or dns");
  if (o->subcommand != "keygen" && o->subcommand != "dns") return usage("unknown command '" + o->subcommand + "'");
  if (!o->extra.empty()) return usage("unexpected argument '" + o->extra.front() + "'");
  return o->subcommand == "keygen" ? keygen(*o) : dns(*o);
}

}  // namespace kizuna::cli
