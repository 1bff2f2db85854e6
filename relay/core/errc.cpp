#include "relay/core/errc.hpp"

#include <string>

namespace kizuna {
namespace {

class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "kizuna"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::ok: return "success";
      case errc::timeout: return "timed out";
      case errc::line_too_long: return "line too long";
      case errc::protocol_violation: return "protocol violation by peer";
      case errc::message_too_large: return "message too large";
      case errc::redis_unavailable: return "redis unavailable";
      case errc::redis_error: return "redis error";
      case errc::downstream_unavailable: return "downstream unavailable";
      case errc::downstream_tempfail: return "downstream temporary failure";
      case errc::downstream_permfail: return "downstream permanent failure";
      case errc::shutting_down: return "shutting down";
      case errc::io_failure: return "local i/o failure";
    }
    return "unknown kizuna error";
  }
};

}  // namespace

const boost::system::error_category& kizuna_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace kizuna
