// Fuzz target: the config loader (relay/config/loader: kizuna.yaml) and the
// policy loader (relay/policy/loader), which take a file path: the input is
// written once to a file in a private temporary directory that also holds copies
// of tests/fixtures/config/files (so seeds that name cert.pem, users... resolve),
// and both loaders read that file. The directory is on /dev/shm when there is
// one: rewriting a file on ext4 (truncate + write + close) starts a writeback at
// each close, which made disk I/O most of this target's time.
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
  fs::path file;
  workspace() {
    std::error_code ec;
    const bool shm = fs::is_directory("/dev/shm", ec) && ::access("/dev/shm", W_OK) == 0;
    std::string tmpl = shm ? "/dev/shm/kizuna-fuzz-loaders.XXXXXX" : "/tmp/kizuna-fuzz-loaders.XXXXXX";
    if (!::mkdtemp(tmpl.data())) std::abort();
    dir = tmpl;
    // The fixtures name their files as ../files/cert.pem.
    file = dir / "valid" / "kizuna.yaml";
    fs::create_directory(dir / "valid");
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

  write(w.file, input);
  if (auto cfg = kizuna::config::load(w.file)) FUZZ_CHECK(*cfg != nullptr, input);
  else check(input, cfg.error());

  if (auto pol = kizuna::policy::load({w.file.string()})) FUZZ_CHECK(*pol != nullptr, input);
  else check(input, pol.error());
  return 0;
}
