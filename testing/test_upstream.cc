// SPDX-License-Identifier: Apache-2.0
#include "testing/test_upstream.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>

#include "base/strings.h"

namespace meshgate::testing {

using base::iequals;

std::string ReceivedRequest::header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return v;
  }
  return "";
}

size_t ReceivedRequest::headerCount(const std::string& name) const {
  size_t n = 0;
  for (const auto& [k, v] : headers)
    n += iequals(k, name) ? 1 : 0;
  return n;
}

TestUpstream::TestUpstream(Handler handler) : handler_(std::move(handler)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 1024) != 0) {
    throw std::runtime_error("TestUpstream: bind/listen failed");
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { acceptLoop(); });
}

TestUpstream::~TestUpstream() {
  shutdown();
}

void TestUpstream::setHandler(Handler handler) {
  std::lock_guard<std::mutex> lock(mu_);
  handler_ = std::move(handler);
}

size_t TestUpstream::requestCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_.size();
}

std::vector<ReceivedRequest> TestUpstream::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

ReceivedRequest TestUpstream::lastRequest() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_.empty() ? ReceivedRequest{} : requests_.back();
}

void TestUpstream::shutdown() {
  if (stopping_.exchange(true)) return;
  ::shutdown(listen_fd_, SHUT_RDWR);
  if (acceptor_.joinable()) acceptor_.join();
  ::close(listen_fd_);
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (int fd : open_fds_)
      ::shutdown(fd, SHUT_RDWR);
    threads.swap(threads_);
  }
  for (auto& t : threads)
    t.join();
}

void TestUpstream::acceptLoop() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    int rc = ::poll(&p, 1, 100);
    if (rc <= 0) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    uint64_t id = ++connections_;
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) {
      ::close(fd);
      break;
    }
    open_fds_.push_back(fd);
    threads_.emplace_back([this, fd, id] { serve(fd, id); });
  }
}

namespace {

class Reader {
 public:
  explicit Reader(int fd) : fd_(fd) {}
  bool line(std::string* out) {
    while (true) {
      size_t eol = buf_.find("\r\n", pos_);
      if (eol != std::string::npos) {
        *out = buf_.substr(pos_, eol - pos_);
        pos_ = eol + 2;
        return true;
      }
      if (!fill()) return false;
    }
  }
  bool exact(size_t n, std::string* out) {
    while (buf_.size() - pos_ < n) {
      if (!fill()) return false;
    }
    out->append(buf_, pos_, n);
    pos_ += n;
    return true;
  }
  // Consumes n bytes, handing them to `sink` piece by piece (never all at once).
  template <typename Sink>
  bool stream(uint64_t n, Sink&& sink) {
    while (n > 0) {
      if (pos_ == buf_.size() && !fill()) return false;
      size_t take = static_cast<size_t>(std::min<uint64_t>(n, buf_.size() - pos_));
      sink(std::string_view(buf_).substr(pos_, take));
      pos_ += take;
      n -= take;
    }
    return true;
  }

