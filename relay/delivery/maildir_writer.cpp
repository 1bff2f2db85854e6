#include "relay/delivery/maildir_writer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <span>
#include <stdexcept>
#include <system_error>

#include "relay/core/dot_stuffing.hpp"
#include "relay/core/log.hpp"

namespace kizuna::delivery {
namespace {

// time.M<usec>P<pid>Q<n>.<host>: unique across processes and threads (maildir(5)).
std::string unique_name() {
  static std::atomic<uint64_t> counter{0};
  static const std::string host = [] {
    char buf[256] = {};
    ::gethostname(buf, sizeof buf - 1);
    std::string h(buf);
    for (char& c : h)
      if (c == '/' || c == ':') c = '_';
    return h.empty() ? std::string("localhost") : h;
  }();
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(now).count();
  return fmt::format("{}.M{}P{}Q{}.{}", us / 1000000, us % 1000000, ::getpid(), counter.fetch_add(1), host);
}

bool write_all(int fd, std::span<iovec> iov) {
  std::size_t i = 0;
  while (i < iov.size()) {
    ssize_t n = ::writev(fd, iov.data() + i, static_cast<int>(std::min<std::size_t>(iov.size() - i, IOV_MAX)));
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    auto left = static_cast<std::size_t>(n);
    while (i < iov.size() && left >= iov[i].iov_len) left -= iov[i++].iov_len;
    if (i < iov.size()) {
      iov[i].iov_base = static_cast<char*>(iov[i].iov_base) + left;
      iov[i].iov_len -= left;
    }
  }
  return true;
}

}  // namespace

maildir_writer::maildir_writer(std::filesystem::path dir) : dir_(std::move(dir)) {
  for (const char* sub : {"tmp", "new", "cur"}) {
    std::error_code ec;
    std::filesystem::create_directories(dir_ / sub, ec);
    if (ec) throw std::runtime_error("maildir " + (dir_ / sub).string() + ": " + ec.message());
  }
}

boost::asio::awaitable<smtp::reply> maildir_writer::send(const smtp::envelope& env, const std::string& recipient,
                                                         const wire_copy& copy, commit_gate* gate) {
  const std::string name = unique_name();
  const auto tmp = dir_ / "tmp" / name;
  const auto dst = dir_ / "new" / name;
  const std::string head = "Return-Path: <" + env.mail_from + ">\r\nDelivered-To: " + recipient + "\r\n";
  const std::string body = unstuff_dots(copy.message);  // the stored file is the message as a reader sees it
  iovec iov[4] = {{const_cast<char*>(head.data()), head.size()},
                  {const_cast<char*>(copy.signature.data()), copy.signature.size()},
                  {const_cast<char*>(env.trace_header.data()), env.trace_header.size()},
                  {const_cast<char*>(body.data()), body.size()}};

  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  bool ok = fd >= 0 && write_all(fd, iov) && ::fsync(fd) == 0;
  const int saved = errno;
  if (fd >= 0) ok = (::close(fd) == 0) && ok;
  if (ok && gate && !co_await gate->enter()) {  // the rename is this destination's final "."
    ::unlink(tmp.c_str());
    co_return smtp::reply{451, "4.3.0", "cannot record the delivery now, try again later"};
  }
  if (ok) ok = ::rename(tmp.c_str(), dst.c_str()) == 0;
  if (ok) {
    if (gate) gate->no_verdict = true;  // in new/ now: until the directory is synced, in doubt
    // The rename is durable only once the directory itself is on disk.
    int dfd = ::open((dir_ / "new").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ok = dfd >= 0 && ::fsync(dfd) == 0;
    if (dfd >= 0) ::close(dfd);
    if (gate && ok) gate->no_verdict = false;
  }
  if (!ok) {
    ::unlink(tmp.c_str());
    log::error("{} maildir write {} failed: {}", env.id, tmp.string(), std::strerror(saved ? saved : errno));
    co_return smtp::reply{451, "4.3.0", "local error writing the copy"};
  }
  co_return smtp::reply{250, "2.0.0", "Ok: delivered to maildir as " + name};
}

}  // namespace kizuna::delivery
