// SPDX-License-Identifier: Apache-2.0
#include "net/socket.h"

#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace meshgate::net {

base::Result<int> listenTcp(const Address& addr, const ListenOptions& options) {
  int fd = ::socket(addr.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return base::errnoError("socket");
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (options.reuse_port && ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
    int err = errno;
    ::close(fd);
    return base::errnoError("setsockopt SO_REUSEPORT", err);
  }
  if (addr.family() == AF_INET6) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (::bind(fd, addr.sockaddrPtr(), addr.length()) != 0) {
    int err = errno;
    ::close(fd);
    return base::errnoError("bind " + addr.toString(), err);
  }
  if (::listen(fd, options.backlog) != 0) {
    int err = errno;
    ::close(fd);
    return base::errnoError("listen " + addr.toString(), err);
  }
  return fd;
}

base::Result<int> connectTcp(const Address& addr) {
  int fd = ::socket(addr.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return base::errnoError("socket");
  setNoDelay(fd);
  if (::connect(fd, addr.sockaddrPtr(), addr.length()) != 0 && errno != EINPROGRESS) {
    int err = errno;
    ::close(fd);
    return base::Error{"connect " + addr.toString(), err, base::ErrorSource::Upstream};
  }
  return fd;
}

int connectError(int fd) {
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) return errno;
  return err;
}

void setNoDelay(int fd) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

Address localAddress(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  return Address::fromSockaddr(reinterpret_cast<sockaddr*>(&ss), len);
}

Address peerAddress(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return Address();
  return Address::fromSockaddr(reinterpret_cast<sockaddr*>(&ss), len);
}

IoResult readOnce(int fd, base::Buffer& buf, size_t max) {
  char* p = buf.prepare(max);
  while (true) {
    ssize_t n = ::recv(fd, p, max, 0);
    if (n > 0) {
      buf.commit(static_cast<size_t>(n));
      return {IoStatus::Ok, static_cast<size_t>(n)};
    }
    if (n == 0) return {IoStatus::Eof};
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return {IoStatus::WouldBlock};
    return {IoStatus::Error, 0, errno};
  }
}

IoResult writeFrom(int fd, base::Buffer& buf) {
  size_t total = 0;
  while (!buf.empty()) {
    ssize_t n = ::send(fd, buf.data(), buf.size(), MSG_NOSIGNAL);
    if (n > 0) {
      buf.consume(static_cast<size_t>(n));
      total += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return {total ? IoStatus::Ok : IoStatus::WouldBlock, total};
    }
    return {IoStatus::Error, total, errno};
  }
  return {IoStatus::Ok, total};
}

IoResult writeVec(int fd, const iovec* iov, int count) {
  msghdr msg{};
  msg.msg_iov = const_cast<iovec*>(iov);
  msg.msg_iovlen = static_cast<size_t>(count);
  while (true) {
    ssize_t n = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (n >= 0) return {IoStatus::Ok, static_cast<size_t>(n)};
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return {IoStatus::WouldBlock};
    return {IoStatus::Error, 0, errno};
  }
}

}  // namespace meshgate::net
