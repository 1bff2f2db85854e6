// copy_signer: copies signed on its threads, batched both ways, each session
// resumed on its own I/O thread with its own copy's signature.
#define BOOST_TEST_MODULE copy_signer
#include <boost/test/unit_test.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "relay/delivery/copy_signer.hpp"
#include "relay/dkim/private_key.hpp"

using namespace kizuna;
namespace asio = boost::asio;

namespace {

std::string message_for(int i) {
  return "From: <sender@example.com>\r\nTo: <r" + std::to_string(i) + "@example.net>\r\nSubject: copy " +
         std::to_string(i) + "\r\n\r\nBody of copy " + std::to_string(i) + "\r\n";
}

}  // namespace

// Many copies in flight from two I/O threads at once, on a pool of two: every
// session gets exactly the signature of its own copy (RSA PKCS#1 v1.5 and
// Ed25519 are deterministic, so it must equal signing it here), on its own thread.
BOOST_AUTO_TEST_CASE(every_session_gets_its_own_copy_signed_on_its_own_thread) {
  const dkim::signing_key rsa{"example.com", "rsa1", dkim::private_key::generate(dkim::algorithm::rsa_sha256, 1024), {}};
  const dkim::signing_key ed{"example.com", "ed1", dkim::private_key::generate(dkim::algorithm::ed25519_sha256, 0), {}};
  const std::vector<const dkim::signing_key*> both{&rsa, &ed}, ed_only{&ed};
  const dkim::sign_options options{1765000000, 3600};
  constexpr int per_thread = 150;

  delivery::copy_signer signer(2);
  asio::io_context io[2];
  std::atomic<int> right{0}, wrong_thread{0}, wrong_signature{0};
  for (int t = 0; t < 2; ++t)
    for (int i = 0; i < per_thread; ++i) {
      const int n = t * per_thread + i;
      asio::co_spawn(
          io[t],
          [&, n]() -> asio::awaitable<void> {
            const std::string message = message_for(n);
            const auto& keys = n % 3 == 0 ? ed_only : both;
            const auto before = std::this_thread::get_id();
            auto signed_copy = co_await signer.sign(message, keys, options);
            if (std::this_thread::get_id() != before) ++wrong_thread;
            if (signed_copy && *signed_copy == *dkim::sign(message, keys, options))
              ++right;
            else
              ++wrong_signature;
          },
          asio::detached);
    }
  std::thread second([&] { io[1].run(); });
  io[0].run();
  second.join();
  BOOST_TEST(right.load() == 2 * per_thread);
  BOOST_TEST(wrong_thread.load() == 0);
  BOOST_TEST(wrong_signature.load() == 0);
}

// A copy that cannot be signed fails alone; the others of its batch are signed.
BOOST_AUTO_TEST_CASE(a_copy_that_cannot_be_signed_fails_alone) {
  const dkim::signing_key rsa{"example.com", "rsa1", dkim::private_key::generate(dkim::algorithm::rsa_sha256, 1024), {}};
  const std::vector<const dkim::signing_key*> keys{&rsa};
  delivery::copy_signer signer(1);
  asio::io_context io;
  int signed_ok = 0, refused = 0;
  for (int i = 0; i < 20; ++i)
    asio::co_spawn(
        io,
        [&, i]() -> asio::awaitable<void> {
          // Every fifth copy has two From fields: dkim::sign refuses it.
          const std::string message = i % 5 == 0 ? "From: <a@example.com>\r\n" + message_for(i) : message_for(i);
          auto r = co_await signer.sign(message, keys, dkim::sign_options{1765000000, {}});
          if (r)
            ++signed_ok;
          else if (r.error().find("From") != std::string::npos)
            ++refused;
        },
        asio::detached);
  io.run();
  BOOST_TEST(signed_ok == 16);
  BOOST_TEST(refused == 4);
}
