// SPDX-License-Identifier: Apache-2.0
#include "server/demo_upstream.h"

#include "base/json_writer.h"
#include "base/strings.h"

namespace meshgate::server {

namespace {
// Longest /delay the demo accepts, so a typo cannot park a connection for hours.
constexpr uint64_t kMaxDelayMs = 10'000;
constexpr uint64_t kMaxBytes = 10 * 1024 * 1024;
}  // namespace

DemoUpstream::DemoUpstream(event::EventLoop& loop, std::string name)
    : loop_(loop),
      name_(std::move(name)),
      server_(loop, "demo",
              [this](const admin::HttpRequest& r, admin::HttpServer::Respond respond) {
                handle(r, std::move(respond));
              }) {}

DemoUpstream::~DemoUpstream() {
  server_.close();
}

void DemoUpstream::handle(const admin::HttpRequest& request, admin::HttpServer::Respond respond) {
  const http::RequestHead& head = *request.head;
  std::string_view path = head.path();

  auto echo = [&](bool headers_only) {
    std::string body;
    base::JsonWriter w(body);
    w.beginObject();
    if (!headers_only) {
      w.field("service", name_)
          .field("method", head.methodText())
          .field("path", path)
          .field("query", head.query());
    }
    w.key("headers").beginObject();
    for (const http::HeaderField f : head.headers())
      w.field(f.name, f.value);
    w.endObject();
    if (!headers_only) {
      w.field("body_bytes", static_cast<uint64_t>(request.body.size()));
      w.field("peer", request.peer);
    }
    w.endObject();
    body += '\n';
    return admin::HttpResponse{200, "application/json", std::move(body), {{"x-served-by", name_}}};
  };

  if (path.rfind("/status/", 0) == 0) {
    auto code = base::parseUint64(path.substr(8));
    if (!code || *code < 200 || *code > 599) {
      respond(admin::HttpResponse{400, "text/plain", "want /status/<200-599>\n", {}});
      return;
    }
    respond(admin::HttpResponse{static_cast<uint16_t>(*code),
                                "text/plain",
                                "status " + std::to_string(*code) + "\n",
                                {{"x-served-by", name_}}});
  } else if (path.rfind("/delay/", 0) == 0) {
    auto ms = base::parseUint64(path.substr(7));
    if (!ms || *ms > kMaxDelayMs) {
      respond(admin::HttpResponse{400, "text/plain", "want /delay/<0-10000 ms>\n", {}});
      return;
    }
    const uint64_t id = next_delay_++;
    PendingDelay& p = delays_[id];
    p.respond = std::move(respond);
    p.response = echo(false);
    p.timer = std::make_unique<event::Timer>(loop_, [this, id] {
      auto it = delays_.find(id);
      if (it == delays_.end()) return;
      it->second.respond(std::move(it->second.response));
      // Not erased here: this callback is owned by the timer being run.
      loop_.defer([this, id] { delays_.erase(id); });
    });
    p.timer->arm(std::chrono::milliseconds(*ms));
  } else if (path.rfind("/bytes/", 0) == 0) {
    auto n = base::parseUint64(path.substr(7));
    if (!n || *n > kMaxBytes) {
      respond(admin::HttpResponse{400, "text/plain", "want /bytes/<0-10485760>\n", {}});
      return;
    }
    std::string body(*n, 'x');
    respond(admin::HttpResponse{
        200, "application/octet-stream", std::move(body), {{"x-served-by", name_}}});
  } else if (path == "/headers") {
    respond(echo(true));
  } else {
    respond(echo(false));
  }
}

}  // namespace meshgate::server
