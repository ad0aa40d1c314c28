// SPDX-License-Identifier: Apache-2.0
#include "admin/http_server.h"

#include <algorithm>

#include "base/log.h"
#include "http/http1/parser.h"
#include "http/http1/serializer.h"
#include "net/connection.h"
#include "net/socket.h"

namespace meshgate::admin {

namespace {
constexpr size_t kMaxBody = 1024 * 1024;
}

class HttpServer::Session final : public net::ConnectionCallbacks, public event::DeferredDeletable {
 public:
  Session(HttpServer& server, int fd)
      : server_(server), conn_(server.loop_, fd, false), alive_(std::make_shared<bool>(true)) {
    conn_.setCallbacks(this);
  }
  ~Session() override { *alive_ = false; }

  bool start() { return conn_.start().ok(); }
  void close() { conn_.close(net::Connection::CloseMode::Abort); }

  void onData(net::Connection&, bool eof) override {
    base::Buffer& in = conn_.input();
    while (!busy_ && !closed_) {
      http1::Event ev = parser_.parse(in.view());
      switch (ev.type) {
        case http1::EventType::Body:
          if (request_.body.size() + ev.body.size() > kMaxBody) {
            in.consume(ev.consumed);
            reply(HttpResponse{413, "text/plain", "body too large\n", {}}, true);
            return;
          }
          request_.body.append(ev.body);
          in.consume(ev.consumed);
          break;
        case http1::EventType::MessageComplete: {
          in.consume(ev.consumed);
          busy_ = true;
          keep_alive_ = parser_.framing().keep_alive;
          head_request_ = parser_.head().method() == http::Method::Head;
          request_.head = &parser_.head();
          request_.peer = conn_.peer().toString();
          std::weak_ptr<bool> alive = alive_;
          server_.handler_(request_, [this, alive](HttpResponse r) {
            if (alive.expired() || !*alive.lock()) return;
            reply(std::move(r), !keep_alive_);
          });
          break;
        }
        case http1::EventType::Error: {
          in.consume(ev.consumed);
          const http1::ParseError& e = parser_.error();
          reply(HttpResponse{e.status, "text/plain", std::string(e.message) + "\n", {}}, true);
          return;
        }
        case http1::EventType::NeedMoreData:
          in.consume(ev.consumed);
          if (eof && !busy_) conn_.close(net::Connection::CloseMode::FlushWrite);
          return;
        default:
          in.consume(ev.consumed);
          if (ev.type == http1::EventType::Paused || ev.type == http1::EventType::Closed) return;
      }
    }
  }

  void onClose(net::Connection&, net::CloseReason, int) override {
    closed_ = true;
    *alive_ = false;
    auto& s = server_.sessions_;
    s.erase(std::remove(s.begin(), s.end(), this), s.end());
    server_.loop_.deferDelete(std::unique_ptr<event::DeferredDeletable>(this));
  }

 private:
  void reply(HttpResponse r, bool close) {
    if (closed_) return;
    http::ResponseHead head;
    head.setStatus(r.status);
    auto& h = head.headers();
    h.add("content-type", r.content_type);
    for (auto& [k, v] : r.headers)
      h.add(k, v);
    h.add("content-length", std::to_string(r.body.size()));
    if (close) h.add("connection", "close");
    std::string out;
    http1::appendResponseHead(head, out);
    if (!head_request_) out += r.body;
    conn_.write(out);
    if (close) {
      conn_.close(net::Connection::CloseMode::FlushWrite);
      return;
    }
    busy_ = false;
    request_ = HttpRequest{};
    parser_.resume();
    server_.loop_.defer([this, alive = std::weak_ptr<bool>(alive_)] {
      if (!alive.expired() && *alive.lock() && !conn_.input().empty()) onData(conn_, false);
    });
  }

  HttpServer& server_;
  net::Connection conn_;
  http1::RequestParser parser_;
  HttpRequest request_;
  std::shared_ptr<bool> alive_;
  bool busy_ = false;
  bool closed_ = false;
  bool keep_alive_ = true;
  bool head_request_ = false;
};

HttpServer::HttpServer(event::EventLoop& loop, std::string name, Handler handler)
    : loop_(loop), name_(std::move(name)), handler_(std::move(handler)) {}

HttpServer::~HttpServer() {
  close();
}

base::Status HttpServer::listen(const net::Address& address) {
  net::ListenOptions opts;
  opts.reuse_port = false;
  opts.backlog = 512;
  auto fd = net::listenTcp(address, opts);
  if (!fd.ok()) return std::move(fd).error();
  bound_ = net::localAddress(*fd);
  listener_ = std::make_unique<net::Listener>(loop_, *fd, [this](int cfd) {
    auto* s = new Session(*this, cfd);
    sessions_.push_back(s);
    if (!s->start()) s->close();
  });
  return listener_->start();
}

void HttpServer::close() {
  if (listener_) listener_->close();
  std::vector<Session*> sessions = sessions_;
  for (Session* s : sessions)
    s->close();
}

}  // namespace meshgate::admin
