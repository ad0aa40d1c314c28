// SPDX-License-Identifier: Apache-2.0
//
// hop_floor: the least a user-space TCP hop can cost on this host.
//
// One thread, one epoll set: every accepted client gets its own upstream
// connection, and bytes are copied both ways as they arrive (recv, then send),
// with TCP_NODELAY on both sides. Nothing is parsed, buffered beyond one read,
// or logged. bench/latency-floor.sh puts it beside meshgate in front of the same
// origin: whatever latency it adds over a direct connection is what the kernel
// and the VM charge for one more process on the path (two more wake-ups per
// request), which no proxy can go below without changing how it waits.
//
//   hop_floor LISTEN_PORT UPSTREAM_PORT [--spin | --poll-us N [--yield] [--upstream-only]]
//
// --spin never blocks in epoll_wait (a zero timeout, as HAProxy's
// `busy-polling` does), to show what waiting without sleeping buys here.
// --poll-us N polls (zero timeout) for N µs after the last event before it
// blocks; --yield calls sched_yield() after each empty poll (meshgate's
// `run --busy-poll`, ADR 0009); --upstream-only opens the window only when a
// request went upstream and closes it when the answer arrives.
// Listens on 127.0.0.1 only. Prints "ready" on stdout once listening.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

constexpr int kMaxFds = 65536;

int peerOf[kMaxFds];

int listenOn(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 128) != 0) {
    std::perror("hop_floor: listen");
    std::exit(1);
  }
  return fd;
}

int connectTo(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // A blocking connect on loopback completes at once; then switch to non-blocking.
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  int flags = 1;
  ::ioctl(fd, FIONBIO, &flags);
  return fd;
}

void closePair(int ep, int fd) {
  int peer = peerOf[fd];
  ::epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
  ::close(fd);
  if (peer >= 0) {
    ::epoll_ctl(ep, EPOLL_CTL_DEL, peer, nullptr);
    ::close(peer);
    peerOf[peer] = -1;
  }
  peerOf[fd] = -1;
}

// Sends all of buf on a socket that is almost always writable here (the
// replies are small); a full send buffer is waited out by polling, which only
// a peer that stops reading would cause.
bool sendAll(int fd, const char* buf, size_t n) {
  while (n > 0) {
    ssize_t w = ::send(fd, buf, n, MSG_NOSIGNAL);
    if (w > 0) {
      buf += w;
      n -= static_cast<size_t>(w);
    } else if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
      continue;
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: hop_floor LISTEN_PORT UPSTREAM_PORT "
                 "[--spin | --poll-us N [--yield] [--upstream-only]]\n");
    return 2;
  }
  const int listenPort = std::atoi(argv[1]);
  const int upstreamPort = std::atoi(argv[2]);
  bool spin = false, yieldInPoll = false, upstreamOnly = false;
  long pollUs = 0;
  for (int i = 3; i < argc; ++i) {
    if (std::strcmp(argv[i], "--spin") == 0) {
      spin = true;
    } else if (std::strcmp(argv[i], "--poll-us") == 0 && i + 1 < argc) {
      pollUs = std::atol(argv[++i]);
    } else if (std::strcmp(argv[i], "--yield") == 0) {
      yieldInPoll = true;
    } else if (std::strcmp(argv[i], "--upstream-only") == 0) {
      upstreamOnly = true;
    } else {
      std::fprintf(stderr, "hop_floor: unknown argument '%s'\n", argv[i]);
      return 2;
    }
  }
  auto nowUs = [] {
    timespec ts;
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000L + ts.tv_nsec / 1000;
  };
  long pollUntil = 0;
  static bool isUpstream[kMaxFds];
  std::signal(SIGPIPE, SIG_IGN);
  for (int& p : peerOf)
    p = -1;

  int lfd = listenOn(listenPort);
  int ep = ::epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = lfd;
  ::epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
  std::printf("ready\n");
  std::fflush(stdout);

  std::vector<char> buf(64 * 1024);
  epoll_event events[64];
  for (;;) {
    bool polling = spin;
    if (!polling && pollUs > 0 && nowUs() < pollUntil) polling = true;
    int n = ::epoll_wait(ep, events, 64, polling ? 0 : -1);
    if (n > 0 && pollUs > 0 && !upstreamOnly) pollUntil = nowUs() + pollUs;
    if (n == 0 && yieldInPoll) ::sched_yield();
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == lfd) {
        for (;;) {
          int c = ::accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (c < 0) break;
          int u = connectTo(upstreamPort);
          if (u < 0 || c >= kMaxFds || u >= kMaxFds) {
            ::close(c);
            if (u >= 0) ::close(u);
            continue;
          }
          int one = 1;
          ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          isUpstream[u] = true;
          isUpstream[c] = false;
          peerOf[c] = u;
          peerOf[u] = c;
          epoll_event e{};
          e.events = EPOLLIN;
          e.data.fd = c;
          ::epoll_ctl(ep, EPOLL_CTL_ADD, c, &e);
          e.data.fd = u;
          ::epoll_ctl(ep, EPOLL_CTL_ADD, u, &e);
        }
        continue;
      }
      if (peerOf[fd] < 0) continue;  // closed earlier in this batch
      ssize_t r = ::recv(fd, buf.data(), buf.size(), 0);
      if (r > 0) {
        if (upstreamOnly && pollUs > 0) pollUntil = isUpstream[fd] ? 0 : nowUs() + pollUs;
        if (!sendAll(peerOf[fd], buf.data(), static_cast<size_t>(r))) closePair(ep, fd);
      } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
        closePair(ep, fd);
      }
    }
  }
}
