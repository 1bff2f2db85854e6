// A decoded RESP reply, owned (copied out of hiredis' reader so no hiredis type
// leaves the adapter). An error *reply* (e.g. WRONGTYPE) is a value of kind error,
// not a failed round trip: the caller decides what it means (usually: defer).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kizuna::store {

struct redis_value {
  enum class kind { nil, integer, string, status, error, array };
  kind type = kind::nil;
  int64_t integer = 0;
  std::string str;                    // string, status, error
  std::vector<redis_value> elements;  // array

  bool is_error() const { return type == kind::error; }
  bool is_nil() const { return type == kind::nil; }
};

}  // namespace kizuna::store
