// SPDX-License-Identifier: Apache-2.0
// Loopback port helpers for tests. Every wait is bounded by a deadline.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace meshgate::testing {

/// An ephemeral TCP port on 127.0.0.1 that was free a moment ago (bound to port 0,
/// read back, closed).
uint16_t pickFreePort();

/// Polls `probe` until it returns true or `timeout` passes. Returns the last result.
/// This is the only sanctioned way for a test to wait: on a condition, with a bound.
bool waitUntil(const std::function<bool()>& probe,
               std::chrono::milliseconds timeout = std::chrono::seconds(10));

/// True when a TCP connect to 127.0.0.1:port succeeds within `timeout`.
bool waitForTcpPort(uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(10));

/// Opens a blocking TCP connection to host:port (IPv4 dotted quad), with send and
/// receive timeouts of `io_timeout`. Returns -1 on failure.
int connectTcp(uint16_t port, const std::string& host = "127.0.0.1",
               std::chrono::milliseconds io_timeout = std::chrono::seconds(10));

}  // namespace meshgate::testing
