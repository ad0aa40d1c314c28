// SPDX-License-Identifier: Apache-2.0
// A real nginx (Debian's package) as a third-party upstream for integration tests,
// on an ephemeral loopback port with its own prefix directory.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "testing/subprocess.h"
#include "testing/temp_dir.h"

namespace meshgate::testing {

/// True when an nginx binary is installed.
bool nginxAvailable();

class NginxServer {
 public:
  /// `server_body` goes inside `server { listen 127.0.0.1:<port>; ... }`;
  /// `http_extra` goes inside `http { ... }`. Waits (bounded) until the port accepts.
  /// Each access-log line is: `conn=<connection serial> <method> <uri> <status>`.
  explicit NginxServer(const std::string& server_body, const std::string& http_extra = "");
  ~NginxServer();

  uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string accessLog() const;
  /// How many distinct client connections appear in the access log.
  size_t distinctConnections() const;
  const TempDir& dir() const { return dir_; }

 private:
  TempDir dir_;
  uint16_t port_ = 0;
  std::unique_ptr<Subprocess> process_;
};

}  // namespace meshgate::testing
