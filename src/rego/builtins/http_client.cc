// SPDX-License-Identifier: Apache-2.0
#include "rego/builtins/http_client.h"

#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <strings.h>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>

namespace meshgate::rego {
namespace {

using Clock = std::chrono::steady_clock;

struct Url {
  bool tls = false;
  std::string host;
  std::string port;
  std::string target;
};

bool parseUrl(const std::string& url, Url* out) {
  std::string rest;
  if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else if (url.rfind("https://", 0) == 0) {
    out->tls = true;
    rest = url.substr(8);
  } else {
    return false;
  }
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  out->target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string::npos) return false;
    out->host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':')
      out->port = authority.substr(close + 2);
  } else {
    size_t colon = authority.rfind(':');
    out->host = authority.substr(0, colon);
    if (colon != std::string::npos) out->port = authority.substr(colon + 1);
  }
  if (out->port.empty()) out->port = out->tls ? "443" : "80";
  return !out->host.empty();
}

class Conn {
 public:
  ~Conn() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (ctx_ != nullptr) SSL_CTX_free(ctx_);
    if (fd_ >= 0) ::close(fd_);
  }

  bool connect(const Url& u, Clock::time_point deadline, std::string* error) {
    struct addrinfo hints;
    std::memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    struct addrinfo* res = nullptr;
    if (getaddrinfo(u.host.c_str(), u.port.c_str(), &hints, &res) != 0 || res == nullptr) {
      *error = "dial tcp: lookup " + u.host + ": no such host";
      return false;
    }
    for (struct addrinfo* p = res; p != nullptr; p = p->ai_next) {
      fd_ = ::socket(p->ai_family, p->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, p->ai_protocol);
      if (fd_ < 0) continue;
      int rc = ::connect(fd_, p->ai_addr, p->ai_addrlen);
      if (rc == 0 || (errno == EINPROGRESS && waitFor(POLLOUT, deadline) && soError() == 0)) break;
      ::close(fd_);
      fd_ = -1;
    }
    freeaddrinfo(res);
    if (fd_ < 0) {
      *error = "dial tcp " + u.host + ":" + u.port + ": connection refused";
      return false;
    }
    if (!u.tls) return true;
    ctx_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_default_verify_paths(ctx_);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    ssl_ = SSL_new(ctx_);
    SSL_set_tlsext_host_name(ssl_, u.host.c_str());
    SSL_set1_host(ssl_, u.host.c_str());
    SSL_set_fd(ssl_, fd_);
    while (true) {
      int rc = SSL_connect(ssl_);
      if (rc == 1) return true;
      int e = SSL_get_error(ssl_, rc);
      if ((e == SSL_ERROR_WANT_READ && waitFor(POLLIN, deadline)) ||
          (e == SSL_ERROR_WANT_WRITE && waitFor(POLLOUT, deadline)))
        continue;
      *error = "tls handshake with " + u.host + " failed";
      return false;
    }
  }

  bool writeAll(const std::string& data, Clock::time_point deadline) {
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n;
      if (ssl_ != nullptr) {
        n = SSL_write(ssl_, data.data() + off, static_cast<int>(data.size() - off));
        if (n <= 0) {
          int e = SSL_get_error(ssl_, static_cast<int>(n));
          if ((e == SSL_ERROR_WANT_WRITE && waitFor(POLLOUT, deadline)) ||
              (e == SSL_ERROR_WANT_READ && waitFor(POLLIN, deadline)))
            continue;
          return false;
        }
      } else {
        n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
        if (n < 0) {
          if (errno == EAGAIN && waitFor(POLLOUT, deadline)) continue;
          return false;
        }
      }
      off += static_cast<size_t>(n);
    }
    return true;
  }

  // Appends whatever arrives; false on EOF, error or deadline.
  bool readSome(std::string* out, Clock::time_point deadline) {
    char buf[16384];
    while (true) {
      ssize_t n;
      if (ssl_ != nullptr) {
        n = SSL_read(ssl_, buf, sizeof(buf));
        if (n <= 0) {
          int e = SSL_get_error(ssl_, static_cast<int>(n));
          if ((e == SSL_ERROR_WANT_READ && waitFor(POLLIN, deadline)) ||
              (e == SSL_ERROR_WANT_WRITE && waitFor(POLLOUT, deadline)))
            continue;
          return false;
        }
      } else {
        n = ::recv(fd_, buf, sizeof(buf), 0);
        if (n < 0) {
          if (errno == EAGAIN && waitFor(POLLIN, deadline)) continue;
          return false;
        }
        if (n == 0) return false;
      }
      out->append(buf, static_cast<size_t>(n));
      return true;
    }
  }

 private:
  bool waitFor(short events, Clock::time_point deadline) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    struct pollfd p = {fd_, events, 0};
    return ::poll(&p, 1, static_cast<int>(left)) > 0;
  }
  int soError() {
    int err = 0;
    socklen_t len = sizeof(err);
    getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    return err;
  }

  int fd_ = -1;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
};

}  // namespace

