// SPDX-License-Identifier: Apache-2.0
// A small blocking HTTP/1.1 client for http.send (http:// and https:// via
// OpenSSL), with a deadline and a response size limit.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace meshgate::rego {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  int64_t timeout_ms = 5000;
  size_t max_body_bytes = 1 << 20;
};

struct HttpResponse {
  int status = 0;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

bool httpRequest(const HttpRequest& req, HttpResponse* resp, std::string* error);

}  // namespace meshgate::rego
