// One HTTP request and its response as plain data: what the admin server's
// handlers (handler.hpp) see, so they know nothing of Beast and the routing,
// pages and checks can be tested without sockets. http_server.cpp converts.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace kizuna::admin {

struct request {
  std::string method;        // "GET", "POST", ... as sent
  std::string target;        // origin-form: "/u/abc?x=1"
  std::string content_type;  // Content-Type ("" when absent)
  std::string accept;        // Accept ("" when absent)
  std::string body;          // at most limits::max_body_bytes
  std::string client_ip;     // the peer's address, for the rate limit and logs
};

struct response {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // besides the ones every response gets
};

}  // namespace kizuna::admin
