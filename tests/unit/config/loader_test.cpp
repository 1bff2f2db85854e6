// Targeted tests of config::load(): defaults, every key decoded, path resolution,
// positions of diagnostics, and files that cannot be read. The invalid fixtures
// (fixtures_test.cpp) cover the wording of each kind of error.
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <algorithm>
#include <thread>

#include "relay/config/loader.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/unit/config/support.hpp"

namespace fs = std::filesystem;
using namespace kizuna::config;
using kizuna::test::config_fixtures;
using kizuna::test::printed;
using kizuna::test::temp_dir;
using kizuna::test::write_file;

namespace {

const char* const minimal =
    "listen:\n  - address: 127.0.0.1:2525\ndownstream:\n  maildir: md\nredis:\n  embedded: true\n";

snapshot load_ok(const fs::path& file) {
  auto loaded = load(file);
  std::string why;
  if (!loaded)
    for (const auto& d : loaded.error()) why += d.to_string() + "\n";
  BOOST_REQUIRE_MESSAGE(loaded.has_value(), why);
  return *loaded;
}

std::vector<std::string> errors_of(const temp_dir& dir, const std::string& yaml) {
  write_file(dir.path() / "kizuna.yaml", yaml);
  auto loaded = load(dir.path() / "kizuna.yaml");
  BOOST_REQUIRE(!loaded.has_value());
  return printed(loaded.error(), dir.path());
}

std::vector<std::string> texts(const std::vector<kizuna::cidr>& nets) {
  std::vector<std::string> out;
  for (const auto& n : nets) out.push_back(n.text());
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(minimal_file_gets_every_default) {
  const auto dir = config_fixtures() / "valid";
  auto s = load_ok(dir / "minimal.yaml");
  BOOST_TEST(s->source == dir / "minimal.yaml");
  BOOST_TEST(!s->hostname.empty());
  BOOST_TEST(s->threads >= 1u);
  BOOST_TEST(s->threads <= 256u);
  BOOST_REQUIRE_EQUAL(s->listeners.size(), 1u);
  const auto& l = s->listeners[0];
  BOOST_TEST(l.address.to_string() == "127.0.0.1:2525");
  BOOST_TEST((l.proto == protocol::smtp));
  BOOST_TEST(!l.tls.has_value());
  BOOST_TEST(l.auth_users.empty());
  BOOST_TEST(texts(l.allow_clients) == (std::vector<std::string>{"127.0.0.1/32", "::1/128"}),
             boost::test_tools::per_element());
  BOOST_TEST(s->downstream.is_maildir());
  BOOST_TEST(s->downstream.maildir == dir / "maildir");
  BOOST_TEST(s->downstream.host.empty());
  BOOST_TEST(!s->downstream.remember_delivered_s.has_value());
  BOOST_TEST(s->ledger.window_s == 604800u);  // 7 days (issue 11)
  BOOST_TEST((s->ledger.in_doubt == ledger_in_doubt::assume_delivered));
  BOOST_TEST(s->redis.embedded);
  BOOST_TEST(s->redis.timeout_ms == 250u);
  BOOST_TEST(s->redis.key_prefix == "kizuna:");
  BOOST_TEST(s->redis.server_binary == "redis-server");
  BOOST_TEST(s->redis.password_file.empty());
  BOOST_TEST(s->policies.empty());
  BOOST_TEST(s->state_dir == "/var/lib/kizuna");
  BOOST_TEST(s->audit.path == "/var/lib/kizuna/audit.jsonl");
  BOOST_TEST(s->audit.fsync_always);
  const limit_settings defaults;
  BOOST_TEST(s->limits.max_message_bytes == 26214400u);
  BOOST_TEST(s->limits.max_recipients == defaults.max_recipients);
  BOOST_TEST(s->limits.max_line_bytes == defaults.max_line_bytes);
  BOOST_TEST(s->limits.drain_timeout_s == defaults.drain_timeout_s);
  BOOST_TEST(!s->admin_http.has_value());
  BOOST_TEST(!s->unsubscribe.has_value());
}

BOOST_AUTO_TEST_CASE(full_file_sets_every_key) {
  const auto dir = config_fixtures() / "valid";
  const auto files = config_fixtures() / "files";
  auto s = load_ok(dir / "full.yaml");
  BOOST_TEST(s->hostname == "relay.example.org");
  BOOST_TEST(s->threads == 3u);
  BOOST_REQUIRE_EQUAL(s->listeners.size(), 2u);
  const auto& a = s->listeners[0];
  BOOST_TEST(a.address.host == "::1");
  BOOST_TEST(a.address.port == 2525);
  BOOST_REQUIRE(a.tls.has_value());
  BOOST_TEST(a.tls->cert == files / "cert.pem");
  BOOST_TEST(a.tls->key == files / "key.pem");
  BOOST_TEST(a.tls->require);
  BOOST_TEST(a.auth_users == files / "users");
  BOOST_TEST(texts(a.allow_clients) == (std::vector<std::string>{"10.0.0.0/8", "2001:db8::/32", "192.0.2.7"}),
             boost::test_tools::per_element());
  const auto& b = s->listeners[1];
  BOOST_TEST((b.address.type == kizuna::endpoint::kind::unix_socket));
  BOOST_TEST(b.address.path == "/run/kizuna/lmtp.sock");
  BOOST_TEST((b.proto == protocol::lmtp));
  BOOST_TEST(b.allow_clients.empty());  // written as []: AUTH only

  const auto& d = s->downstream;
  BOOST_TEST(!d.is_maildir());
  BOOST_TEST(d.host == "mx.example.org");
  BOOST_TEST(d.port == 587);
  BOOST_TEST((d.tls == downstream_tls::starttls_required));
  BOOST_TEST(d.auth_file == files / "downstream-auth");
  BOOST_TEST(d.max_connections == 8u);
  BOOST_TEST(d.connect_timeout_s == 10u);
  BOOST_TEST(d.command_timeout_s == 120u);
  BOOST_TEST(d.data_timeout_s == 900u);
  BOOST_TEST(d.remember_delivered_s.value_or(0) == 86400u);
  BOOST_TEST(s->ledger.window_s == 86400u);  // the older name sets the ledger's window

  const auto& r = s->redis;
  BOOST_TEST(r.address.to_string() == "127.0.0.1:6380");
  BOOST_TEST(!r.embedded);
  BOOST_TEST(r.password_file == files / "redis-password");
  BOOST_TEST(r.timeout_ms == 500u);
  BOOST_TEST(r.key_prefix == "campaigns:");
  BOOST_TEST(r.server_binary == "/usr/bin/redis-server");

  BOOST_TEST(
      s->policies == (std::vector<std::string>{(dir / "policies/*.yaml").string(), "/etc/kizuna/extra.yaml"}),
      boost::test_tools::per_element());
  BOOST_TEST(s->state_dir == dir / "state");
  BOOST_TEST(s->audit.path == "/var/log/kizuna/audit.jsonl");
  BOOST_TEST(!s->audit.fsync_always);

  const auto& l = s->limits;
  BOOST_TEST(l.max_message_bytes == 1048576u);
  BOOST_TEST(l.max_recipients == 50u);
  BOOST_TEST(l.max_connections == 200u);
  BOOST_TEST(l.max_connections_per_client == 5u);
  BOOST_TEST(l.command_timeout_s == 120u);
  BOOST_TEST(l.data_timeout_s == 300u);
  BOOST_TEST(l.min_data_rate == 1000u);
  BOOST_TEST(l.max_refused_connections == 20u);
  BOOST_TEST(l.refused_grace_s == 3u);
  BOOST_TEST(l.max_line_bytes == 2000u);
  BOOST_TEST(l.max_errors == 3u);
  BOOST_TEST(l.drain_timeout_s == 10u);

  BOOST_REQUIRE(s->admin_http.has_value());
  BOOST_TEST(s->admin_http->listen.to_string() == "[::1]:8080");
  BOOST_REQUIRE(s->unsubscribe.has_value());
  const auto& u = *s->unsubscribe;
  BOOST_TEST(u.base_url == "https://u.example.org/mail");  // trailing '/' dropped
  BOOST_TEST(u.mailto_domain == "xn--bcher-kva.example");
  BOOST_TEST(u.secret_file == files / "unsubscribe-secret");
  BOOST_REQUIRE_EQUAL(u.keys.size(), 2u);
  std::string first;
  for (int i = 0; i < 32; ++i) first += static_cast<char>(i);
  BOOST_TEST(u.keys[0] == first);  // hex
  BOOST_TEST(u.keys[1] == "Kizuna test key: not for production!");  // base64, surrounding spaces
}

BOOST_AUTO_TEST_CASE(audit_path_defaults_to_the_state_dir) {
  auto s = load_ok(config_fixtures() / "valid" / "lmtp_unix.yaml");
  BOOST_TEST(s->state_dir == "/srv/kizuna");
  BOOST_TEST(s->audit.path == "/srv/kizuna/audit.jsonl");
  BOOST_TEST(s->redis.key_prefix.empty());
}

BOOST_AUTO_TEST_CASE(quoted_numbers_and_capitalised_booleans_are_accepted) {
  auto s = load_ok(config_fixtures() / "valid" / "quoted_numbers.yaml");
  BOOST_TEST(s->threads == 2u);
  BOOST_TEST(s->downstream.port == 25);
  BOOST_TEST(s->downstream.host == "2001:db8::25");
  BOOST_TEST((s->downstream.tls == downstream_tls::implicit));
  BOOST_TEST(s->redis.embedded);
  BOOST_REQUIRE(s->listeners[0].tls.has_value());
  BOOST_TEST(!s->listeners[0].tls->require);
}

BOOST_AUTO_TEST_CASE(hostname_and_threads_default_to_the_machine) {
  auto s = load_ok(config_fixtures() / "valid" / "minimal.yaml");
  char name[256] = {};
  BOOST_REQUIRE(::gethostname(name, sizeof name - 1) == 0);
  BOOST_TEST(s->hostname == std::string(name));
  BOOST_TEST(s->threads == std::clamp(std::thread::hardware_concurrency(), 1u, 256u));
}

BOOST_AUTO_TEST_CASE(relative_paths_resolve_against_the_config_file_not_the_working_directory) {
  temp_dir dir;
  fs::create_directories(dir.path() / "etc" / "tls");
  write_file(dir.path() / "etc" / "tls" / "cert.pem", "x");
  write_file(dir.path() / "etc" / "tls" / "key.pem", "x");
  write_file(dir.path() / "etc" / "kizuna.yaml",
             "listen:\n  - address: 127.0.0.1:25\n    tls: {cert: tls/cert.pem, key: ./tls/../tls/key.pem}\n"
             "downstream:\n  maildir: ../spool\nredis:\n  embedded: true\nstate_dir: state\n");
  // Load through a path relative to the working directory, as `kizuna check --config` would.
  const auto relative = fs::relative(dir.path() / "etc" / "kizuna.yaml", fs::current_path());
  auto s = load_ok(relative);
  BOOST_TEST(s->source == dir.path() / "etc" / "kizuna.yaml");
  BOOST_TEST(s->listeners[0].tls->cert == dir.path() / "etc" / "tls" / "cert.pem");
  BOOST_TEST(s->listeners[0].tls->key == dir.path() / "etc" / "tls" / "key.pem");
  BOOST_TEST(s->downstream.maildir == dir.path() / "spool");
  BOOST_TEST(s->state_dir == dir.path() / "etc" / "state");
  BOOST_TEST(s->audit.path == dir.path() / "etc" / "state" / "audit.jsonl");
}

BOOST_AUTO_TEST_CASE(diagnostics_name_the_file_as_the_caller_did) {
  auto loaded = load("no-such-dir/kizuna.yaml");
  BOOST_REQUIRE(!loaded.has_value());
  BOOST_REQUIRE_EQUAL(loaded.error().size(), 1u);
  BOOST_TEST(loaded.error()[0].line == 0);
  BOOST_TEST(loaded.error()[0].to_string() ==
             "no-such-dir/kizuna.yaml: cannot open: No such file or directory");

  temp_dir dir;
  write_file(dir.path() / "kizuna.yaml", std::string(minimal) + "colour: blue\n");
  loaded = load(fs::relative(dir.path() / "kizuna.yaml", fs::current_path()));
  BOOST_REQUIRE(!loaded.has_value());
  BOOST_TEST(loaded.error()[0].file == fs::relative(dir.path() / "kizuna.yaml", fs::current_path()).string());
}

BOOST_AUTO_TEST_CASE(a_directory_is_not_a_config_file) {
  temp_dir dir;
  auto loaded = load(dir.path());
  BOOST_REQUIRE(!loaded.has_value());
  BOOST_TEST(printed(loaded.error(), dir.path().parent_path()) ==
                 (std::vector<std::string>{dir.path().filename().string() + ": cannot read: Is a directory"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_unreadable_input_file_is_reported) {
  if (::geteuid() == 0) return;  // root reads anything; nothing to test
  temp_dir dir;
  write_file(dir.path() / "users", "alice:x\n");
  fs::permissions(dir.path() / "users", fs::perms::none);
  auto errors = errors_of(dir,
                          "listen:\n  - address: 127.0.0.1:2525\n    auth: users\n"
                          "downstream:\n  maildir: md\nredis:\n  embedded: true\n");
  BOOST_TEST(errors == (std::vector<std::string>{
                           "kizuna.yaml:3:11: listen[0].auth: cannot read users: Permission denied"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(positions_point_at_the_key_for_unknown_keys_and_at_the_value_for_bad_values) {
  temp_dir dir;
  auto errors = errors_of(dir,
                          "listen:\n"
                          "  - address: 127.0.0.1:2525\n"
                          "    protocol:   smtpx\n"
                          "    extra: 1\n"
                          "downstream:\n"
                          "  maildir: md\n"
                          "redis: {embedded: true, timeout_ms: 1}\n");
  BOOST_TEST(errors == (std::vector<std::string>{
                           "kizuna.yaml:3:17: listen[0].protocol: expected smtp or lmtp, got \"smtpx\"",
                           "kizuna.yaml:4:5: unknown key \"extra\" in listen[0]",
                           "kizuna.yaml:7:37: redis.timeout_ms: must be between 10 and 60000, got 1",
                       }),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_empty_value_is_reported_at_its_key) {
  temp_dir dir;
  auto errors = errors_of(dir, std::string(minimal) + "threads:\n\nhostname: relay.example.org\n");
  BOOST_TEST(
      errors == (std::vector<std::string>{"kizuna.yaml:7:1: threads: expected a whole number, got nothing"}),
      boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(every_error_is_reported_in_file_order) {
  temp_dir dir;
  // Written so that decoding order (listen, downstream, redis, ..., unknown keys last)
  // differs from file order.
  auto errors = errors_of(dir,
                          "limits: {max_errors: 0}\n"
                          "bogus: 1\n"
                          "redis: {timeout_ms: 0, embedded: true}\n"
                          "downstream: {maildir: md, port: 1}\n"
                          "listen: [{address: nowhere}]\n");
  BOOST_TEST(
      errors ==
          (std::vector<std::string>{
              "kizuna.yaml:1:22: limits.max_errors: must be between 1 and 1000, got 0",
              "kizuna.yaml:2:1: unknown key \"bogus\"",
              "kizuna.yaml:3:21: redis.timeout_ms: must be between 10 and 60000, got 0",
              "kizuna.yaml:4:27: downstream.port: only applies to an SMTP downstream (host), not to maildir",
              "kizuna.yaml:5:20: listen[0].address: invalid address \"nowhere\": expected host:port or "
              "unix:/path",
          }),
      boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(input_files_must_exist_when_loaded) {
  temp_dir dir;
  write_file(dir.path() / "secret", "pw\n");
  const std::string with_password =
      "listen:\n  - address: 127.0.0.1:2525\ndownstream:\n  maildir: md\nredis:\n  address: 127.0.0.1:6379\n"
      "  password_file: secret\n";
  write_file(dir.path() / "kizuna.yaml", with_password);
  auto s = load_ok(dir.path() / "kizuna.yaml");
  BOOST_TEST(s->redis.password_file == dir.path() / "secret");
  fs::remove(dir.path() / "secret");
  auto errors = errors_of(dir, with_password);
  BOOST_TEST(
      errors == (std::vector<std::string>{"kizuna.yaml:7:18: redis.password_file: file not found: secret"}),
      boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(downstream_tls_ca_file_is_an_input_file_for_smtp_downstreams_only) {
  temp_dir dir;
  fs::create_directories(dir.path() / "tls");
  write_file(dir.path() / "tls" / "ca.pem", "x");
  const std::string head = "listen:\n  - address: 127.0.0.1:2525\nredis:\n  embedded: true\n";
  write_file(dir.path() / "kizuna.yaml", head + "downstream:\n  host: mx.example\n  tls: starttls-required\n"
                                                "  tls_ca_file: tls/ca.pem\n");
  auto s = load_ok(dir.path() / "kizuna.yaml");
  BOOST_TEST(s->downstream.tls_ca_file == dir.path() / "tls" / "ca.pem");
  BOOST_TEST(load_ok(config_fixtures() / "valid" / "minimal.yaml")->downstream.tls_ca_file.empty());

  auto errors = errors_of(dir, head + "downstream:\n  host: mx.example\n  tls_ca_file: tls/missing.pem\n");
  BOOST_TEST(errors == (std::vector<std::string>{
                           "kizuna.yaml:7:16: downstream.tls_ca_file: file not found: tls/missing.pem"}),
             boost::test_tools::per_element());
  errors = errors_of(dir, head + "downstream:\n  maildir: md\n  tls_ca_file: tls/ca.pem\n");
  BOOST_TEST(errors == (std::vector<std::string>{"kizuna.yaml:7:3: downstream.tls_ca_file: only applies to an SMTP "
                                                 "downstream (host), not to maildir"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(slow_client_limits_have_postfix_defaults_and_bounds) {
  temp_dir dir;
  write_file(dir.path() / "k.yaml", minimal);
  auto s = load_ok(dir.path() / "k.yaml");
  BOOST_TEST(s->limits.min_data_rate == 500u);  // Postfix smtpd_min_data_rate
  BOOST_TEST(s->limits.max_refused_connections == 100u);
  BOOST_TEST(s->limits.refused_grace_s == 5u);
  auto errors = errors_of(dir, std::string(minimal) + "limits: {refused_grace_s: 0, max_refused_connections: 100001}\n");
  BOOST_TEST(errors ==
                 (std::vector<std::string>{
                     "kizuna.yaml:7:27: limits.refused_grace_s: must be between 1 and 60, got 0",
                     "kizuna.yaml:7:55: limits.max_refused_connections: must be between 0 and 100000, got 100001",
                 }),
             boost::test_tools::per_element());
}

// Issue 13: `metrics` (true) switches counting off for bench/metrics_overhead.sh.
BOOST_AUTO_TEST_CASE(metrics_is_on_by_default_and_a_boolean) {
  temp_dir dir;
  write_file(dir.path() / "k.yaml", minimal);
  BOOST_TEST(load_ok(dir.path() / "k.yaml")->metrics);
  write_file(dir.path() / "off.yaml", std::string(minimal) + "metrics: false\n");
  BOOST_TEST(!load_ok(dir.path() / "off.yaml")->metrics);
  auto errors = errors_of(dir, std::string(minimal) + "metrics: sometimes\n");
  BOOST_REQUIRE_EQUAL(errors.size(), 1u);
  BOOST_TEST(errors[0].find("metrics") != std::string::npos, errors[0]);
}

// Issue 10 (fuzz_loaders): the suggestion skips known keys whose length alone
// puts them out of reach; what is suggested does not change.
BOOST_AUTO_TEST_CASE(a_suggestion_only_for_keys_of_a_close_length) {
  temp_dir dir;
  const std::string long_key(1000, 'q');
  auto errors = errors_of(dir, std::string(minimal) + "thread: 2\nstate_dirs_: /tmp\n" + long_key + ": 1\nx: 1\n");
  BOOST_TEST(errors ==
                 (std::vector<std::string>{
                     "kizuna.yaml:7:1: unknown key \"thread\" (did you mean \"threads\"?)",
                     "kizuna.yaml:8:1: unknown key \"state_dirs_\" (did you mean \"state_dir\"?)",
                     "kizuna.yaml:9:1: unknown key \"" + long_key + "\"",
                     "kizuna.yaml:10:1: unknown key \"x\"",
                 }),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_misspelt_key_gets_a_suggestion) {
  temp_dir dir;
  auto errors = errors_of(dir, std::string(minimal) + "state-dir: /tmp\nlimits:\n  max_line_byte: 2000\n");
  BOOST_TEST(
      errors ==
          (std::vector<std::string>{
              "kizuna.yaml:7:1: unknown key \"state-dir\" (did you mean \"state_dir\"?)",
              "kizuna.yaml:9:3: unknown key \"max_line_byte\" in limits (did you mean \"max_line_bytes\"?)",
          }),
      boost::test_tools::per_element());
}
