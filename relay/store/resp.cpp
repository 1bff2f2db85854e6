#include "relay/store/resp.hpp"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <charconv>
#include <new>

#include <fmt/format.h>

namespace kizuna::store::resp {
namespace {

// hiredis allocates an array's element pointers as soon as it reads "*<n>", so
// "*1116211611\r\n" alone made it calloc 9 GB and spend seconds freeing them
// (found by fuzz_resp). Arrays longer than the limit in the reader's privdata
// are refused before that allocation (hiredis 0.14 has no maxelements).
void* (*hiredis_create_array)(const redisReadTask*, int) = nullptr;

void* limited_create_array(const redisReadTask* task, int elements) {
  const auto limit = *static_cast<const std::size_t*>(task->privdata);
  if (elements < 0 || static_cast<std::size_t>(elements) > limit) return nullptr;  // the reader fails (OOM)
  return hiredis_create_array(task, elements);
}

redisReplyObjectFunctions* limited_functions(const redisReplyObjectFunctions* defaults) {
  static redisReplyObjectFunctions fns = [&] {
    redisReplyObjectFunctions f = *defaults;
    hiredis_create_array = f.createArray;
    f.createArray = limited_create_array;
    return f;
  }();
  return &fns;
}

redis_value convert(const redisReply& r) {
  redis_value v;
  switch (r.type) {
    case REDIS_REPLY_STRING:
      v.type = redis_value::kind::string;
      v.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_STATUS:
      v.type = redis_value::kind::status;
      v.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_ERROR:
      v.type = redis_value::kind::error;
      v.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_INTEGER:
      v.type = redis_value::kind::integer;
      v.integer = r.integer;
      break;
    case REDIS_REPLY_ARRAY:
      v.type = redis_value::kind::array;
      v.elements.reserve(r.elements);
      // hiredis limits nesting to 7 levels, so the recursion is bounded.
      for (size_t i = 0; i < r.elements; ++i) v.elements.push_back(convert(*r.element[i]));
      break;
    default:  // REDIS_REPLY_NIL (and a nil multi-bulk)
      v.type = redis_value::kind::nil;
      break;
  }
  return v;
}

}  // namespace

bool append_command(std::string& out, const std::vector<std::string>& command) {
  if (command.empty()) return false;
  // The multi-bulk form redisFormatCommandArgv writes ("*<n>\r\n" then "$<len>\r\n<arg>\r\n"
  // per argument), written here directly: hiredis builds each command in a buffer of its own
  // with a printf per length, and at ~10 commands per recipient that showed in profiles.
  std::size_t size = 16;
  for (const auto& arg : command) size += arg.size() + 24;
  out.reserve(out.size() + size);
  auto header = [&out](char tag, std::size_t n) {
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
    out.push_back(tag);
    out.append(digits, end);
    out.append("\r\n");
  };
  header('*', command.size());
  for (const auto& arg : command) {
    header('$', arg.size());
    out.append(arg);
    out.append("\r\n");
  }
  return true;
}

struct decoder::state {
  struct reader_free {
    void operator()(redisReader* r) const noexcept { redisReaderFree(r); }
  };
  std::unique_ptr<redisReader, reader_free> reader;
  std::size_t max_reply_bytes;
  std::size_t max_elements;       // of one array: what max_reply_bytes can hold ("+\r\n" each), at most 1M
  std::size_t partial_bytes = 0;  // wire bytes of the reply being assembled
  bool failed = false;
};

decoder::decoder(std::size_t max_reply_bytes) : state_(std::make_unique<state>()) {
  state_->reader.reset(redisReaderCreate());
  state_->max_reply_bytes = max_reply_bytes;
  if (!state_->reader) throw std::bad_alloc();
  state_->max_elements = std::min<std::size_t>(max_reply_bytes / 3, std::size_t{1} << 20);
  state_->reader->fn = limited_functions(state_->reader->fn);
  state_->reader->privdata = &state_->max_elements;
}

decoder::~decoder() = default;
decoder::decoder(decoder&&) noexcept = default;
decoder& decoder::operator=(decoder&&) noexcept = default;

error_code decoder::feed(const char* data, std::size_t size) {
  auto& s = *state_;
  if (s.failed) return errc::redis_error;
  if (size > s.max_reply_bytes - s.partial_bytes) {
    s.failed = true;
    error_text_ = fmt::format("reply larger than {} bytes", s.max_reply_bytes);
    return errc::redis_error;
  }
  if (redisReaderFeed(s.reader.get(), data, size) != REDIS_OK) {
    s.failed = true;
    error_text_ = "out of memory buffering a reply";
    return errc::redis_error;
  }
  s.partial_bytes += size;
  return {};
}

std::expected<std::optional<redis_value>, error_code> decoder::next() {
  auto& s = *state_;
  if (s.failed) return std::unexpected(make_error_code(errc::redis_error));
  void* raw = nullptr;
  if (redisReaderGetReply(s.reader.get(), &raw) != REDIS_OK) {
    s.failed = true;
    error_text_ = s.reader->err == REDIS_ERR_OOM
                      ? fmt::format("reply array longer than {} elements (or out of memory)", s.max_elements)
                      : fmt::format("malformed reply: {}", s.reader->errstr);
    return std::unexpected(make_error_code(errc::redis_error));
  }
  if (raw == nullptr) return std::optional<redis_value>{};
  std::unique_ptr<redisReply, void (*)(void*)> reply(static_cast<redisReply*>(raw), freeReplyObject);
  // What is left unread belongs to the next reply.
  s.partial_bytes = s.reader->len - s.reader->pos;
  return std::optional<redis_value>{convert(*reply)};
}

}  // namespace kizuna::store::resp
