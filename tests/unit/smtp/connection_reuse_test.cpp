// Pooled connection reuse (issue 11, defect 5): what a one-byte non-blocking
// peek on an idle connection means, checked against the kernel's own answers
// on a socketpair, and when a copy may go again on a fresh connection.
#include <sys/socket.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cerrno>

#include "relay/smtp/connection_reuse.hpp"

using namespace kizuna::smtp;

namespace {

// A connected pair; peek() looks at end 0 as the pool does.
struct socket_pair {
  int fd[2] = {-1, -1};
  socket_pair() { BOOST_REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fd) == 0); }
  ~socket_pair() {
    for (int f : fd)
      if (f >= 0) ::close(f);
  }
  idle_peek peek() const {
    char byte;
    const ssize_t n = ::recv(fd[0], &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return classify_idle_peek(n, n < 0 ? errno : 0);
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(an_idle_connection_with_nothing_to_read_is_reusable) {
  socket_pair p;
  BOOST_TEST((p.peek() == idle_peek::quiet));
  BOOST_TEST(reusable(p.peek()));
}

BOOST_AUTO_TEST_CASE(a_connection_the_server_closed_is_not_reused) {
  socket_pair p;
  ::close(p.fd[1]);
  p.fd[1] = -1;
  BOOST_TEST((p.peek() == idle_peek::closed));
  BOOST_TEST(!reusable(p.peek()));
}

BOOST_AUTO_TEST_CASE(a_421_waiting_on_an_idle_connection_means_it_is_not_reused) {
  socket_pair p;
  const char reply[] = "421 4.4.2 Error: timeout exceeded\r\n";
  BOOST_REQUIRE(::write(p.fd[1], reply, sizeof reply - 1) == static_cast<ssize_t>(sizeof reply - 1));
  ::close(p.fd[1]);  // said 421, then closed: still input first
  p.fd[1] = -1;
  BOOST_TEST((p.peek() == idle_peek::unexpected_input));
  BOOST_TEST(!reusable(p.peek()));
  char buf[64];  // the peek consumed nothing
  BOOST_TEST(::recv(p.fd[0], buf, sizeof buf, MSG_DONTWAIT) == static_cast<ssize_t>(sizeof reply - 1));
}

BOOST_AUTO_TEST_CASE(a_socket_error_is_not_reused) {
  BOOST_TEST((classify_idle_peek(-1, ECONNRESET) == idle_peek::failed));
  BOOST_TEST((classify_idle_peek(-1, EBADF) == idle_peek::failed));
  BOOST_TEST((classify_idle_peek(-1, EWOULDBLOCK) == idle_peek::quiet));
  BOOST_TEST((classify_idle_peek(1, 0) == idle_peek::unexpected_input));
}

BOOST_AUTO_TEST_CASE(a_reused_connection_lost_before_the_final_dot_is_retried_once) {
  const transaction_progress lost_early{.connection_lost = true, .final_dot_started = false};
  BOOST_TEST(retry_on_fresh_connection(lost_early, true, 0));
  BOOST_TEST(!retry_on_fresh_connection(lost_early, true, 1));  // once only
}

BOOST_AUTO_TEST_CASE(a_copy_whose_final_dot_write_began_is_never_sent_again) {
  const transaction_progress lost_late{.connection_lost = true, .final_dot_started = true};
  BOOST_TEST(!retry_on_fresh_connection(lost_late, true, 0));
}

BOOST_AUTO_TEST_CASE(a_fresh_connection_failing_is_not_retried) {
  const transaction_progress lost_early{.connection_lost = true, .final_dot_started = false};
  BOOST_TEST(!retry_on_fresh_connection(lost_early, false, 0));
}

BOOST_AUTO_TEST_CASE(a_reply_on_a_connection_that_stays_up_is_never_retried) {
  // A 4xx/5xx reply on a connection that stays up is the copy's answer.
  BOOST_TEST(!retry_on_fresh_connection({.connection_lost = false, .final_dot_started = false}, true, 0));
  BOOST_TEST(!retry_on_fresh_connection({.connection_lost = false, .final_dot_started = true}, true, 0));
}
