// kizuna: a personalizing, compliance-enforcing SMTP/LMTP relay. CLI dispatch only.
#include <csignal>

#include "relay/cli/commands.hpp"

int main(int argc, char** argv) {
  // A peer closing mid-write must be an EPIPE error on that socket, not process death.
  std::signal(SIGPIPE, SIG_IGN);
  return kizuna::cli::run(argc, argv);
}
