// SPDX-License-Identifier: Apache-2.0
// A small HTTP/1.1 server for meshgate's own endpoints (admin, demo upstream):
// keep-alive, one request at a time per connection, bodies up to 1 MiB, replies
// produced by a handler that may answer later (for delayed demo responses).
// Not for proxied traffic. Loop thread only. Depends on net, http, http1.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "event/event_loop.h"
#include "http/message.h"
#include "net/address.h"
#include "net/listener.h"

namespace meshgate::admin {

struct HttpResponse {
  uint16_t status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

/// What a handler sees of a request. Valid until the handler's respond() runs.
struct HttpRequest {
  const http::RequestHead* head = nullptr;
  std::string body;
  std::string peer;
};

class HttpServer {
 public:
  using Respond = std::function<void(HttpResponse)>;
  /// Must call `respond` exactly once, now or later on the loop thread.
  using Handler = std::function<void(const HttpRequest& request, Respond respond)>;

  HttpServer(event::EventLoop& loop, std::string name, Handler handler);
  ~HttpServer();

  /// Binds and starts accepting on `address` (port 0 picks one).
  base::Status listen(const net::Address& address);
  /// The bound address (with the real port).
  const net::Address& address() const { return bound_; }
  /// Stops accepting and closes open connections.
  void close();

 private:
  class Session;
  friend class Session;

  event::EventLoop& loop_;
  std::string name_;
  Handler handler_;
  std::unique_ptr<net::Listener> listener_;
  net::Address bound_;
  std::vector<Session*> sessions_;
};

}  // namespace meshgate::admin
