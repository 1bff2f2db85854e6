// RESP (Redis protocol) encoding and decoding: the one adapter over hiredis.
// Commands are encoded here (the multi-bulk form redisFormatCommandArgv writes);
// hiredis is used only as the decoder (redisReader); no hiredis type appears
// outside resp.cpp. Replies are copied into redis_value
// as soon as they are complete and the hiredis objects freed.
//
// Limits: a reply still being assembled may not exceed max_reply_bytes of wire
// data (default 64 MiB, see redis_options); an array may not claim more elements
// than that many bytes could hold (3 bytes each), nor more than 1,048,576: hiredis
// allocates the claimed count at the header; hiredis caps nesting at 7 levels.
// Errors: errc::redis_error for an oversized or malformed reply; the stream is
// then out of step and must be abandoned (the decoder stays failed).
#pragma once

#include <cstddef>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "relay/core/errc.hpp"
#include "relay/store/redis_value.hpp"

namespace kizuna::store::resp {

// Appends the RESP encoding of one command (name + arguments, binary safe) to
// `out`. False if the command is empty.
bool append_command(std::string& out, const std::vector<std::string>& command);

class decoder {
 public:
  explicit decoder(std::size_t max_reply_bytes);
  ~decoder();
  decoder(decoder&&) noexcept;
  decoder& operator=(decoder&&) noexcept;

  // Buffers wire bytes. errc::redis_error if the reply being assembled would
  // exceed max_reply_bytes.
  error_code feed(const char* data, std::size_t size);

  // The next complete reply; std::nullopt if more bytes are needed.
  std::expected<std::optional<redis_value>, error_code> next();

  // Why the last feed()/next() failed, for the log.
  const std::string& error_text() const { return error_text_; }

 private:
  struct state;
  std::unique_ptr<state> state_;
  std::string error_text_;
};

}  // namespace kizuna::store::resp
