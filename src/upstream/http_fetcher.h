// SPDX-License-Identifier: Apache-2.0
// HttpFetcher: one non-blocking HTTP/1.1 GET on an event loop, over TCP or TLS (OpenSSL,
// certificates checked against the system CA store and the URL's host), with a deadline and a
// body limit. Used for jwksUri (jwt_authn) and active health checks. Host names are resolved off
// the loop, on a short-lived thread; an IP-literal URL connects directly. Depends on base, event,
// net, http1 and OpenSSL (the header does not include OpenSSL).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"
#include "event/event_loop.h"

namespace meshgate::upstream {

/// An http:// or https:// URL, split for a client.
struct HttpUrl {
  bool https = false;
  /// Lower-case host name, or an IP literal without brackets.
  std::string host;
  bool host_is_ip = false;
  uint16_t port = 0;
  /// Path and query, at least "/" (a fragment is dropped).
  std::string path;
  /// The Host header value: host, bracketed when IPv6, with the port when not the default.
  std::string authority;
};

/// Parses an absolute http(s) URL. Userinfo ("user@host"), an empty host, a bad port and
/// characters outside RFC 3986 are errors.
base::Result<HttpUrl> parseHttpUrl(std::string_view url);

struct FetchOptions {
  /// From the start of the fetch (resolution included) to the end of the body.
  base::Duration timeout = std::chrono::seconds(5);
  size_t max_body_bytes = 1024 * 1024;
  /// A PEM file of CA certificates to trust instead of the system store. The system store is
  /// OpenSSL's default paths, which honour the SSL_CERT_FILE and SSL_CERT_DIR variables.
  std::string ca_file;
  std::string user_agent = "meshgate";
  /// The Accept header; empty sends none.
  std::string accept;
  /// false: body bytes are read and dropped (only the status matters), and max_body_bytes
  /// still bounds them.
  bool keep_body = true;
};

struct FetchResponse {
  int status = 0;
  std::string body;  // empty unless FetchOptions::keep_body
};

/// Runs one GET at a time. Loop thread only. The callback runs exactly once per fetch() on the
/// loop thread, never from inside fetch() itself, unless the fetch is cancelled (by cancel(),
/// a new fetch() or destruction) first. A response is delivered whatever its status; errors
/// are transport failures (resolution, connect, TLS, timeout, malformed or oversized
/// response). The fetcher must be destroyed before its loop.
class HttpFetcher {
 public:
  using Callback = std::function<void(base::Result<FetchResponse>)>;

  explicit HttpFetcher(event::EventLoop& loop);
  ~HttpFetcher();
  HttpFetcher(const HttpFetcher&) = delete;
  HttpFetcher& operator=(const HttpFetcher&) = delete;

  void fetch(const HttpUrl& url, const FetchOptions& options, Callback done);
  void cancel();
  bool active() const { return exchange_ != nullptr; }

  class Exchange;

 private:
  friend class Exchange;
  event::EventLoop& loop_;
  Exchange* exchange_ = nullptr;
};

}  // namespace meshgate::upstream
