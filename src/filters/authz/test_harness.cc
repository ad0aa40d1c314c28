// SPDX-License-Identifier: Apache-2.0
#include "filters/authz/test_harness.h"

#include <gtest/gtest.h>

#include "config/loader.h"

namespace meshgate::filters::authz::test {

std::vector<std::string> MapClaims::values(const std::vector<std::string>& path) const {
  std::string key;
  for (const std::string& p : path) {
    if (!key.empty()) key += '/';
    key += p;
  }
  auto it = claims_.find(key);
  return it == claims_.end() ? std::vector<std::string>{} : it->second;
}

filter_api::RequestIdentity jwtIdentity(const std::string& iss, const std::string& sub,
                                        std::vector<std::string> aud, const std::string& azp,
                                        std::map<std::string, std::vector<std::string>> extra) {
  filter_api::RequestIdentity id;
  id.request_principal = iss + "/" + sub;
  id.audiences = aud;
  id.presenter = azp;
  extra["iss"] = {iss};
  extra["sub"] = {sub};
  if (!aud.empty()) extra["aud"] = aud;
  if (!azp.empty()) extra["azp"] = {azp};
  id.claims = std::make_shared<MapClaims>(std::move(extra));
  id.token = "header.payload.signature";
  return id;
}

bool Outcome::hasMetric(const std::string& series, int value) const {
  const std::string line = series + " " + std::to_string(value) + "\n";
  return metrics.find(line) != std::string::npos;
}

Harness::Harness(const std::string& yaml, const std::string& listener_spec_extra,
                 const std::string& listener_name)
    : listener_name_(listener_name) {
  const std::string text =
      "apiVersion: meshgate.io/v1\nkind: Listener\nmetadata: {name: " + listener_name +
      "}\nspec:\n  port: 18080\n  workload: {labels: {app: web}}\n" + listener_spec_extra +
      "---\n" + yaml;
  config::LoadResult r = config::loadText(text, "authz-test.yaml");
  if (!r.ok()) {
    load_error_ = r.diagnostics.toString();
    return;
  }
  config_ = r.config;
}

void Harness::useGateway(const std::string& gateway) {
  gateway_ = gateway;
  gateway_listener_ = config::Listener{};
  if (const config::Gateway* g = config_->findGateway(gateway, "")) {
    gateway_listener_.meta = g->meta;
  }
}

filter_api::ChainSite Harness::site() const {
  filter_api::ChainSite s;
  s.config = config_.get();
  if (gateway_.empty()) {
    s.listener = config_->findListener(listener_name_, "default");
    s.listener_name = "default/main";
  } else {
    s.listener = &gateway_listener_;
    s.listener_name = "gateway";
    s.gateway = gateway_;
  }
  s.route_name = "default/vs/r";
  return s;
}

bool Harness::applies() {
  if (!loaded()) {
    ADD_FAILURE() << "the config did not load:\n" << load_error_;
    return false;
  }
  filter_api::BuildServices services;
  auto r = buildAuthzConfig(site(), services);
  return r.ok() && *r != nullptr;
}

std::string Harness::buildError() {
  if (!loaded()) return "the config did not load: " + load_error_;
  filter_api::BuildServices services;
  auto r = buildAuthzConfig(site(), services);
  return r.ok() ? std::string() : r.error().message;
}

Outcome Harness::run(const Request& req) {
  Outcome out;
  if (!loaded()) {
    ADD_FAILURE() << "the config did not load:\n" << load_error_;
    return out;
  }
  testing::FakeFilterContext ctx;
  filter_api::BuildServices services;
  services.metrics = &ctx.registry();
  auto built = buildAuthzConfig(site(), services);
  if (!built.ok()) {
    ADD_FAILURE() << "build: " << built.error().message;
    return out;
  }
  if (*built == nullptr) {
    out.allowed = true;  // no policy applies: no filter in the chain
    return out;
  }
  std::shared_ptr<const AuthzConfig> config = *built;

  ctx.head().setMethod(req.method);
  EXPECT_EQ(ctx.head().setTarget(req.path), http::TargetError::None) << req.path;
  ctx.head().headers().set("host", req.host);
  for (const auto& [k, v] : req.headers)
    ctx.head().headers().add(k, v);
  ctx.info().normalized_path = req.normalized_path ? *req.normalized_path : req.path;
  auto peer = net::Address::fromIp(req.peer, 40000);
  auto client = net::Address::fromIp(req.client.empty() ? req.peer : req.client, 40000);
  auto local = net::Address::fromIp(req.local, req.port);
  EXPECT_TRUE(peer.ok() && client.ok() && local.ok());
  ctx.info().downstream_remote = &*peer;
  ctx.info().client = &*client;
  ctx.info().downstream_local = &*local;
  ctx.info().sni = req.sni;
  if (req.identity) ctx.setIdentity(*req.identity);

  AuthzFilter filter(*config);
  out.status = filter.onRequestHeaders(ctx, req.body.empty());
  out.buffer_requested = ctx.bufferRequested();
  if (out.status == filter_api::FilterStatus::Wait) {
    for (size_t i = 0; i < req.body.size(); ++i) {
      // Deliver what the connection manager would: at most the requested bytes.
      std::string_view chunk = req.body[i];
      const size_t room = out.buffer_requested > ctx.bufferedRequestBody().size()
                              ? out.buffer_requested - ctx.bufferedRequestBody().size()
                              : 0;
      chunk = chunk.substr(0, room);
      ctx.mutableBufferedBody().append(chunk);
      out.status = filter.onRequestBody(ctx, chunk, i + 1 == req.body.size());
      if (out.status != filter_api::FilterStatus::Wait) break;
    }
  }
  out.reply = ctx.reply();
  out.allowed = out.status == filter_api::FilterStatus::Continue && !out.reply;
  out.log = ctx.logFields();
  out.metrics = ctx.registry().renderPrometheus();
  out.response_headers = ctx.responseHeadersAdded();
  for (const auto& f : ctx.head().headers())
    out.request_headers.emplace_back(f.name, f.value);
  return out;
}

uint16_t Harness::get(const std::string& path) {
  Request r;
  r.path = path;
  Outcome o = run(r);
  return o.allowed ? 0 : o.code();
}

}  // namespace meshgate::filters::authz::test
