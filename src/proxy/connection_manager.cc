// SPDX-License-Identifier: Apache-2.0
#include "proxy/connection_manager.h"

#include <linux/netfilter_ipv4.h>
#include <sys/socket.h>

#include <cstring>

#include "base/hash.h"
#include "base/json_writer.h"
#include "base/log.h"
#include "base/strings.h"
#include "http/forwarded_for.h"
#include "http/http1/buffer_serializer.h"
#include "http/http1/hop_by_hop.h"
#include "proxy/shadow_request.h"
#include "proxy/worker_context.h"

namespace meshgate::proxy {

namespace {

int statusClass(uint16_t status) {
  int c = status / 100 - 1;
  return c < 0 ? 0 : (c > 4 ? 4 : c);
}

bool bodylessStatus(uint16_t status) {
  return (status >= 100 && status < 200) || status == 204 || status == 304;
}

void applyHeaderOps(const config::HeaderOperations& ops, http::HeaderMap& headers) {
  for (const std::string& name : ops.remove)
    headers.remove(name);
  for (const auto& [name, value] : ops.set)
    headers.set(name, value);
  for (const auto& [name, value] : ops.add)
    headers.add(name, value);
}

// The value of cookie `name` in the request's Cookie fields.
std::optional<std::string_view> cookieValue(const http::HeaderMap& headers, std::string_view name) {
  std::optional<std::string_view> found;
  headers.forEachValue(http::HeaderId::Cookie, [&](std::string_view v) {
    if (found) return;
    for (std::string_view part : base::split(v, ';')) {
      part = base::trim(part);
      size_t eq = part.find('=');
      if (eq != std::string_view::npos && part.substr(0, eq) == name) {
        found = part.substr(eq + 1);
        return;
      }
    }
  });
  return found;
}

std::optional<std::string_view> queryParam(std::string_view query, std::string_view key) {
  for (std::string_view pair : base::split(query, '&')) {
    size_t eq = pair.find('=');
    if (pair.substr(0, eq) == key)
      return eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
  }
  return std::nullopt;
}

// SO_ORIGINAL_DST: where an iptables-redirected connection was going.
std::optional<net::Address> originalDestination(int fd, const net::Address& local) {
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  if (::getsockopt(fd, SOL_IP, SO_ORIGINAL_DST, &addr, &len) == 0) {
    net::Address a = net::Address::fromSockaddr(reinterpret_cast<sockaddr*>(&addr), len);
    if (!(a == local)) return a;
  }
  return std::nullopt;
}

}  // namespace

http1::ParserOptions ConnectionManager::parserOptions(const ListenerSpec& listener) {
  const config::ListenerLimits& l = listener.settings.limits;
  http1::ParserOptions opts;
  opts.max_header_bytes = l.max_request_headers_bytes;
  opts.max_headers = l.max_request_headers_count;
  // The URI limit is on the target; the request line adds the method and version.
  opts.max_start_line_bytes = l.max_uri_length + 32;
  if (l.max_request_body_bytes) opts.max_body_bytes = l.max_request_body_bytes;
  return opts;
}

ConnectionManager::ConnectionManager(WorkerContext& worker, int fd, const ListenerSpec& listener)
    : worker_(worker),
      conn_(worker.loop(), fd, /*connecting=*/false),
      listener_name_(listener.name),
      parser_(parserOptions(listener)),
      router_(worker, *this),
      idle_timer_(worker.loop(), [this] { onIdleTimer(); }),
      headers_timer_(worker.loop(), [this] { onHeadersTimer(); }),
      stream_idle_timer_(worker.loop(), [this] { onStreamIdleTimer(); }) {
  conn_.setCallbacks(this);
}

ConnectionManager::~ConnectionManager() {
  if (listener_generation_) worker_.release(listener_generation_);
}

void ConnectionManager::start() {
  worker_.addConnection(this);
  if (!refreshListener()) {
    closed_ = true;
    conn_.close(net::Connection::CloseMode::Abort);
    return;
  }
  peer_text_ = conn_.peer().toString();
  local_text_ = conn_.local().toString();
  worker_.metrics().inc(listener_->downstream_connections_total);
  worker_.metrics().add(listener_->downstream_connections_active, 1);
  if (!conn_.start().ok()) {
    conn_.close(net::Connection::CloseMode::Abort);
    return;
  }
  armIdleTimer();
}

bool ConnectionManager::refreshListener() {
  Generation* g = worker_.current();
  if (g == listener_generation_) return listener_ != nullptr;
  const ListenerSpec* spec = nullptr;
  for (const auto& l : g->snapshot->listeners) {
    if (l->name == listener_name_) spec = l.get();
  }
  if (!spec) return false;  // the listener was removed by a reload
  worker_.acquire(g);
  if (listener_generation_) worker_.release(listener_generation_);
  listener_generation_ = g;
  listener_ = spec;
  return true;
}

// ---------------------------------------------------------------- input

void ConnectionManager::onData(net::Connection&, bool eof) {
  if (eof) peer_eof_ = true;
  processInput();
}

void ConnectionManager::processInput() {
  if (in_process_input_ || closed_) return;
  in_process_input_ = true;
  base::Buffer& in = conn_.input();
  while (!closed_ && !body_paused_ && !filter_paused_reading_) {
    if (stage_ == Stage::Idle) {
      if (in.empty() || closing_) break;
      if (!refreshListener()) {
        // Our listener is gone: finish politely, do not start a new request.
        conn_.close(net::Connection::CloseMode::FlushWrite);
        break;
      }
      stage_ = Stage::ReceivingHead;
      idle_timer_.cancel();
      start_mono_ = worker_.loop().now();
      start_system_ = worker_.loop().clock().systemNow();
      const auto& t = listener_->settings.timeouts;
      if (t.request_headers.count() > 0) headers_timer_.arm(t.request_headers);
    }
    http1::Event ev = parser_.parse(in.view());
    bytes_received_ += ev.consumed;
    switch (ev.type) {
      case http1::EventType::NeedMoreData:
        in.consume(ev.consumed);
        goto done;
      case http1::EventType::Headers:
        in.consume(ev.consumed);
        onRequestHeaders();
        break;
      case http1::EventType::Body:
        onRequestBody(ev.body);
        in.consume(ev.consumed);
        break;
      case http1::EventType::Trailers:
      case http1::EventType::InterimHeaders:
        in.consume(ev.consumed);
        break;
      case http1::EventType::MessageComplete:
        in.consume(ev.consumed);
        onRequestComplete();
        break;
      case http1::EventType::Paused:
      case http1::EventType::Closed:
        goto done;
      case http1::EventType::Error:
        in.consume(ev.consumed);
        handleParseError();
        goto done;
    }
  }
done:
  if (peer_eof_ && !closed_) {
    if (stage_ == Stage::Idle) {
      conn_.close(net::Connection::CloseMode::FlushWrite);
    } else if (stage_ == Stage::ReceivingHead) {
      // The client went away in the middle of a head: nobody to answer.
      flags_ |= static_cast<uint32_t>(ResponseFlag::DownstreamConnectionTermination);
      conn_.close(net::Connection::CloseMode::Abort);
    } else if (!request_complete_ && !body_paused_) {
      http1::Event ev = parser_.finish();
      if (ev.type == http1::EventType::MessageComplete) {
        onRequestComplete();
      } else {
        // Closed mid-body: the request can never complete.
        flags_ |= static_cast<uint32_t>(ResponseFlag::DownstreamConnectionTermination);
        router_.cancel();
        conn_.close(net::Connection::CloseMode::Abort);
      }
    } else {
      // Half-closed after a complete request: answer, then close.
      closing_ = true;
    }
  }
  in_process_input_ = false;
}

bool ConnectionManager::handleParseError() {
  const http1::ParseError& e = parser_.error();
  worker_.metrics().inc(listener_->downstream_requests_rejected);
  if (stage_ == Stage::Active && response_started_) {
    flags_ |= static_cast<uint32_t>(ResponseFlag::DownstreamProtocolError);
    details_ = e.reason;
    router_.cancel();
    logAndCount();
    conn_.close(net::Connection::CloseMode::Abort);
    return false;
  }
  stage_ = Stage::Active;
  headers_timer_.cancel();
  router_.cancel();
  sendLocalReply(e.status, e.message, static_cast<uint32_t>(ResponseFlag::DownstreamProtocolError),
                 e.reason,
                 /*close_connection=*/true);
  return false;
}

void ConnectionManager::onRequestHeaders() {
  headers_timer_.cancel();
  stage_ = Stage::Active;
  touchStream();
  http::RequestHead& head = parser_.head();
  request_version_ = head.version();
  head_request_ = head.method() == http::Method::Head;
  client_keep_alive_ = parser_.framing().keep_alive;
  expect_continue_ =
      parser_.framing().expect_continue && parser_.framing().body != http1::BodyFraming::None;
  original_path_.assign(head.target());
  authority_.assign(head.authority());
  if (auto ua = head.headers().get(http::HeaderId::UserAgent)) user_agent_.assign(*ua);

  if (head.method() == http::Method::Connect) {
    sendLocalReply(501, "CONNECT is not supported", 0, "connect_not_supported", true);
    return;
  }
  if (parser_.framing().upgrade) {
    // Protocol upgrades (WebSocket) are not proxied yet: the request is served as
    // plain HTTP/1.1, without the Upgrade (RFC 9110 §7.8 lets a server ignore it).
  }
  // Normalize the path before routing (and authorization), and forward the
  // normalized form, as Envoy's normalize_path does.
  std::string_view path = head.path();
  if (head.targetForm() == http::TargetForm::Origin ||
      head.targetForm() == http::TargetForm::Absolute) {
    http::PathNormalizeResult r =
        http::normalizePath(path, listener_->path_options, normalized_path_);
    if (!r.ok()) {
      sendLocalReply(400, http::pathErrorMessage(r.error),
                     static_cast<uint32_t>(ResponseFlag::DownstreamProtocolError),
                     http::pathErrorReason(r.error), true);
      return;
    }
    if (r.redirect) {
      std::string location = normalized_path_;
      if (head.hasQuery()) location += "?" + std::string(head.query());
      local_head_.clear();
      local_head_.headers().add("location", location);
      sendLocalReply(307, "", 0, "path_normalization_redirect");
      return;
    }
    if (normalized_path_ != path || head.targetForm() == http::TargetForm::Absolute) {
      head.setPathAndQuery(normalized_path_, head.query(), head.hasQuery());
    }
  } else {
    normalized_path_.assign(path);
  }
  prepareRequest();
  routeRequest();
}

void ConnectionManager::prepareRequest() {
  http::RequestHead& head = parser_.head();
  http::HeaderMap& h = head.headers();
  http1::removeHopByHopHeaders(h);
  h.remove(http::HeaderId::Expect);  // meshgate answers 100-continue itself
  // X-Forwarded-For / -Proto and the request id (Envoy's use_remote_address).
  const config::XffSettings& xff = listener_->settings.xff;
  // The trusted client address (Istio's remote.ip), from X-Forwarded-For as
  // received, before this hop appends to it.
  client_ = conn_.peer();
  if ((xff.trusted_hops > 0 || !xff.use_remote_address) && h.getJoined("x-forwarded-for", xff_)) {
    if (auto ip =
            http::trustedClientFromForwardedFor(xff_, xff.use_remote_address, xff.trusted_hops)) {
      if (auto a = net::Address::fromIp(*ip, 0); a.ok()) client_ = *a;
    }
  }
  if (xff.use_remote_address && !xff.skip_append)
    h.append("x-forwarded-for", conn_.peer().ip(), ",");
  if (auto v = h.get(http::HeaderId::XForwardedFor)) xff_.assign(*v);
  if (xff.use_remote_address) h.set(http::HeaderId::XForwardedProto, "http");
  if (auto id = h.get(http::HeaderId::XRequestId); id && !id->empty()) {
    request_id_.assign(*id);
  } else {
    char buf[36];
    worker_.newRequestId(buf);
    request_id_.assign(buf, sizeof buf);
    h.set(http::HeaderId::XRequestId, request_id_);
  }
  stream_info_ = filter_api::StreamInfo{};
  stream_info_.downstream_remote = &conn_.peer();
  stream_info_.downstream_local = &conn_.local();
  stream_info_.client = &client_;
  stream_info_.listener = listener_->name;
  stream_info_.request_id = request_id_;
  stream_info_.workload_namespace = listener_->settings.effectiveWorkloadNamespace();
  stream_info_.normalized_path = normalized_path_;
}

void ConnectionManager::routeRequest() {
  http::RequestHead& head = parser_.head();
  RouteRequest rr;
  rr.method = head.methodText();
  rr.path = normalized_path_;
  rr.query = head.query();
  rr.authority = authority_;
  rr.port = listener_->address.port();
  rr.headers = &head.headers();
  rr.gateway = listener_->gateway;
  route_ = listener_->routes->match(rr);
  if (!route_) {
    sendLocalReply(404, "", static_cast<uint32_t>(ResponseFlag::NoRoute), "route_not_found");
    return;
  }
  stream_info_.route = route_->name;
  filters_.clear();
  for (const auto& factory : route_->filters)
    filters_.push_back(factory->create());
  decodeHeadersFrom(0);
}

void ConnectionManager::decodeHeadersFrom(size_t index) {
  const bool end_stream = parser_.framing().body == http1::BodyFraming::None;
  for (size_t i = index; i < filters_.size(); ++i) {
    in_filter_call_ = true;
    filter_api::FilterStatus st = filters_[i]->onRequestHeaders(*this, end_stream);
    in_filter_call_ = false;
    if (closed_ || response_started_) return;
    if (st == filter_api::FilterStatus::Respond) {
      replyFromFilter(i);
      return;
    }
    if (st == filter_api::FilterStatus::Wait && !resume_requested_) {
      filter_waiting_ = true;
      decode_index_ = i;
      if (!buffer_body_requested_) {
        filter_paused_reading_ = true;
        conn_.readDisable(true);
      }
      return;
    }
    resume_requested_ = false;
    if (pending_reply_) {
      replyFromFilter(i);
      return;
    }
  }
  decode_index_ = filters_.size();
  chain_passed_ = true;
  routeAction();
}

void ConnectionManager::routeAction() {
  const config::HttpRoute& r = *route_->route;
  if (r.redirect) {
    sendRedirect(*route_);
    return;
  }
  if (r.direct_response) {
    local_head_.clear();
    sendLocalReply(
        static_cast<uint16_t>(r.direct_response->status),
        r.direct_response->body ? std::string_view(*r.direct_response->body) : std::string_view(),
        0, "direct_response");
    return;
  }
  forwardRequest(*route_);
}

void ConnectionManager::sendRedirect(const RouteEntry& route) {
  const config::HttpRedirect& rd = *route.route->redirect;
  const http::RequestHead& head = parser_.head();
  std::string scheme = rd.scheme.empty() ? "http" : rd.scheme;
  std::string host(rd.authority.empty() ? hostWithoutPort(authority_)
                                        : std::string_view(rd.authority));
  std::string port;
  if (rd.port) {
    port = ":" + std::to_string(rd.port);
  } else if (rd.derive_port == config::HttpRedirect::DerivePort::FromRequestPort) {
    port = ":" + std::to_string(listener_->address.port());
  } else if (rd.authority.empty() && rd.scheme.empty()) {
    std::string_view a = authority_;
    std::string_view h = hostWithoutPort(a);
    if (h.size() < a.size()) port = std::string(a.substr(h.size()));
  }
  std::string path = rd.uri.empty() ? std::string(head.path()) : rd.uri;
  std::string location = scheme + "://" + host + port + path;
  if (rd.uri.empty() && head.hasQuery()) location += "?" + std::string(head.query());
  local_head_.clear();
  local_head_.headers().add("location", location);
  sendLocalReply(static_cast<uint16_t>(rd.redirect_code), "", 0, "redirect");
}

void ConnectionManager::forwardRequest(const RouteEntry& route) {
  http::RequestHead& head = parser_.head();
  http::HeaderMap& h = head.headers();
  const config::HttpRoute& r = *route.route;
  destination_ = route.pickDestination(worker_.rng()());
  if (!destination_) {
    sendLocalReply(503, "no healthy upstream", static_cast<uint32_t>(ResponseFlag::NoClusterFound),
                   "no_cluster");
    return;
  }
  const http1::Framing& framing = parser_.framing();

  // Rewrites.
  if (r.rewrite) {
    if (r.rewrite->uri_regex_rewrite) {
      std::string rewritten = r.rewrite->uri_regex_rewrite->match.replaceAll(
          normalized_path_, r.rewrite->uri_regex_rewrite->rewrite);
      head.setPathAndQuery(rewritten, head.query(), head.hasQuery());
    } else if (!r.rewrite->uri.empty()) {
      // Istio: a prefix match has its matched prefix replaced; otherwise the whole path.
      std::string rewritten = r.rewrite->uri;
      for (const auto& m : r.match) {
        if (m.uri && m.uri->kind == config::StringMatch::Kind::Prefix &&
            m.uri->matches(normalized_path_, m.ignore_uri_case)) {
          rewritten += normalized_path_.substr(m.uri->value.size());
          break;
        }
      }
      head.setPathAndQuery(rewritten, head.query(), head.hasQuery());
    }
    if (!r.rewrite->authority.empty()) h.set(http::HeaderId::Host, r.rewrite->authority);
  }
  applyHeaderOps(r.headers.request, h);
  if (destination_->headers) applyHeaderOps(destination_->headers->request, h);

  Router::Request req;
  req.cluster = destination_->cluster;
  req.head = &head;
  req.retry = &route.retry;
  switch (framing.body) {
    case http1::BodyFraming::ContentLength:
      req.body_mode = upstream::UpstreamConnection::BodyMode::ContentLength;
      break;
    case http1::BodyFraming::Chunked:
      req.body_mode = upstream::UpstreamConnection::BodyMode::Chunked;
      h.set(http::HeaderId::TransferEncoding, "chunked");
      break;
    default:
      req.body_mode = upstream::UpstreamConnection::BodyMode::None;
  }
  // Upstream connections are persistent regardless of the client's choice.
  head.setVersion(http::Version::Http11);
  if (r.timeout) req.timeout = *r.timeout;
  if (const auto& hp = req.cluster->settings().hash) {
    switch (hp->kind) {
      case upstream::HashPolicy::Kind::Header:
        if (auto v = h.get(hp->name)) req.hash = base::xxHash64(*v);
        break;
      case upstream::HashPolicy::Kind::Cookie:
        if (auto v = cookieValue(h, hp->name)) req.hash = base::xxHash64(*v);
        break;
      case upstream::HashPolicy::Kind::SourceIp:
        req.hash = base::xxHash64(conn_.peer().ip());
        break;
      case upstream::HashPolicy::Kind::QueryParameter:
        if (auto v = queryParam(head.query(), hp->name)) req.hash = base::xxHash64(*v);
        break;
    }
  }
  if (req.cluster->settings().lb == upstream::LbPolicy::Passthrough) {
    req.original_destination = originalDestination(conn_.fd(), conn_.local());
    if (!req.original_destination) {
      if (auto hp = http::parseAuthority(authority_)) {
        std::string host(hp->host);
        if (!host.empty() && host.front() == '[') host = host.substr(1, host.size() - 2);
        auto a = net::Address::fromIp(host, hp->port.value_or(80));
        if (a.ok()) req.original_destination = *a;
      }
    }
  }
  if (expect_continue_ && !request_complete_ && buffered_body_.empty()) {
    conn_.write("HTTP/1.1 100 Continue\r\n\r\n");
  }
  startMirrors(route);
  router_started_ = true;
  router_.start(req);
  if (!router_.active()) return;
  // Body a filter held back while it decided (policy on the request body).
  if (!buffered_body_.empty()) {
    router_.sendBody(buffered_body_.view());
    buffered_body_.clear();
  }
  if (request_complete_) router_.endRequest();
}

void ConnectionManager::startMirrors(const RouteEntry& route) {
  const bool has_body = parser_.framing().body != http1::BodyFraming::None;
  for (size_t i = 0; i < route.mirrors.size(); ++i) {
    // percentage.value is 0..100 with up to 4 decimals (Istio's Percent).
    const double pct = route.mirrors[i]->percentage.value;
    if (pct < 100.0 && static_cast<double>(worker_.rng()() % 1000000) >= pct * 10000.0) continue;
    ShadowRequest* shadow = ShadowRequest::create(
        worker_, listener_generation_, *route.mirror_clusters[i], parser_.head(), has_body);
    worker_.metrics().inc(shadow ? route.metrics.mirrors_sent : route.metrics.mirrors_dropped);
    if (!shadow) continue;
    if (has_body && !request_complete_) {
      shadows_.push_back(shadow);
    } else {
      if (!buffered_body_.empty()) shadow->addBody(buffered_body_.view());
      shadow->send();
    }
  }
}

void ConnectionManager::finishMirrors(bool send) {
  for (ShadowRequest* s : shadows_) {
    if (send) {
      s->send();
    } else {
      s->abandon();
    }
  }
  shadows_.clear();
}

void ConnectionManager::onRequestBody(std::string_view data) {
  touchStream();
  if (local_reply_ || response_complete_) return;  // answered already: discard
  if (filter_waiting_) {
    // Only a filter that asked for the body gets here (reading pauses otherwise).
    const size_t room =
        buffer_body_limit_ > buffered_body_.size() ? buffer_body_limit_ - buffered_body_.size() : 0;
    buffered_body_.append(data.substr(0, room));
    if (data.size() > room) {
      // Over the limit: stop reading; the filter decides with what it has.
      filter_paused_reading_ = true;
      conn_.readDisable(true);
      overflow_body_.append(data.substr(room));
    }
    runBodyFilter(data.substr(0, room), false);
    return;
  }
  if (!chain_passed_) return;
  for (auto& f : filters_) {
    if (f->onRequestBody(*this, data, false) == filter_api::FilterStatus::Respond) {
      replyFromFilter(filters_.size());
      return;
    }
  }
  for (ShadowRequest* shadow : shadows_)
    shadow->addBody(data);
  if (!router_.active()) return;
  if (!router_.sendBody(data)) {
    body_paused_ = true;
    conn_.readDisable(true);
  }
}

void ConnectionManager::runBodyFilter(std::string_view data, bool end_stream) {
  in_filter_call_ = true;
  filter_api::FilterStatus st = filters_[decode_index_]->onRequestBody(*this, data, end_stream);
  in_filter_call_ = false;
  if (closed_ || !filter_waiting_) return;
  if (st == filter_api::FilterStatus::Respond || pending_reply_) {
    filter_waiting_ = false;
    replyFromFilter(decode_index_);
  } else if (st == filter_api::FilterStatus::Continue || resume_requested_) {
    resume_requested_ = false;
    resume();
  }
}

void ConnectionManager::onRequestComplete() {
  request_complete_ = true;
  if (filter_waiting_) {
    if (buffer_body_requested_) runBodyFilter({}, true);
  } else if (chain_passed_ && !local_reply_ && !response_complete_) {
    for (auto& f : filters_) {
      if (f->onRequestBody(*this, {}, true) == filter_api::FilterStatus::Respond) {
        replyFromFilter(filters_.size());
        return;
      }
    }
    finishMirrors(/*send=*/true);
    if (router_.active()) router_.endRequest();
  }
  maybeFinish();
}

// ---------------------------------------------------------------- filters

void ConnectionManager::resume() {
  if (in_filter_call_) {
    resume_requested_ = true;  // handled when the phase returns
    return;
  }
  if (!filter_waiting_ || closed_) return;
  filter_waiting_ = false;
  const size_t from = decode_index_;
  if (pending_reply_) {
    replyFromFilter(from);
  } else {
    decodeHeadersFrom(from + 1);
  }
  if (filter_paused_reading_ && !closed_) {
    filter_paused_reading_ = false;
    if (!overflow_body_.empty() && chain_passed_ && router_.active()) {
      router_.sendBody(overflow_body_.view());
    }
    overflow_body_.clear();
    conn_.readDisable(false);
  }
}

void ConnectionManager::respond(filter_api::LocalReply reply) {
  pending_reply_ = std::move(reply);
}

void ConnectionManager::replyFromFilter(size_t index) {
  filter_api::LocalReply reply =
      pending_reply_ ? std::move(*pending_reply_) : filter_api::LocalReply{};
  pending_reply_.reset();
  encode_limit_ = index;  // only the filters before it see the reply
  local_head_.clear();
  for (auto& [k, v] : reply.headers)
    local_head_.headers().add(k, v);
  sendLocalReply(reply.status, reply.body, reply.response_flags, reply.details);
}

void ConnectionManager::bufferRequestBody(size_t max_bytes) {
  buffer_body_requested_ = true;
  buffer_body_limit_ = max_bytes;
}

void ConnectionManager::addResponseHeader(std::string_view name, std::string_view value) {
  extra_response_headers_.emplace_back(name, value);
}

void ConnectionManager::addAccessLogField(std::string_view key, std::string_view json_value) {
  if (!extra_log_fields_.empty()) extra_log_fields_ += ',';
  extra_log_fields_ += '"';
  base::appendJsonEscaped(extra_log_fields_, key);
  extra_log_fields_ += "\":";
  extra_log_fields_ += json_value;
}

uint64_t ConnectionManager::random() {
  return worker_.rng()();
}
event::EventLoop& ConnectionManager::loop() {
  return worker_.loop();
}
metrics::Shard& ConnectionManager::metrics() {
  return worker_.metrics();
}
const base::Clock& ConnectionManager::clock() const {
  return worker_.loop().clock();
}

void ConnectionManager::runResponseFilters(http::ResponseHead& head, bool end_stream) {
  response_head_ = &head;
  for (size_t i = std::min(encode_limit_, filters_.size()); i-- > 0;) {
    filters_[i]->onResponseHeaders(*this, end_stream);
  }
  for (const auto& [k, v] : extra_response_headers_)
    head.headers().add(k, v);
}

void ConnectionManager::completeFilters() {
  for (auto& f : filters_)
    f->onComplete(*this);
  filters_.clear();
}

void ConnectionManager::onRouterWantsBody() {
  if (!body_paused_) return;
  body_paused_ = false;
  conn_.readDisable(false);
  processInput();
}

// ---------------------------------------------------------------- output

void ConnectionManager::encodeHeaders(http::ResponseHead& head, bool body_expected,
                                      const http1::Framing* upstream_framing) {
  runResponseFilters(head, !body_expected);
  http::HeaderMap& h = head.headers();
  if (upstream_framing) {
    http1::removeHopByHopHeaders(h);
    if (route_) {
      applyHeaderOps(route_->route->headers.response, h);
      if (destination_ && destination_->headers) applyHeaderOps(destination_->headers->response, h);
    }
  }
  if (!client_keep_alive_ || draining_ || worker_.draining() || peer_eof_) closing_ = true;
  downstream_chunked_ = false;
  close_delimited_ = false;
  if (body_expected && upstream_framing &&
      (upstream_framing->body == http1::BodyFraming::Chunked ||
       upstream_framing->body == http1::BodyFraming::CloseDelimited)) {
    if (request_version_ == http::Version::Http11) {
      downstream_chunked_ = true;
      h.set(http::HeaderId::TransferEncoding, "chunked");
    } else {
      close_delimited_ = true;  // HTTP/1.0 has no chunked coding
      closing_ = true;
    }
  }
  if (closing_) {
    h.set(http::HeaderId::Connection, "close");
  } else if (request_version_ == http::Version::Http10) {
    h.set(http::HeaderId::Connection, "keep-alive");
  }
  head.setVersion(http::Version::Http11);
  http1::appendResponseHead(head, conn_.output());
  response_started_ = true;
  status_ = head.status();
  conn_.flush();
}

void ConnectionManager::encodeData(std::string_view data) {
  if (head_request_ || bodylessStatus(status_) || data.empty()) return;
  touchStream();
  bytes_sent_ += data.size();
  if (downstream_chunked_) {
    http1::appendChunk(data, conn_.output());
  } else {
    conn_.output().append(data);
  }
  conn_.flush();
}

void ConnectionManager::encodeEnd() {
  if (downstream_chunked_ && !head_request_) {
    http1::appendLastChunk(nullptr, conn_.output());
    conn_.flush();
  }
  response_complete_ = true;
  maybeFinish();
}

void ConnectionManager::onUpstreamHeaders(http::ResponseHead& head, const http1::Framing& framing) {
  touchStream();
  flags_ |= router_.responseFlags();
  const bool body_expected = !head_request_ && !bodylessStatus(head.status());
  encodeHeaders(head, body_expected, &framing);
}

void ConnectionManager::onUpstreamData(std::string_view data) {
  encodeData(data);
}

void ConnectionManager::onUpstreamComplete() {
  encodeEnd();
}

bool ConnectionManager::downstreamBackedUp() {
  return conn_.aboveHighWatermark();
}

void ConnectionManager::onWriteDrained(net::Connection&) {
  router_.resumeResponse();
}

void ConnectionManager::onRouterLocalReply(uint16_t status, std::string_view body,
                                           ResponseFlags flags, std::string_view details) {
  local_head_.clear();
  sendLocalReply(status, body, flags, details);
}

void ConnectionManager::onRouterAbort(ResponseFlag flag, std::string_view details) {
  flags_ |= static_cast<uint32_t>(flag);
  details_.assign(details);
  logAndCount();
  closing_ = true;
  conn_.close(net::Connection::CloseMode::Abort);
}

void ConnectionManager::sendLocalReply(uint16_t status, std::string_view body, ResponseFlags flags,
                                       std::string_view details, bool close_connection) {
  if (response_started_) {
    // Too late for a status: the only signal left is to reset the connection.
    flags_ |= flags;
    details_.assign(details);
    router_.cancel();
    logAndCount();
    conn_.close(net::Connection::CloseMode::Abort);
    return;
  }
  router_.cancel();
  local_reply_ = true;
  flags_ |= flags;
  details_.assign(details);
  // An unread request body would be taken for the next request: close instead of
  // skipping it, unless the request had no body at all.
  const bool body_pending =
      !request_complete_ && parser_.framing().body != http1::BodyFraming::None;
  if (close_connection || body_pending) closing_ = true;
  http::HeaderMap& h = local_head_.headers();
  local_head_.setStatus(status);
  if (!body.empty()) h.set(http::HeaderId::ContentType, "text/plain");
  h.set(http::HeaderId::ContentLength, std::to_string(body.size()));
  h.set(http::HeaderId::Date, worker_.date().now());
  if (route_ && local_reply_ && details == "direct_response") {
    applyHeaderOps(route_->route->headers.response, h);
  }
  encodeHeaders(local_head_, false, nullptr);
  if (!head_request_ && !bodylessStatus(status)) {
    bytes_sent_ += body.size();
    conn_.output().append(body);
    conn_.flush();
  }
  response_complete_ = true;
  maybeFinish();
}

// ---------------------------------------------------------------- completion

void ConnectionManager::maybeFinish() {
  if (!response_complete_ || closed_) return;
  if (!request_complete_) {
    if (parser_.framing().body != http1::BodyFraming::None || stage_ != Stage::Active)
      closing_ = true;
    // A bodyless request completes right after its head: wait for that event.
    if (!closing_) return;
  }
  finishRequest();
}

void ConnectionManager::finishRequest() {
  logAndCount();
  router_.cancel();
  stream_idle_timer_.cancel();
  if (closing_ || draining_ || worker_.draining()) {
    stage_ = Stage::Idle;
    closing_ = true;
    conn_.close(net::Connection::CloseMode::FlushWrite);
    return;
  }
  resetRequestState();
  parser_.resume();
  stage_ = Stage::Idle;
  armIdleTimer();
  // Pipelined requests may already be buffered.
  if (!in_process_input_) processInput();
}

void ConnectionManager::resetRequestState() {
  route_ = nullptr;
  destination_ = nullptr;
  request_complete_ = false;
  response_started_ = false;
  response_complete_ = false;
  local_reply_ = false;
  head_request_ = false;
  downstream_chunked_ = false;
  close_delimited_ = false;
  expect_continue_ = false;
  client_keep_alive_ = true;
  router_started_ = false;
  status_ = 0;
  flags_ = 0;
  details_.clear();
  bytes_received_ = 0;
  bytes_sent_ = 0;
  original_path_.clear();
  request_id_.clear();
  authority_.clear();
  xff_.clear();
  user_agent_.clear();
  local_head_.clear();
  finishMirrors(/*send=*/false);
  filters_.clear();
  decode_index_ = 0;
  encode_limit_ = SIZE_MAX;
  filter_waiting_ = false;
  chain_passed_ = false;
  resume_requested_ = false;
  buffer_body_requested_ = false;
  buffer_body_limit_ = 0;
  buffered_body_.clear();
  overflow_body_.clear();
  pending_reply_.reset();
  identity_.reset();
  extra_response_headers_.clear();
  extra_log_fields_.clear();
  response_head_ = nullptr;
}

void ConnectionManager::logAndCount() {
  if (stage_ != Stage::Active || !listener_) return;
  stage_ = Stage::Idle;  // log each request once
  completeFilters();
  const auto now = worker_.loop().updateTime();
  const auto duration = now - start_mono_;
  const int cls = statusClass(status_ ? status_ : 500);
  metrics::Shard& m = worker_.metrics();
  if (route_) {
    size_t row = route_->destinations.size();  // local replies
    if (destination_ && !local_reply_)
      row = static_cast<size_t>(destination_ - route_->destinations.data());
    m.inc(route_->metrics.requests[row][cls]);
    m.observe(route_->metrics.latency, std::chrono::duration<double>(duration).count());
  } else {
    m.inc(listener_->unrouted_requests[cls]);
  }
  if (!listener_->access_log) return;
  AccessLogEntry e;
  e.start_time = start_system_;
  e.method = parser_.head().methodText();
  e.path = original_path_;
  e.protocol = http::versionText(request_version_);
  e.response_code = status_;
  std::string flags = formatResponseFlags(flags_);
  e.response_flags = flags;
  e.response_code_details = details_.empty()
                                ? std::string_view(local_reply_ ? "local_reply" : "via_upstream")
                                : std::string_view(details_);
  e.bytes_received = bytes_received_;
  e.bytes_sent = bytes_sent_;
  e.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(duration).count();
  e.upstream_service_time_ms = router_.upstreamServiceTimeMs();
  e.x_forwarded_for = xff_;
  e.user_agent = user_agent_;
  e.request_id = request_id_;
  e.authority = authority_;
  if (router_started_ && router_.endpoint()) e.upstream_host = router_.endpoint()->address_text;
  if (destination_) e.upstream_cluster = destination_->cluster->name();
  e.downstream_local_address = local_text_;
  e.downstream_remote_address = peer_text_;
  if (route_) e.route_name = route_->name;
  e.extra_fields = extra_log_fields_;
  worker_.accessLog().append(listener_->access_log, e);
  worker_.scheduleFlush();
}

// ---------------------------------------------------------------- lifecycle

void ConnectionManager::onClose(net::Connection&, net::CloseReason, int) {
  closed_ = true;
  if (stage_ == Stage::Active && !response_complete_) {
    flags_ |= static_cast<uint32_t>(ResponseFlag::DownstreamConnectionTermination);
    router_.cancel();
    logAndCount();
  }
  router_.cancel();
  idle_timer_.cancel();
  headers_timer_.cancel();
  stream_idle_timer_.cancel();
  if (listener_) worker_.metrics().add(listener_->downstream_connections_active, -1);
  worker_.removeConnection(this);
  worker_.loop().deferDelete(std::unique_ptr<event::DeferredDeletable>(this));
}

void ConnectionManager::drain() {
  draining_ = true;
  if (stage_ == Stage::Idle && !closed_) conn_.close(net::Connection::CloseMode::FlushWrite);
}

void ConnectionManager::abort() {
  if (!closed_) conn_.close(net::Connection::CloseMode::Abort);
}

namespace {
// An idle keep-alive connection gives its buffers back after this long, so idle
// connections cost little memory while busy ones never reallocate per request.
constexpr auto kIdleMemoryDelay = std::chrono::seconds(2);
}  // namespace

void ConnectionManager::armIdleTimer() {
  idle_memory_released_ = false;
  const auto idle = listener_->settings.timeouts.idle;
  if (idle.count() > 0 && idle <= kIdleMemoryDelay) {
    idle_timer_.arm(idle);
  } else {
    idle_timer_.arm(kIdleMemoryDelay);
  }
}

void ConnectionManager::onIdleTimer() {
  if (stage_ != Stage::Idle || closed_) return;
  const auto idle = listener_->settings.timeouts.idle;
  if (!idle_memory_released_ && (idle.count() == 0 || idle > kIdleMemoryDelay)) {
    idle_memory_released_ = true;
    conn_.releaseIdleMemory();
    parser_.head().headers().releaseMemory();
    if (idle.count() > 0) idle_timer_.arm(idle - kIdleMemoryDelay);
    return;
  }
  conn_.close(net::Connection::CloseMode::FlushWrite);
}

void ConnectionManager::onHeadersTimer() {
  if (stage_ != Stage::ReceivingHead || closed_) return;
  stage_ = Stage::Active;
  sendLocalReply(408, "request headers timeout", 0, "request_header_timeout", true);
}

void ConnectionManager::touchStream() {
  const auto t = listener_->settings.timeouts.stream_idle;
  if (t.count() > 0) stream_idle_timer_.arm(t);
}

void ConnectionManager::onStreamIdleTimer() {
  if (stage_ != Stage::Active || closed_) return;
  if (response_started_) {
    flags_ |= static_cast<uint32_t>(ResponseFlag::StreamIdleTimeout);
    router_.cancel();
    logAndCount();
    conn_.close(net::Connection::CloseMode::Abort);
    return;
  }
  sendLocalReply(request_complete_ ? 504 : 408, "stream timeout",
                 static_cast<uint32_t>(ResponseFlag::StreamIdleTimeout), "stream_idle_timeout",
                 true);
}

}  // namespace meshgate::proxy
