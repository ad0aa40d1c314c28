// SPDX-License-Identifier: Apache-2.0
// A scriptable HTTP/1.1 origin for integration tests. It runs in the test process
// (a thread per connection), records every request it sees and the number of
// TCP connections it accepted, and answers through a handler the test supplies.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace meshgate::testing {

struct ReceivedRequest {
  std::string method;
  std::string target;
  std::string version;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // empty when bodies are not stored (see setStoreBodies)
  uint64_t body_bytes = 0;
  uint64_t connection_id = 0;

  std::string header(const std::string& name) const;
  size_t headerCount(const std::string& name) const;
};

struct UpstreamReply {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  /// Wait this long before answering.
  std::chrono::milliseconds delay{0};
  /// Send the body with Transfer-Encoding: chunked in pieces of this size (0: Content-Length).
  size_t chunk_size = 0;
  /// Close the connection after the reply (and send Connection: close).
  bool close = false;
  /// When non-empty, sent verbatim instead of a formatted reply; the connection
  /// is closed afterwards.
  std::string raw;
  /// Reset the connection (RST) instead of replying.
  bool reset = false;
  /// When > 0, `body` is ignored and this many bytes are generated while sending
  /// (chunked with chunk_size, or Content-Length when chunk_size is 0), so huge
  /// responses never sit in memory.
  uint64_t stream_bytes = 0;
};

class TestUpstream {
 public:
  using Handler = std::function<UpstreamReply(const ReceivedRequest&)>;

  /// Listens on 127.0.0.1 on an ephemeral port. The default handler answers 200
  /// with body "ok".
  explicit TestUpstream(Handler handler = nullptr);
  ~TestUpstream();
  TestUpstream(const TestUpstream&) = delete;
  TestUpstream& operator=(const TestUpstream&) = delete;

  uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  void setHandler(Handler handler);
  /// When false, request bodies are counted (body_bytes) but not kept, for tests
  /// that stream gigabytes through.
  void setStoreBodies(bool store) { store_bodies_ = store; }

  uint64_t connectionsAccepted() const { return connections_.load(); }
  size_t requestCount() const;
  std::vector<ReceivedRequest> requests() const;
  ReceivedRequest lastRequest() const;

  /// Stops accepting and closes every open connection.
  void shutdown();

 private:
  void acceptLoop();
  void serve(int fd, uint64_t id);

  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> store_bodies_{true};
  std::atomic<uint64_t> connections_{0};
  mutable std::mutex mu_;
  Handler handler_;
  std::vector<ReceivedRequest> requests_;
  std::vector<int> open_fds_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

}  // namespace meshgate::testing
