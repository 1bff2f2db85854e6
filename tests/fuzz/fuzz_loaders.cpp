// Fuzz target: the config loader (relay/config/loader: kizuna.yaml) and the
// policy loader (relay/policy/loader), which take a file path: the input is
// written to a file in a private temporary directory that also holds copies of
// tests/fixtures/config/files (so seeds that name cert.pem, users... resolve).
//
// Input: YAML text (seeds: tests/fixtures/config and tests/fixtures/policy).
// Oracles: neither loader crashes, hangs or throws; a failed load reports at
// least one diagnostic, and every diagnostic names a file and a position
// (line >= 1, column >= 1: "file:line:col: message"); a successful load gives
// a snapshot.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "fuzz_support.hpp"
#include "relay/config/loader.hpp"
#include "relay/policy/loader.hpp"

namespace fs = std::filesystem;

namespace {

struct workspace {
  fs::path dir;
  fs::path config;
  fs::path policy;
  workspace() {
    char tmpl[] = "/tmp/kizuna-fuzz-loaders.XXXXXX";
    if (!::mkdtemp(tmpl)) std::abort();
    dir = tmpl;
    // The fixtures name their files as ../files/cert.pem.
    config = dir / "valid" / "kizuna.yaml";
    policy = dir / "valid" / "policy.yaml";
    fs::create_directory(dir / "valid");
    std::error_code ec;
    fs::copy(fs::path(KIZUNA_SOURCE_DIR) / "tests/fixtures/config/files", dir / "files", fs::copy_options::recursive,
             ec);
    std::atexit([] { std::error_code ignored; fs::remove_all(instance().dir, ignored); });
  }
  static workspace& instance() {
    static workspace w;
    return w;
  }
};

void write(const fs::path& p, std::string_view text) {
  std::FILE* f = std::fopen(p.c_str(), "wb");
  if (!f) std::abort();
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
}

void check(std::string_view input, const kizuna::config::diagnostics& ds) {
  FUZZ_CHECK(!ds.empty(), input);
  for (const auto& d : ds) {
    const std::string where = d.to_string();
    FUZZ_CHECK(!d.file.empty(), where);
    FUZZ_CHECK(d.line >= 1 && d.column >= 1, where);
    FUZZ_CHECK(!d.message.empty(), where);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size > 64 * 1024) return 0;  // configs are KBs; the YAML parser's cost is not the question
  const std::string_view input(reinterpret_cast<const char*>(bytes), size);
  auto& w = workspace::instance();

  write(w.config, input);
  if (auto cfg = kizuna::config::load(w.config)) FUZZ_CHECK(*cfg != nullptr, input);
  else check(input, cfg.error());

  write(w.policy, input);
  if (auto pol = kizuna::policy::load({w.policy.string()})) FUZZ_CHECK(*pol != nullptr, input);
  else check(input, pol.error());
  return 0;
}
