// SPDX-License-Identifier: Apache-2.0
// The built-in demo origin (meshgate.io/v1 DemoUpstream), so that `meshgate run`
// with no config shows a working proxy: it echoes requests as JSON and offers
// /status/N, /delay/MS, /headers and /bytes/N like httpbin. Main loop only.
// Depends on admin/http_server.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "admin/http_server.h"

namespace meshgate::server {

class DemoUpstream {
 public:
  DemoUpstream(event::EventLoop& loop, std::string name);
  ~DemoUpstream();
  base::Status listen(const net::Address& address) { return server_.listen(address); }
  const net::Address& address() const { return server_.address(); }
  const std::string& name() const { return name_; }

 private:
  void handle(const admin::HttpRequest& request, admin::HttpServer::Respond respond);

  event::EventLoop& loop_;
  std::string name_;
  admin::HttpServer server_;
  struct PendingDelay {
    std::unique_ptr<event::Timer> timer;
    admin::HttpServer::Respond respond;
    admin::HttpResponse response;
  };
  std::map<uint64_t, PendingDelay> delays_;
  uint64_t next_delay_ = 0;
};

}  // namespace meshgate::server
