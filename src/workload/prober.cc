// SPDX-License-Identifier: Apache-2.0
#include "workload/prober.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/strings.h"

namespace meshgate::workload {

namespace {
// The status line is all a probe reads; anything longer is not HTTP/1.x.
constexpr size_t kMaxStatusLine = 1024;
}  // namespace

int parseStatusLine(std::string_view b) {
  const size_t eol = b.find('\n');
  if (eol == std::string_view::npos) return b.size() > kMaxStatusLine ? -1 : 0;
  std::string_view line = b.substr(0, eol);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  // "HTTP/1.1 200 OK": version, one space, three digits, then a space or the end.
  if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || line[8] != ' ') return -1;
  int code = 0;
  for (size_t i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') return -1;
    code = code * 10 + (line[i] - '0');
  }
  if (line.size() > 12 && line[12] != ' ') return -1;
  return code >= 100 ? code : -1;
}

Prober::Prober(event::EventLoop& loop, ProbeTarget target, Callback done)
    : loop_(loop),
      target_(std::move(target)),
      done_(std::move(done)),
      timeout_(loop,
               [this] { finish(false, "timeout after " + base::formatDuration(target_.timeout)); }),
      alive_(std::make_shared<bool>(true)) {}

Prober::~Prober() {
  *alive_ = false;
  closeSocket();
}

void Prober::closeSocket() {
  if (fd_ < 0) return;
  loop_.removeFd(fd_);
  ::close(fd_);
  fd_ = -1;
}

void Prober::finish(bool success, std::string detail) {
  if (finished_) return;
  finished_ = true;
  timeout_.cancel();
  closeSocket();
  // Always from the loop, never from inside start(): callers may delete us.
  loop_.defer([alive = alive_, done = done_, r = ProbeResult{success, std::move(detail)}] {
    if (*alive) done(r);
  });
}

void Prober::start() {
  sockaddr_storage ss{};
  socklen_t len = 0;
  int family = AF_INET;
  if (target_.ip.find(':') != std::string::npos) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(target_.port);
    if (::inet_pton(AF_INET6, target_.ip.c_str(), &a->sin6_addr) != 1)
      return finish(false, "bad address " + target_.ip);
    len = sizeof(sockaddr_in6);
    family = AF_INET6;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(target_.port);
    if (::inet_pton(AF_INET, target_.ip.c_str(), &a->sin_addr) != 1)
      return finish(false, "bad address " + target_.ip);
    len = sizeof(sockaddr_in);
  }
  fd_ = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return finish(false, std::string("socket: ") + std::strerror(errno));
  timeout_.arm(target_.timeout);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0 && errno != EINPROGRESS)
    return finish(false, std::string("connect: ") + std::strerror(errno));
  if (target_.kind == ProbeTarget::Kind::HttpGet) {
    const std::string host = family == AF_INET6 ? "[" + target_.ip + "]" : target_.ip;
    request_ = "GET " + (target_.path.empty() ? std::string("/") : target_.path) +
               " HTTP/1.1\r\nHost: " + host + ":" + std::to_string(target_.port) +
               "\r\nUser-Agent: meshgate-probe/0.1\r\nAccept: */*\r\nConnection: close\r\n\r\n";
  }
  auto st = loop_.addFd(fd_, EPOLLOUT, this);
  if (!st.ok()) return finish(false, st.error().describe());
}

void Prober::onFdEvent(uint32_t events) {
  if (finished_) return;
  if (!connected_) {
    if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) == 0) return;
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return finish(false, std::string("connect: ") + std::strerror(err));
    connected_ = true;
    if (target_.kind == ProbeTarget::Kind::TcpSocket) return finish(true, "connected");
  }
  if (sent_ < request_.size()) return onWritable();
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) onReadable();
}

void Prober::onWritable() {
  while (sent_ < request_.size()) {
    ssize_t n = ::send(fd_, request_.data() + sent_, request_.size() - sent_, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      return finish(false, std::string("send: ") + std::strerror(errno));
    }
    sent_ += static_cast<size_t>(n);
  }
  auto st = loop_.modifyFd(fd_, EPOLLIN, this);
  if (!st.ok()) finish(false, st.error().describe());
}

void Prober::onReadable() {
  char buf[512];
  for (;;) {
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      return finish(false, std::string("recv: ") + std::strerror(errno));
    }
    if (n == 0) return finish(false, "connection closed before a status line");
    response_.append(buf, static_cast<size_t>(n));
    const int code = parseStatusLine(response_);
    if (code < 0) return finish(false, "not an HTTP/1.x response");
    if (code > 0) {
      const bool ok = code >= 200 && code < 400;
      return finish(ok, "status " + std::to_string(code));
    }
  }
}

}  // namespace meshgate::workload
