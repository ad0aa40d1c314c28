// SPDX-License-Identifier: Apache-2.0
#include "workload/prober.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <optional>
#include <thread>

#include "base/clock.h"

namespace meshgate::workload {
namespace {

TEST(ParseStatusLine, Forms) {
  EXPECT_EQ(parseStatusLine("HTTP/1.1 200 OK\r\n"), 200);
  EXPECT_EQ(parseStatusLine("HTTP/1.0 302\r\n"), 302);
  EXPECT_EQ(parseStatusLine("HTTP/1.1 503 Service Unavailable\n"), 503);
  EXPECT_EQ(parseStatusLine("HTTP/1.1 20"), 0);  // incomplete
  EXPECT_EQ(parseStatusLine(""), 0);
  EXPECT_EQ(parseStatusLine("SSH-2.0-OpenSSH\r\n"), -1);
  EXPECT_EQ(parseStatusLine("HTTP/1.1 2000 OK\r\n"), -1);
  EXPECT_EQ(parseStatusLine("HTTP/1.1 abc OK\r\n"), -1);
  EXPECT_EQ(parseStatusLine("HTTP/1.1 099 x\r\n"), -1);
  EXPECT_EQ(parseStatusLine(std::string(2000, 'x')), -1);
}

// A loopback listener; each accepted connection gets `reply` (or nothing).
class Server {
 public:
  explicit Server(std::optional<std::string> reply) : reply_(std::move(reply)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(fd_, 8), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    if (reply_) {
      thread_ = std::thread([this] {
        int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        char buf[1024];
        std::string req;
        while (req.find("\r\n\r\n") == std::string::npos) {
          ssize_t n = ::read(c, buf, sizeof buf);
          if (n <= 0) break;
          req.append(buf, static_cast<size_t>(n));
        }
        request_ = req;
        (void)!::write(c, reply_->data(), reply_->size());
        ::close(c);
      });
    }
  }
  ~Server() {
    ::shutdown(fd_, SHUT_RDWR);
    if (thread_.joinable()) thread_.join();
    ::close(fd_);
  }
  uint16_t port() const { return port_; }
  const std::string& request() const { return request_; }

 private:
  std::optional<std::string> reply_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
  std::string request_;
};

ProbeResult run(ProbeTarget t) {
  event::EventLoop loop;
  std::optional<ProbeResult> result;
  Prober p(loop, std::move(t), [&](const ProbeResult& r) { result = r; });
  p.start();
  EXPECT_FALSE(result.has_value()) << "the callback never runs inside start()";
  // Bounded: the probe's own timeout ends it well within 200 turns.
  for (int i = 0; i < 200 && !result; ++i)
    loop.runOnce(std::chrono::milliseconds(50));
  EXPECT_TRUE(result.has_value());
  return result.value_or(ProbeResult{false, "no result"});
}

uint16_t closedPort() {
  Server s(std::nullopt);
  return s.port();  // closed once s is gone
}

TEST(Prober, TcpConnects) {
  Server s(std::nullopt);
  ProbeTarget t;
  t.port = s.port();
  ProbeResult r = run(t);
  EXPECT_TRUE(r.success) << r.detail;
}

TEST(Prober, TcpRefused) {
  ProbeTarget t;
  t.port = closedPort();
  ProbeResult r = run(t);
  EXPECT_FALSE(r.success);
  EXPECT_NE(r.detail.find("refused"), std::string::npos) << r.detail;
}

TEST(Prober, HttpStatusRanges) {
  for (auto [status, ok] : {std::pair{200, true},
                            {204, true},
                            {302, true},
                            {399, true},
                            {404, false},
                            {500, false},
                            {503, false}}) {
    Server s("HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: 0\r\n\r\n");
    ProbeTarget t;
    t.kind = ProbeTarget::Kind::HttpGet;
    t.port = s.port();
    t.path = "/healthz?x=1";
    ProbeResult r = run(t);
    EXPECT_EQ(r.success, ok) << status << ": " << r.detail;
    EXPECT_EQ(r.detail, "status " + std::to_string(status));
    EXPECT_EQ(s.request().rfind("GET /healthz?x=1 HTTP/1.1\r\nHost: 127.0.0.1:", 0), 0u)
        << s.request();
  }
}

TEST(Prober, HttpNotHttpOrClosed) {
  {
    Server s("SSH-2.0-OpenSSH_9.2\r\n");
    ProbeTarget t;
    t.kind = ProbeTarget::Kind::HttpGet;
    t.port = s.port();
    ProbeResult r = run(t);
    EXPECT_FALSE(r.success);
    EXPECT_EQ(r.detail, "not an HTTP/1.x response");
  }
  {
    Server s("");
    ProbeTarget t;
    t.kind = ProbeTarget::Kind::HttpGet;
    t.port = s.port();
    ProbeResult r = run(t);
    EXPECT_FALSE(r.success);
    EXPECT_EQ(r.detail, "connection closed before a status line");
  }
}

TEST(Prober, HttpTimesOut) {
  // Accepted by the kernel (backlog) but never answered.
  Server s(std::nullopt);
  ProbeTarget t;
  t.kind = ProbeTarget::Kind::HttpGet;
  t.port = s.port();
  t.timeout = std::chrono::milliseconds(100);
  ProbeResult r = run(t);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.detail, "timeout after 100ms");
}

TEST(Prober, DestroyedProberNeverCallsBack) {
  event::EventLoop loop;
  bool called = false;
  {
    ProbeTarget t;
    t.ip = "300.1.1.1";  // fails inside start(); the callback is deferred
    t.port = 80;
    Prober p(loop, t, [&](const ProbeResult&) { called = true; });
    p.start();
  }
  for (int i = 0; i < 3; ++i)
    loop.runOnce(std::chrono::milliseconds(10));
  EXPECT_FALSE(called);

  ProbeTarget t;
  t.ip = "300.1.1.1";
  t.port = 80;
  ProbeResult r = run(t);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.detail, "bad address 300.1.1.1");
}

}  // namespace
}  // namespace meshgate::workload
