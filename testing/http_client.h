// SPDX-License-Identifier: Apache-2.0
// A small blocking HTTP/1.1 client for tests. It sends raw bytes, so tests can
// write malformed requests, and it parses responses strictly enough to check
// framing (Content-Length, chunked, close-delimited).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace meshgate::testing {

struct HttpResponse {
  std::string version;  // "HTTP/1.1"
  int status = 0;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::vector<std::pair<std::string, std::string>> trailers;

  /// The first value of header `name` (case-insensitive), or "" when absent.
  std::string header(const std::string& name) const;
  bool hasHeader(const std::string& name) const;
  size_t headerCount(const std::string& name) const;
};

class HttpConnection {
 public:
  explicit HttpConnection(uint16_t port,
                          std::chrono::milliseconds io_timeout = std::chrono::seconds(10));
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  bool send(const std::string& bytes);
  /// Reads one response. `request_was_head` suppresses the body. Returns nullopt
  /// on timeout, on a connection closed before a complete response, or on
  /// unparseable framing.
  std::optional<HttpResponse> readResponse(bool request_was_head = false);
  /// True when the peer closes the connection (EOF or reset) within `timeout`,
  /// discarding anything it sends first.
  bool waitForClose(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  /// Half-closes the write side.
  void shutdownWrite();

 private:
  bool fill();
  std::optional<std::string> readLine();
  std::optional<std::string> readExact(size_t n);

  int fd_ = -1;
  std::string buf_;
  size_t pos_ = 0;
};

/// One request on a fresh connection. `extra_headers` are raw "Name: value" lines.
/// Host defaults to "127.0.0.1:<port>" unless given in extra_headers.
std::optional<HttpResponse> httpRequest(uint16_t port, const std::string& method,
                                        const std::string& target,
                                        const std::vector<std::string>& extra_headers = {},
                                        const std::string& body = "");
inline std::optional<HttpResponse> httpGet(uint16_t port, const std::string& target,
                                           const std::vector<std::string>& extra_headers = {}) {
  return httpRequest(port, "GET", target, extra_headers);
}

}  // namespace meshgate::testing
