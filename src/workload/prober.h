// SPDX-License-Identifier: Apache-2.0
// One readiness probe attempt on the event loop, never blocking it: a
// non-blocking TCP connect (tcpSocket), or a connect, "GET path HTTP/1.1" and a
// read of the status line (httpGet: 200-399 succeeds, as in Kubernetes), each
// bounded by the probe's timeout. Loop thread only. Depends on base, event.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/clock.h"
#include "event/event_loop.h"

namespace meshgate::workload {

struct ProbeTarget {
  enum class Kind { TcpSocket, HttpGet };
  Kind kind = Kind::TcpSocket;
  /// An IPv4 or IPv6 literal.
  std::string ip = "127.0.0.1";
  uint16_t port = 0;
  std::string path = "/";  // HttpGet
  base::Duration timeout = std::chrono::seconds(1);
};

/// The result of one attempt: success, and a short reason on failure
/// ("connect: Connection refused", "status 503", "timeout after 1s").
struct ProbeResult {
  bool success = false;
  std::string detail;
};

/// A single attempt. The callback runs once, on the loop, never from inside
/// start(); destroying the Prober first cancels the attempt (no callback).
class Prober final : public event::FdHandler {
 public:
  using Callback = std::function<void(const ProbeResult&)>;
  Prober(event::EventLoop& loop, ProbeTarget target, Callback done);
  ~Prober() override;
  Prober(const Prober&) = delete;
  Prober& operator=(const Prober&) = delete;

  void start();
  void onFdEvent(uint32_t events) override;

 private:
  void finish(bool success, std::string detail);
  void onWritable();
  void onReadable();
  void closeSocket();

  event::EventLoop& loop_;
  ProbeTarget target_;
  Callback done_;
  int fd_ = -1;
  bool connected_ = false;
  bool finished_ = false;
  std::string request_;
  size_t sent_ = 0;
  std::string response_;
  event::Timer timeout_;
  /// Shared with deferred callbacks, so that a destroyed Prober is noticed.
  std::shared_ptr<bool> alive_;
};

/// Parses the start of an HTTP response; returns the status code once the
/// status line is complete, 0 while more bytes are needed, -1 when it is not
/// an HTTP/1.x status line.
int parseStatusLine(std::string_view bytes);

}  // namespace meshgate::workload