 private:
  bool fill() {
    if (pos_ == buf_.size()) {
      buf_.clear();
      pos_ = 0;
    }
    char tmp[65536];
    ssize_t n;
    do {
      n = ::recv(fd_, tmp, sizeof tmp, 0);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }
  int fd_;
  std::string buf_;
  size_t pos_ = 0;
};

bool sendAll(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

const char* reasonFor(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Status";
  }
}

}  // namespace

void TestUpstream::serve(int fd, uint64_t id) {
  Reader in(fd);
  while (!stopping_) {
    ReceivedRequest req;
    req.connection_id = id;
    std::string line;
    if (!in.line(&line)) break;
    auto sp1 = line.find(' ');
    auto sp2 = line.rfind(' ');
    if (sp1 == std::string::npos || sp2 == sp1) break;
    req.method = line.substr(0, sp1);
    req.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    req.version = line.substr(sp2 + 1);
    bool ok = true;
    while (true) {
      if (!in.line(&line)) {
        ok = false;
        break;
      }
      if (line.empty()) break;
      auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      req.headers.emplace_back(line.substr(0, colon),
                               std::string(base::trim(std::string_view(line).substr(colon + 1))));
    }
    if (!ok) break;
    if (iequals(req.header("Expect"), "100-continue")) {
      sendAll(fd, "HTTP/1.1 100 Continue\r\n\r\n");
    }
    const bool store = store_bodies_.load();
    auto take_body = [&](std::string_view piece) {
      req.body_bytes += piece.size();
      if (store) req.body.append(piece);
    };
    if (iequals(req.header("Transfer-Encoding"), "chunked")) {
      while (ok) {
        if (!in.line(&line)) {
          ok = false;
          break;
        }
        size_t size = std::stoul(line.substr(0, line.find(';')), nullptr, 16);
        if (size == 0) {
          while (in.line(&line) && !line.empty()) {
          }
          break;
        }
        ok = in.stream(size, take_body) && in.line(&line);
      }
    } else if (!req.header("Content-Length").empty()) {
      ok = in.stream(std::stoull(req.header("Content-Length")), take_body);
    }
    if (!ok) break;
    Handler handler;
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(req);
      handler = handler_;
    }
    UpstreamReply reply;
    if (handler) {
      reply = handler(req);
    } else {
      reply.body = "ok";
    }
    if (reply.delay.count() > 0) {
      // Wake early if the peer goes away or the server stops.
      pollfd p{fd, POLLRDHUP, 0};
      ::poll(&p, 1, static_cast<int>(reply.delay.count()));
    }
    if (reply.reset) {
      linger lg{1, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
      break;
    }
    std::string out;
    if (!reply.raw.empty()) {
      out = reply.raw;
    } else {
      out = "HTTP/1.1 " + std::to_string(reply.status) + " " + reasonFor(reply.status) + "\r\n";
      bool has_type = false;
      for (const auto& [k, v] : reply.headers) {
        out += k + ": " + v + "\r\n";
        has_type = has_type || iequals(k, "content-type");
      }
      if (!has_type) out += "Content-Type: text/plain\r\n";
      if (reply.close) out += "Connection: close\r\n";
      const bool bodyless = reply.status == 204 || reply.status == 304 || req.method == "HEAD";
      if (reply.stream_bytes > 0 && !bodyless) {
        const size_t piece = reply.chunk_size ? reply.chunk_size : 64 * 1024;
        if (reply.chunk_size) {
          out += "Transfer-Encoding: chunked\r\n\r\n";
        } else {
          out += "Content-Length: " + std::to_string(reply.stream_bytes) + "\r\n\r\n";
        }
        if (!sendAll(fd, out)) break;
        std::string block(piece, 'x');
        bool sent = true;
        for (uint64_t left = reply.stream_bytes; left > 0 && sent;) {
          size_t n = static_cast<size_t>(std::min<uint64_t>(left, piece));
          std::string framed;
          if (reply.chunk_size) {
            char hex[32];
            std::snprintf(hex, sizeof hex, "%zx\r\n", n);
            framed = hex;
            framed.append(block, 0, n);
            framed += "\r\n";
            sent = sendAll(fd, framed);
          } else {
            sent = sendAll(fd, block.substr(0, n));
          }
          left -= n;
        }
        if (!sent || (reply.chunk_size && !sendAll(fd, "0\r\n\r\n"))) break;
        if (reply.close) break;
        continue;
      }
      if (reply.chunk_size > 0 && !bodyless) {
        out += "Transfer-Encoding: chunked\r\n\r\n";
        for (size_t off = 0; off < reply.body.size(); off += reply.chunk_size) {
          size_t n = std::min(reply.chunk_size, reply.body.size() - off);
          char hex[32];
          std::snprintf(hex, sizeof hex, "%zx\r\n", n);
          out += hex;
          out.append(reply.body, off, n);
          out += "\r\n";
        }
        out += "0\r\n\r\n";
      } else {
        if (reply.status != 204 && reply.status != 304) {
          out += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n";
        }
        out += "\r\n";
        if (!bodyless) out += reply.body;
      }
    }
    if (!sendAll(fd, out) || reply.close || !reply.raw.empty()) break;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    open_fds_.erase(std::remove(open_fds_.begin(), open_fds_.end(), fd), open_fds_.end());
  }
  ::close(fd);
}

}  // namespace meshgate::testing
