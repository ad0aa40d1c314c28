// SPDX-License-Identifier: Apache-2.0
#include "upstream/http_fetcher.h"

#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include "base/strings.h"
#include "http/http1/parser.h"
#include "net/address.h"
#include "net/socket.h"

namespace meshgate::upstream {

namespace {

bool isUnreserved(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// pchar plus '/' and '?' (RFC 3986 §3.3, §3.4), and '%' for escapes.
bool isPathChar(char c) {
  return isUnreserved(c) || std::string_view("!$&'()*+,;=:@/?%").find(c) != std::string_view::npos;
}

std::string openSslErrors() {
  std::string out;
  unsigned long e;
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown error" : out;
}

// One client context per CA source for the life of the process: contexts are immutable once
// built and SSL_new() on a shared context is thread-safe.
base::Result<SSL_CTX*> clientContext(const std::string& ca_file) {
  static std::mutex mu;
  static std::map<std::string, SSL_CTX*>* contexts = new std::map<std::string, SSL_CTX*>();
  std::lock_guard<std::mutex> lock(mu);
  auto it = contexts->find(ca_file);
  if (it != contexts->end()) return it->second;
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) return base::Error{"TLS: SSL_CTX_new: " + openSslErrors()};
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  // A peer that closes without close_notify ends a close-delimited body; truncation is caught
  // by the JSON parser of what we fetch.
  SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
  const int loaded = ca_file.empty() ? SSL_CTX_set_default_verify_paths(ctx)
                                     : SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr);
  if (loaded != 1) {
    std::string err = openSslErrors();
    SSL_CTX_free(ctx);
    return base::Error{"TLS: cannot load CA certificates" +
                       (ca_file.empty() ? std::string() : " from " + ca_file) + ": " + err};
  }
  (*contexts)[ca_file] = ctx;
  return ctx;
}

// Shared between an exchange (loop thread) and its resolver thread.
struct ResolveJob {
  std::mutex mu;
  event::EventLoop* loop = nullptr;           // guarded by mu; null once nobody waits
  HttpFetcher::Exchange* exchange = nullptr;  // loop thread only
};

}  // namespace

base::Result<HttpUrl> parseHttpUrl(std::string_view url) {
  HttpUrl out;
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return base::Error{"not an absolute URL"};
  const std::string scheme = base::toLower(url.substr(0, scheme_end));
  if (scheme == "https") {
    out.https = true;
  } else if (scheme != "http") {
    return base::Error{"scheme must be http or https"};
  }
  std::string_view rest = url.substr(scheme_end + 3);
  const size_t auth_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, auth_end);
  std::string_view path = auth_end == std::string_view::npos ? "" : rest.substr(auth_end);
  if (authority.find('@') != std::string_view::npos) return base::Error{"userinfo is not allowed"};
  if (authority.empty()) return base::Error{"empty host"};
  std::string_view host;
  std::string_view port_text;
  if (authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return base::Error{"unterminated IPv6 literal"};
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return base::Error{"unexpected characters after IPv6 literal"};
      port_text = after.substr(1);
      if (port_text.empty()) return base::Error{"empty port"};
    }
    if (!net::Address::fromIp(host, 1).ok()) return base::Error{"invalid IPv6 literal"};
    out.host_is_ip = true;
  } else {
    const size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return base::Error{"empty port"};
    }
    for (char c : host) {
      if (!isUnreserved(c)) return base::Error{"invalid character in host"};
    }
    out.host_is_ip = net::Address::fromIp(host, 1).ok();
  }
  if (host.empty()) return base::Error{"empty host"};
  out.port = out.https ? 443 : 80;
  if (!port_text.empty()) {
    auto p = base::parseUint64(port_text);
    if (!p || *p == 0 || *p > 65535) return base::Error{"invalid port"};
    out.port = static_cast<uint16_t>(*p);
  }
  out.host = base::toLower(host);
  if (const size_t hash = path.find('#'); hash != std::string_view::npos)
    path = path.substr(0, hash);
  for (char c : path) {
    if (!isPathChar(c)) return base::Error{"invalid character in path"};
  }
  out.path = path.empty() || path.front() == '?' ? "/" + std::string(path) : std::string(path);
  const bool v6 = out.host.find(':') != std::string::npos;
  out.authority = v6 ? "[" + out.host + "]" : out.host;
  if (out.port != (out.https ? 443 : 80)) out.authority += ":" + std::to_string(out.port);
  return out;
}

