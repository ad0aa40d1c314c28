// SPDX-License-Identifier: Apache-2.0
#include "filters/cors/cors_filter.h"

#include "filter_api/registry.h"

namespace meshgate::filters::cors {

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) {
    if (!out.empty()) out += ",";
    out += s;
  }
  return out;
}

}  // namespace

bool CorsConfig::originAllowed(std::string_view origin) const {
  for (const config::StringMatch& m : allow_origins) {
    if (m.kind == config::StringMatch::Kind::Exact && m.value == "*") return true;
    if (m.matches(origin)) return true;
  }
  return false;
}

filter_api::FilterStatus CorsFilter::onRequestHeaders(filter_api::FilterContext& ctx, bool) {
  const http::RequestHead& head = ctx.requestHead();
  auto origin = head.headers().get("origin");
  if (!origin || origin->empty()) return filter_api::FilterStatus::Continue;
  const bool preflight =
      head.method() == http::Method::Options && head.headers().has("access-control-request-method");
  if (!config_->originAllowed(*origin)) {
    ctx.metrics().inc(config_->denied_origins);
    if (preflight && !config_->forward_unmatched_preflights) {
      filter_api::LocalReply reply;
      reply.status = 200;
      reply.details = "cors_preflight_unmatched";
      ctx.respond(std::move(reply));
      return filter_api::FilterStatus::Respond;
    }
    return filter_api::FilterStatus::Continue;
  }
  origin_.assign(*origin);
  if (!preflight) return filter_api::FilterStatus::Continue;
  ctx.metrics().inc(config_->preflights);
  filter_api::LocalReply reply;
  reply.status = 200;
  reply.details = "cors_preflight";
  reply.headers.emplace_back("access-control-allow-origin", origin_);
  if (!config_->allow_methods.empty())
    reply.headers.emplace_back("access-control-allow-methods", config_->allow_methods);
  if (!config_->allow_headers.empty())
    reply.headers.emplace_back("access-control-allow-headers", config_->allow_headers);
  if (!config_->max_age.empty())
    reply.headers.emplace_back("access-control-max-age", config_->max_age);
  if (config_->allow_credentials)
    reply.headers.emplace_back("access-control-allow-credentials", "true");
  // The preflight reply must not be taken for the actual response by caches.
  reply.headers.emplace_back("vary", "origin");
  ctx.respond(std::move(reply));
  return filter_api::FilterStatus::Respond;
}

filter_api::FilterStatus CorsFilter::onResponseHeaders(filter_api::FilterContext& ctx, bool) {
  http::ResponseHead* head = ctx.responseHead();
  if (origin_.empty() || !head || head->headers().has("access-control-allow-origin")) {
    return filter_api::FilterStatus::Continue;
  }
  head->headers().set("access-control-allow-origin", origin_);
  if (config_->allow_credentials) head->headers().set("access-control-allow-credentials", "true");
  if (!config_->expose_headers.empty())
    head->headers().set("access-control-expose-headers", config_->expose_headers);
  return filter_api::FilterStatus::Continue;
}

namespace {

class CorsFactory final : public filter_api::FilterFactory {
 public:
  explicit CorsFactory(std::shared_ptr<const CorsConfig> config) : config_(std::move(config)) {}
  std::string_view name() const override { return "cors"; }
  std::unique_ptr<filter_api::Filter> create() const override {
    return std::make_unique<CorsFilter>(config_);
  }

 private:
  std::shared_ptr<const CorsConfig> config_;
};

class CorsConfigFactory final : public filter_api::FilterConfigFactory {
 public:
  std::string_view name() const override { return "cors"; }
  int order() const override { return filter_api::order::kCors; }
  base::Result<std::shared_ptr<const filter_api::FilterFactory>> build(
      const filter_api::ChainSite& site, filter_api::BuildServices& services) const override {
    if (!site.route || !site.route->cors_policy)
      return std::shared_ptr<const filter_api::FilterFactory>();
    const config::CorsPolicy& p = *site.route->cors_policy;
    auto cfg = std::make_shared<CorsConfig>();
    cfg->allow_origins = p.allow_origins;
    cfg->allow_methods = join(p.allow_methods);
    cfg->allow_headers = join(p.allow_headers);
    cfg->expose_headers = join(p.expose_headers);
    if (p.max_age)
      cfg->max_age =
          std::to_string(std::chrono::duration_cast<std::chrono::seconds>(*p.max_age).count());
    cfg->allow_credentials = p.allow_credentials.value_or(false);
    cfg->forward_unmatched_preflights =
        p.unmatched_preflights != config::CorsPolicy::UnmatchedPreflights::Ignore;
    metrics::Labels labels = {{"listener", std::string(site.listener_name)},
                              {"route", std::string(site.route_name)}};
    cfg->preflights = services.metrics->counter("meshgate_cors_preflights_total",
                                                "CORS preflights answered.", labels);
    cfg->denied_origins = services.metrics->counter("meshgate_cors_origins_denied_total",
                                                    "Requests from origins not allowed.", labels);
    return std::shared_ptr<const filter_api::FilterFactory>(std::make_shared<CorsFactory>(cfg));
  }
};

}  // namespace

void registerCorsFilter() {
  filter_api::registerFilter(std::make_unique<CorsConfigFactory>());
}

}  // namespace meshgate::filters::cors
