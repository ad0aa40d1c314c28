// SPDX-License-Identifier: Apache-2.0
// A small HTTPS origin for tests (one thread, one connection at a time, Connection: close), and
// a test PKI made with the openssl command line: a CA and a server certificate for
// "localhost" and 127.0.0.1 signed by it, plus a self-signed certificate nobody trusts.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "testing/temp_dir.h"

struct ssl_ctx_st;

namespace meshgate::testing {

/// PEM files in a TempDir. Generation aborts the test (throws) if openssl fails.
struct TestPki {
  std::string ca_cert;      // the CA that signed server_cert
  std::string server_cert;  // CN=localhost, SAN DNS:localhost, IP:127.0.0.1
  std::string server_key;
  std::string rogue_cert;  // self-signed, same names: not trusted by ca_cert
  std::string rogue_key;
  std::string other_name_cert;  // signed by the CA, but only for DNS:other.example
  std::string other_name_key;

  static TestPki generate(const TempDir& dir);
};

class TlsTestServer {
 public:
  struct Reply {
    int status = 200;
    std::string body;
  };
  /// `handler` gets the request target. Listens on 127.0.0.1, ephemeral port.
  using Handler = std::function<Reply(const std::string& target)>;

  TlsTestServer(const std::string& cert_file, const std::string& key_file, Handler handler);
  ~TlsTestServer();
  TlsTestServer(const TlsTestServer&) = delete;
  TlsTestServer& operator=(const TlsTestServer&) = delete;

  uint16_t port() const { return port_; }
  void setHandler(Handler handler);
  /// Requests answered (complete handshakes that sent a request).
  int requests() const { return requests_.load(); }
  /// Handshakes that failed (e.g. the client refused the certificate).
  int failedHandshakes() const { return failed_handshakes_.load(); }

 private:
  void run();
  void serve(int fd);

  ssl_ctx_st* ctx_ = nullptr;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> requests_{0};
  std::atomic<int> failed_handshakes_{0};
  std::mutex mu_;
  Handler handler_;
  std::thread thread_;
};

}  // namespace meshgate::testing