// ------------------------------------------------------------------------- Exchange

/// One request/response. Registered with the loop as an fd handler, so it is destroyed
/// through deferDelete: events of the current batch may still name it after it finished.
class HttpFetcher::Exchange final : public event::FdHandler, public event::DeferredDeletable {
 public:
  Exchange(HttpFetcher& owner, const HttpUrl& url, const FetchOptions& options, Callback done)
      : owner_(&owner),
        loop_(owner.loop_),
        url_(url),
        options_(options),
        done_(std::move(done)),
        deadline_(loop_,
                  [this] { fail("timed out after " + base::formatDuration(options_.timeout)); }) {
    http1::ParserOptions po;
    po.max_body_bytes = options_.max_body_bytes;
    parser_ = std::make_unique<http1::ResponseParser>(po);
    parser_->expectResponse(http::Method::Get);
    request_ = "GET " + url_.path + " HTTP/1.1\r\nHost: " + url_.authority +
               "\r\nUser-Agent: " + options_.user_agent;
    if (!options_.accept.empty()) request_ += "\r\nAccept: " + options_.accept;
    request_ += "\r\nConnection: close\r\n\r\n";
  }

  ~Exchange() override { release(); }

  void start() {
    deadline_.arm(options_.timeout);
    if (url_.host_is_ip) {
      auto a = net::Address::fromIp(url_.host, url_.port);
      if (!a.ok()) {
        failSoon(a.error().message);
        return;
      }
      addresses_.push_back(*a);
      connectNext();
      return;
    }
    resolve();
  }

  /// The owner no longer wants the result.
  void abandon() {
    owner_ = nullptr;
    finished_ = true;
    release();
    loop_.deferDelete(std::unique_ptr<event::DeferredDeletable>(this));
  }

  void onResolved(base::Result<std::vector<net::Address>> addresses) {
    if (finished_) return;
    job_.reset();
    if (!addresses.ok()) {
      fail(addresses.error().message);
      return;
    }
    addresses_ = std::move(*addresses);
    connectNext();
  }

  void onFdEvent(uint32_t events) override {
    if (finished_) return;
    switch (state_) {
      case State::Connecting: {
        const int err = net::connectError(fd_);
        if (err != 0 || (events & (EPOLLERR | EPOLLHUP)) != 0) {
          last_error_ = "connect " + addresses_[next_address_ - 1].toString() + ": " +
                        std::strerror(err != 0 ? err : ECONNREFUSED);
          closeSocket();
          connectNext();
          return;
        }
        onConnected();
        return;
      }
      case State::Handshaking:
        handshake();
        return;
      case State::Writing:
        write();
        return;
      case State::Reading:
        read();
        return;
      case State::Resolving:
        return;
    }
  }

 private:
  enum class State { Resolving, Connecting, Handshaking, Writing, Reading };

