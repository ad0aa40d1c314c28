// SPDX-License-Identifier: Apache-2.0
#include "testing/http_client.h"

#include <sys/socket.h>
#include <unistd.h>

#include <poll.h>
#include <cerrno>

#include "base/strings.h"
#include "testing/ports.h"

namespace meshgate::testing {

using base::iequals;

std::string HttpResponse::header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return v;
  }
  return "";
}

bool HttpResponse::hasHeader(const std::string& name) const {
  return headerCount(name) > 0;
}

size_t HttpResponse::headerCount(const std::string& name) const {
  size_t n = 0;
  for (const auto& [k, v] : headers)
    n += iequals(k, name) ? 1 : 0;
  return n;
}

HttpConnection::HttpConnection(uint16_t port, std::chrono::milliseconds io_timeout)
    : fd_(connectTcp(port, "127.0.0.1", io_timeout)) {}

HttpConnection::~HttpConnection() {
  if (fd_ >= 0) ::close(fd_);
}

bool HttpConnection::send(const std::string& bytes) {
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

void HttpConnection::shutdownWrite() {
  ::shutdown(fd_, SHUT_WR);
}

bool HttpConnection::fill() {
  if (pos_ > 0 && pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  }
  char tmp[16384];
  while (true) {
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;  // EOF, reset or SO_RCVTIMEO expiry
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }
}

std::optional<std::string> HttpConnection::readLine() {
  while (true) {
    size_t eol = buf_.find("\r\n", pos_);
    if (eol != std::string::npos) {
      std::string line = buf_.substr(pos_, eol - pos_);
      pos_ = eol + 2;
      return line;
    }
    if (!fill()) return std::nullopt;
  }
}

std::optional<std::string> HttpConnection::readExact(size_t n) {
  while (buf_.size() - pos_ < n) {
    if (!fill()) return std::nullopt;
  }
  std::string out = buf_.substr(pos_, n);
  pos_ += n;
  return out;
}

std::optional<HttpResponse> HttpConnection::readResponse(bool request_was_head) {
  if (fd_ < 0) return std::nullopt;
  HttpResponse r;
  auto status_line = readLine();
  if (!status_line) return std::nullopt;
  auto sp1 = status_line->find(' ');
  if (sp1 == std::string::npos) return std::nullopt;
  r.version = status_line->substr(0, sp1);
  auto code = base::parseUint64(std::string_view(*status_line).substr(sp1 + 1, 3));
  if (!code) return std::nullopt;
  r.status = static_cast<int>(*code);
  if (status_line->size() > sp1 + 5) r.reason = status_line->substr(sp1 + 5);
  while (true) {
    auto line = readLine();
    if (!line) return std::nullopt;
    if (line->empty()) break;
    auto colon = line->find(':');
    if (colon == std::string::npos) return std::nullopt;
    r.headers.emplace_back(line->substr(0, colon),
                           std::string(base::trim(std::string_view(*line).substr(colon + 1))));
  }
  const bool no_body =
      request_was_head || (r.status >= 100 && r.status < 200) || r.status == 204 || r.status == 304;
  if (no_body) return r;
  if (iequals(r.header("Transfer-Encoding"), "chunked")) {
    while (true) {
      auto size_line = readLine();
      if (!size_line) return std::nullopt;
      std::string hex = size_line->substr(0, size_line->find(';'));
      size_t size = 0;
      if (hex.empty()) return std::nullopt;
      for (char c : hex) {
        int d = (c >= '0' && c <= '9')   ? c - '0'
                : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                         : -1;
        if (d < 0) return std::nullopt;
        size = size * 16 + static_cast<size_t>(d);
      }
      if (size == 0) break;
      auto chunk = readExact(size);
      if (!chunk) return std::nullopt;
      r.body += *chunk;
      auto crlf = readLine();
      if (!crlf || !crlf->empty()) return std::nullopt;
    }
    while (true) {
      auto line = readLine();
      if (!line) return std::nullopt;
      if (line->empty()) break;
      auto colon = line->find(':');
      if (colon == std::string::npos) return std::nullopt;
      r.trailers.emplace_back(line->substr(0, colon),
                              std::string(base::trim(std::string_view(*line).substr(colon + 1))));
    }
    return r;
  }
  if (r.hasHeader("Content-Length")) {
    auto len = base::parseUint64(r.header("Content-Length"));
    if (!len) return std::nullopt;
    auto body = readExact(*len);
    if (!body) return std::nullopt;
    r.body = std::move(*body);
    return r;
  }
  // Close-delimited.
  while (fill()) {
  }
  r.body = buf_.substr(pos_);
  pos_ = buf_.size();
  return r;
}

bool HttpConnection::waitForClose(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char tmp[4096];
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    int rc = ::poll(&p, 1, static_cast<int>(left.count()));
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) return false;
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n == 0) return true;
    if (n < 0) return errno == ECONNRESET || errno == EPIPE;
  }
}

std::optional<HttpResponse> httpRequest(uint16_t port, const std::string& method,
                                        const std::string& target,
                                        const std::vector<std::string>& extra_headers,
                                        const std::string& body) {
  HttpConnection c(port);
  if (!c.connected()) return std::nullopt;
  std::string req = method + " " + target + " HTTP/1.1\r\n";
  bool has_host = false;
  bool has_length = false;
  for (const auto& h : extra_headers) {
    if (h.size() >= 5 && iequals(std::string_view(h).substr(0, 5), "host:")) has_host = true;
    if (h.size() >= 15 && iequals(std::string_view(h).substr(0, 15), "content-length:"))
      has_length = true;
    if (h.size() >= 18 && iequals(std::string_view(h).substr(0, 18), "transfer-encoding:"))
      has_length = true;
    req += h + "\r\n";
  }
  if (!has_host) req += "Host: 127.0.0.1:" + std::to_string(port) + "\r\n";
  if (!has_length && (!body.empty() || method == "POST" || method == "PUT")) {
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  req += "\r\n" + body;
  if (!c.send(req)) return std::nullopt;
  return c.readResponse(method == "HEAD");
}

}  // namespace meshgate::testing
