#define BOOST_TEST_MODULE daemon
#include <boost/test/unit_test.hpp>

#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>

#include "relay/daemon/sd_notify.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

// Plays systemd's side: a bound AF_UNIX datagram socket, filesystem or abstract.
class fake_manager {
 public:
  // `name` is what goes into NOTIFY_SOCKET: "/path" or "@abstract".
  explicit fake_manager(std::string name) : name_(std::move(name)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    BOOST_REQUIRE(fd_ >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    BOOST_REQUIRE(name_.size() < sizeof(addr.sun_path));
    std::memcpy(addr.sun_path, name_.data(), name_.size());
    const bool abstract = name_[0] == '@';
    if (abstract) addr.sun_path[0] = '\0';
    const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name_.size() +
                                            (abstract ? 0 : 1));
    BOOST_REQUIRE(::bind(fd_, reinterpret_cast<const sockaddr*>(&addr), len) == 0);
    ::setenv("NOTIFY_SOCKET", name_.c_str(), 1);
  }
  ~fake_manager() {
    ::unsetenv("NOTIFY_SOCKET");
    ::close(fd_);
  }
  fake_manager(const fake_manager&) = delete;
  fake_manager& operator=(const fake_manager&) = delete;

  // The next datagram, if one is queued. A unix datagram is queued by the time
  // sendto() returns, so there is nothing to wait for.
  std::optional<std::string> next() {
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0) return std::nullopt;
    return std::string(buf, static_cast<size_t>(n));
  }

 private:
  std::string name_;
  int fd_ = -1;
};

// Every test starts outside systemd, whatever the environment running the tests.
struct clean_env {
  clean_env() { ::unsetenv("NOTIFY_SOCKET"); }
};

std::uint64_t monotonic_usec() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000u +
         static_cast<std::uint64_t>(ts.tv_nsec) / 1'000u;
}

}  // namespace

// Not "daemon": that name is taken by daemon(3) in <unistd.h>.
namespace kd = kizuna::daemon;

BOOST_FIXTURE_TEST_SUITE(sd_notify, clean_env)

BOOST_AUTO_TEST_CASE(ready_stopping_and_custom_states_arrive_verbatim) {
  kizuna::test::temp_dir dir;
  fake_manager manager((dir.path() / "notify").string());

  kd::notify_ready();
  BOOST_TEST(manager.next().value_or("<none>") == "READY=1");
  kd::notify_stopping();
  BOOST_TEST(manager.next().value_or("<none>") == "STOPPING=1");
  BOOST_TEST(kd::notify("STATUS=draining\nERRNO=0"));
  BOOST_TEST(manager.next().value_or("<none>") == "STATUS=draining\nERRNO=0");
  BOOST_TEST(!manager.next().has_value());
}

BOOST_AUTO_TEST_CASE(reloading_carries_the_current_monotonic_time) {
  kizuna::test::temp_dir dir;
  fake_manager manager((dir.path() / "notify").string());

  const auto before = monotonic_usec();
  kd::notify_reloading();
  const auto after = monotonic_usec();

  const auto got = manager.next();
  BOOST_REQUIRE(got.has_value());
  const std::string head = "RELOADING=1\nMONOTONIC_USEC=";
  BOOST_REQUIRE(got->starts_with(head));
  const std::string digits = got->substr(head.size());
  BOOST_REQUIRE(!digits.empty());
  BOOST_TEST(digits.find_first_not_of("0123456789") == std::string::npos);
  const auto usec = std::stoull(digits);
  BOOST_TEST(usec >= before);
  BOOST_TEST(usec <= after);
}

BOOST_AUTO_TEST_CASE(status_newlines_become_spaces) {
  kizuna::test::temp_dir dir;
  fake_manager manager((dir.path() / "notify").string());

  kd::notify_status("reload refused:\npolicies/a.yaml:3:1: unknown key\r\nREADY=1");
  BOOST_TEST(manager.next().value_or("<none>") ==
             "STATUS=reload refused: policies/a.yaml:3:1: unknown key  READY=1");
}

BOOST_AUTO_TEST_CASE(long_status_is_cut_on_a_character_boundary) {
  kizuna::test::temp_dir dir;
  fake_manager manager((dir.path() / "notify").string());

  // "x" then 3-byte characters: byte 1024 falls inside a character, which is dropped.
  std::string text = "x";
  while (text.size() < 2000) text += "絆";
  kd::notify_status(text);
  const auto got = manager.next();
  BOOST_REQUIRE(got.has_value());
  const std::string expected = "STATUS=" + text.substr(0, 1 + 3 * 341);  // 1024 bytes, 341 whole
  BOOST_TEST(got->size() == expected.size());
  BOOST_TEST(*got == expected);
}

BOOST_AUTO_TEST_CASE(abstract_namespace_socket_is_reached) {
  const std::string name = "@kizuna-test-notify-" + std::to_string(::getpid());
  fake_manager manager(name);

  BOOST_TEST(kd::notify("READY=1"));
  BOOST_TEST(manager.next().value_or("<none>") == "READY=1");
  kd::notify_reloading();
  const auto got = manager.next();
  BOOST_REQUIRE(got.has_value());
  BOOST_TEST(got->starts_with("RELOADING=1\nMONOTONIC_USEC="));
}

BOOST_AUTO_TEST_CASE(without_notify_socket_nothing_is_sent) {
  BOOST_TEST(!kd::notify("READY=1"));
  // The void helpers are silent no-ops; they must not crash or throw.
  kd::notify_ready();
  kd::notify_reloading();
  kd::notify_stopping();
  kd::notify_status("idle");
}

BOOST_AUTO_TEST_CASE(unusable_notify_socket_reports_false) {
  ::setenv("NOTIFY_SOCKET", "", 1);
  BOOST_TEST(!kd::notify("READY=1"));
  ::setenv("NOTIFY_SOCKET", "relative/notify", 1);
  BOOST_TEST(!kd::notify("READY=1"));
  ::setenv("NOTIFY_SOCKET", "vsock:2:1234", 1);
  BOOST_TEST(!kd::notify("READY=1"));
  ::setenv("NOTIFY_SOCKET", ("/" + std::string(200, 'a')).c_str(), 1);  // > sun_path
  BOOST_TEST(!kd::notify("READY=1"));

  kizuna::test::temp_dir dir;  // exists, but nobody listens there
  ::setenv("NOTIFY_SOCKET", (dir.path() / "gone").c_str(), 1);
  BOOST_TEST(!kd::notify("READY=1"));
  ::unsetenv("NOTIFY_SOCKET");
}

BOOST_AUTO_TEST_SUITE_END()