  void resolve() {
    auto job = std::make_shared<ResolveJob>();
    job->loop = &loop_;
    job->exchange = this;
    job_ = job;
    const std::string host = url_.host;
    const uint16_t port = url_.port;
    try {
      std::thread([job, host, port] {
        addrinfo hints{};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        addrinfo* res = nullptr;
        const int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &res);
        base::Result<std::vector<net::Address>> result =
            base::Error{"resolve " + host + ": " + ::gai_strerror(rc)};
        if (rc == 0) {
          std::vector<net::Address> list;
          for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
            net::Address a = net::Address::fromSockaddr(ai->ai_addr, ai->ai_addrlen);
            a.setPort(port);
            list.push_back(a);
          }
          ::freeaddrinfo(res);
          if (list.empty()) {
            result = base::Error{"resolve " + host + ": no addresses"};
          } else {
            result = std::move(list);
          }
        }
        std::lock_guard<std::mutex> lock(job->mu);
        if (job->loop == nullptr) return;
        job->loop->post([job, r = std::move(result)]() mutable {
          if (job->exchange != nullptr) job->exchange->onResolved(std::move(r));
        });
      }).detach();
    } catch (const std::system_error& e) {
      job_.reset();
      failSoon(std::string("resolve ") + host + ": cannot start a resolver thread: " + e.what());
    }
  }

  void connectNext() {
    while (next_address_ < addresses_.size()) {
      const net::Address& a = addresses_[next_address_++];
      auto fd = net::connectTcp(a);
      if (!fd.ok()) {
        last_error_ = fd.error().describe();
        continue;
      }
      fd_ = *fd;
      if (auto st = loop_.addFd(fd_, EPOLLOUT, this); !st.ok()) {
        last_error_ = st.error().describe();
        closeSocket();
        continue;
      }
      events_ = EPOLLOUT;
      state_ = State::Connecting;
      return;
    }
    failSoon(last_error_.empty() ? "no address to connect to" : last_error_);
  }

  void onConnected() {
    if (!url_.https) {
      state_ = State::Writing;
      write();
      return;
    }
    auto ctx = clientContext(options_.ca_file);
    if (!ctx.ok()) {
      fail(ctx.error().message);
      return;
    }
    ssl_ = SSL_new(*ctx);
    if (ssl_ == nullptr || SSL_set_fd(ssl_, fd_) != 1) {
      fail("TLS: " + openSslErrors());
      return;
    }
    if (url_.host_is_ip) {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), url_.host.c_str());
    } else {
      SSL_set_tlsext_host_name(ssl_, url_.host.c_str());
      SSL_set1_host(ssl_, url_.host.c_str());
    }
    state_ = State::Handshaking;
    handshake();
  }

  void handshake() {
    ERR_clear_error();
    const int r = SSL_connect(ssl_);
    if (r == 1) {
      state_ = State::Writing;
      write();
      return;
    }
    const int e = SSL_get_error(ssl_, r);
    if (e == SSL_ERROR_WANT_READ) {
      want(EPOLLIN);
    } else if (e == SSL_ERROR_WANT_WRITE) {
      want(EPOLLOUT);
    } else {
      const long verify = SSL_get_verify_result(ssl_);
      if (verify != X509_V_OK) {
        fail(std::string("TLS: certificate verification failed: ") +
             X509_verify_cert_error_string(verify));
      } else {
        fail("TLS handshake failed: " + openSslErrors());
      }
    }
  }

  void write() {
    while (written_ < request_.size()) {
      const char* p = request_.data() + written_;
      const size_t n = request_.size() - written_;
      if (ssl_ != nullptr) {
        ERR_clear_error();
        const int r = SSL_write(ssl_, p, static_cast<int>(n));
        if (r > 0) {
          written_ += static_cast<size_t>(r);
          continue;
        }
        const int e = SSL_get_error(ssl_, r);
        if (e == SSL_ERROR_WANT_WRITE) return want(EPOLLOUT);
        if (e == SSL_ERROR_WANT_READ) return want(EPOLLIN);
        return fail("TLS write: " + openSslErrors());
      }
      const ssize_t r = ::send(fd_, p, n, MSG_NOSIGNAL);
      if (r > 0) {
        written_ += static_cast<size_t>(r);
        continue;
      }
      if (r < 0 && (errno == EAGAIN || errno == EINTR)) return want(EPOLLOUT);
      return fail(std::string("send: ") + std::strerror(errno));
    }
    state_ = State::Reading;
    want(EPOLLIN);
    read();
  }

  void read() {
    char buf[16 * 1024];
    // Bounded: each pass either consumes bytes (the body limit ends it) or returns.
    for (;;) {
      size_t got = 0;
      bool eof = false;
      if (ssl_ != nullptr) {
        ERR_clear_error();
        const int r = SSL_read(ssl_, buf, sizeof buf);
        if (r > 0) {
          got = static_cast<size_t>(r);
        } else {
          const int e = SSL_get_error(ssl_, r);
          if (e == SSL_ERROR_WANT_READ) return want(EPOLLIN);
          if (e == SSL_ERROR_WANT_WRITE) return want(EPOLLOUT);
          if (e == SSL_ERROR_ZERO_RETURN) {
            eof = true;
          } else {
            return fail("TLS read: " + openSslErrors());
          }
        }
      } else {
        const ssize_t r = ::recv(fd_, buf, sizeof buf, 0);
        if (r > 0) {
          got = static_cast<size_t>(r);
        } else if (r == 0) {
          eof = true;
        } else if (errno == EAGAIN || errno == EINTR) {
          return want(EPOLLIN);
        } else {
          return fail(std::string("recv: ") + std::strerror(errno));
        }
      }
      if (eof) return onEof();
      if (!feed(std::string_view(buf, got))) return;
    }
  }

  // Returns false once the exchange is over.
  bool feed(std::string_view data) {
    for (;;) {
      http1::Event ev = parser_->parse(data);
      data.remove_prefix(ev.consumed);
      switch (ev.type) {
        case http1::EventType::NeedMoreData:
          return true;
        case http1::EventType::Headers:
          status_ = parser_->head().status();
          break;
        case http1::EventType::Body:
          if (options_.keep_body) body_.append(ev.body);
          break;
        case http1::EventType::MessageComplete:
          succeed();
          return false;
        case http1::EventType::Error:
          fail("invalid response: " + std::string(parser_->error().message));
          return false;
        case http1::EventType::Paused:
        case http1::EventType::Closed:
          fail("unexpected response framing");
          return false;
        case http1::EventType::InterimHeaders:
        case http1::EventType::Trailers:
          break;
      }
    }
  }

  void onEof() {
    http1::Event ev = parser_->finish();
    if (ev.type == http1::EventType::Body) {
      if (options_.keep_body) body_.append(ev.body);
      ev = parser_->finish();
    }
    if (ev.type == http1::EventType::MessageComplete) {
      succeed();
    } else {
      fail("connection closed before the response was complete");
    }
  }

  void want(uint32_t events) {
    if (events == events_ || fd_ < 0) return;
    if (loop_.modifyFd(fd_, events, this).ok()) events_ = events;
  }

  void succeed() {
    FetchResponse r;
    r.status = status_;
    r.body = std::move(body_);
    finish(std::move(r));
  }

  void fail(std::string message) {
    finish(base::Error{std::move(message), 0, base::ErrorSource::Upstream});
  }

  // Failures found while starting are reported from the loop, never from inside fetch().
  void failSoon(std::string message) {
    loop_.defer([this, m = std::move(message)]() mutable { fail(std::move(m)); });
  }

  void finish(base::Result<FetchResponse> result) {
    if (finished_) return;
    finished_ = true;
    release();
    Callback done = std::move(done_);
    if (owner_ != nullptr) owner_->exchange_ = nullptr;
    owner_ = nullptr;
    loop_.deferDelete(std::unique_ptr<event::DeferredDeletable>(this));
    // `this` stays alive until the end of the batch, but is no longer touched.
    if (done) done(std::move(result));
  }

  void closeSocket() {
    if (ssl_ != nullptr) {
      SSL_free(ssl_);
      ssl_ = nullptr;
    }
    if (fd_ >= 0) {
      loop_.removeFd(fd_);
      ::close(fd_);
      fd_ = -1;
    }
    events_ = 0;
  }

  void release() {
    deadline_.cancel();
    closeSocket();
    if (job_) {
      std::lock_guard<std::mutex> lock(job_->mu);
      job_->loop = nullptr;
      job_->exchange = nullptr;
    }
    job_.reset();
  }

  HttpFetcher* owner_;
  event::EventLoop& loop_;
  HttpUrl url_;
  FetchOptions options_;
  Callback done_;
  event::Timer deadline_;
  std::unique_ptr<http1::ResponseParser> parser_;
  std::string request_;
  size_t written_ = 0;
  std::vector<net::Address> addresses_;
  size_t next_address_ = 0;
  std::string last_error_;
  std::shared_ptr<ResolveJob> job_;
  State state_ = State::Resolving;
  int fd_ = -1;
  uint32_t events_ = 0;
  SSL* ssl_ = nullptr;
  int status_ = 0;
  std::string body_;
  bool finished_ = false;
};

// ------------------------------------------------------------------------- HttpFetcher

HttpFetcher::HttpFetcher(event::EventLoop& loop) : loop_(loop) {}

HttpFetcher::~HttpFetcher() {
  cancel();
}

void HttpFetcher::fetch(const HttpUrl& url, const FetchOptions& options, Callback done) {
  cancel();
  auto* ex = new Exchange(*this, url, options, std::move(done));
  exchange_ = ex;
  ex->start();
}

void HttpFetcher::cancel() {
  if (exchange_ == nullptr) return;
  Exchange* ex = exchange_;
  exchange_ = nullptr;
  ex->abandon();
}

}  // namespace meshgate::upstream