bool httpRequest(const HttpRequest& req, HttpResponse* resp, std::string* error) {
  Url u;
  if (!parseUrl(req.url, &u)) {
    *error = "unsupported URL: " + req.url;
    return false;
  }
  auto deadline = Clock::now() + std::chrono::milliseconds(req.timeout_ms);
  Conn conn;
  if (!conn.connect(u, deadline, error)) return false;
  std::string wire =
      req.method + " " + u.target + " HTTP/1.1\r\nHost: " + u.host + "\r\nConnection: close\r\n";
  bool has_ua = false;
  for (const auto& [k, v] : req.headers) {
    if (k.find_first_of("\r\n") != std::string::npos ||
        v.find_first_of("\r\n") != std::string::npos)
      continue;
    wire += k + ": " + v + "\r\n";
    if (strcasecmp(k.c_str(), "user-agent") == 0) has_ua = true;
  }
  if (!has_ua) wire += "User-Agent: meshgate\r\n";
  if (!req.body.empty() || req.method == "POST" || req.method == "PUT" || req.method == "PATCH")
    wire += "Content-Length: " + std::to_string(req.body.size()) + "\r\n";
  wire += "\r\n" + req.body;
  if (!conn.writeAll(wire, deadline)) {
    *error = "write to " + u.host + " failed";
    return false;
  }
  std::string data;
  size_t header_end = std::string::npos;
  while ((header_end = data.find("\r\n\r\n")) == std::string::npos) {
    if (data.size() > 65536 || !conn.readSome(&data, deadline)) {
      *error = "reading response headers from " + u.host + " failed";
      return false;
    }
  }
  std::string head = data.substr(0, header_end);
  std::string body = data.substr(header_end + 4);
  size_t line_end = head.find("\r\n");
  std::string status_line = head.substr(0, line_end);
  if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12) {
    *error = "malformed HTTP response from " + u.host;
    return false;
  }
  resp->status = std::atoi(status_line.c_str() + 9);
  resp->reason = status_line.size() > 13 ? status_line.substr(13) : "";
  int64_t content_length = -1;
  bool chunked = false;
  size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    size_t e = head.find("\r\n", pos);
    std::string line = head.substr(pos, e == std::string::npos ? std::string::npos : e - pos);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string k = line.substr(0, colon);
      std::string v = line.substr(colon + 1);
      while (!v.empty() && v.front() == ' ')
        v.erase(0, 1);
      if (strcasecmp(k.c_str(), "content-length") == 0) content_length = std::atoll(v.c_str());
      if (strcasecmp(k.c_str(), "transfer-encoding") == 0 && v.find("chunked") != std::string::npos)
        chunked = true;
      resp->headers.emplace_back(k, v);
    }
    if (e == std::string::npos) break;
    pos = e + 2;
  }
  while (true) {
    if (body.size() > req.max_body_bytes + 65536) {
      *error = "response body from " + u.host + " exceeds the limit";
      return false;
    }
    if (!chunked && content_length >= 0 && static_cast<int64_t>(body.size()) >= content_length)
      break;
    if (chunked && body.find("\r\n0\r\n") != std::string::npos) break;
    if (!conn.readSome(&body, deadline)) break;
  }
  if (chunked) {
    std::string out;
    size_t p = 0;
    while (p < body.size()) {
      size_t e = body.find("\r\n", p);
      if (e == std::string::npos) break;
      size_t n = std::strtoul(body.substr(p, e - p).c_str(), nullptr, 16);
      if (n == 0) break;
      out += body.substr(e + 2, n);
      p = e + 2 + n + 2;
    }
    body = out;
  } else if (content_length >= 0 && static_cast<int64_t>(body.size()) > content_length) {
    body.resize(static_cast<size_t>(content_length));
  }
  if (body.size() > req.max_body_bytes) {
    *error = "response body from " + u.host + " exceeds the limit";
    return false;
  }
  resp->body = std::move(body);
  return true;
}

}  // namespace meshgate::rego
