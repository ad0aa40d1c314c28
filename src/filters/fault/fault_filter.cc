// SPDX-License-Identifier: Apache-2.0
#include "filters/fault/fault_filter.h"

#include "base/json_writer.h"
#include "filter_api/registry.h"

namespace meshgate::filters::fault {

namespace {
// proxy::ResponseFlag::DelayInjected and FaultInjected (filters do not depend on proxy/).
constexpr uint32_t kDelayInjectedFlag = 1u << 14;
constexpr uint32_t kFaultInjectedFlag = 1u << 15;
}  // namespace

bool drawPercent(double percent, uint64_t random) {
  if (percent >= 100.0) return true;
  if (percent <= 0.0) return false;
  return static_cast<double>(random % 1000000) < percent * 10000.0;
}

bool FaultFilter::maybeAbort(filter_api::FilterContext& ctx) {
  if (!config_->abort || !drawPercent(config_->abort->percent, ctx.random())) return false;
  ctx.metrics().inc(config_->aborts_injected);
  filter_api::LocalReply reply;
  reply.status = config_->abort->status;
  reply.body = "fault filter abort";
  reply.details = "fault_filter_abort";
  reply.response_flags = kFaultInjectedFlag;
  ctx.respond(std::move(reply));
  return true;
}

filter_api::FilterStatus FaultFilter::onRequestHeaders(filter_api::FilterContext& ctx, bool) {
  if (config_->delay && drawPercent(config_->delay->percent, ctx.random())) {
    ctx.metrics().inc(config_->delays_injected);
    ctx.addResponseFlags(kDelayInjectedFlag);
    std::string ms = std::to_string(
        std::chrono::duration_cast<std::chrono::milliseconds>(config_->delay->duration).count());
    ctx.addAccessLogField("fault_delay_ms", ms);
    delay_timer_ = std::make_unique<event::Timer>(ctx.loop(), [this, &ctx] {
      // As Envoy does, a delayed request may then also be aborted.
      maybeAbort(ctx);
      ctx.resume();
    });
    delay_timer_->arm(config_->delay->duration);
    return filter_api::FilterStatus::Wait;
  }
  return maybeAbort(ctx) ? filter_api::FilterStatus::Respond : filter_api::FilterStatus::Continue;
}

namespace {

class FaultFactory final : public filter_api::FilterFactory {
 public:
  explicit FaultFactory(std::shared_ptr<const FaultConfig> config) : config_(std::move(config)) {}
  std::string_view name() const override { return "fault"; }
  std::unique_ptr<filter_api::Filter> create() const override {
    return std::make_unique<FaultFilter>(config_);
  }

 private:
  std::shared_ptr<const FaultConfig> config_;
};

class FaultConfigFactory final : public filter_api::FilterConfigFactory {
 public:
  std::string_view name() const override { return "fault"; }
  int order() const override { return filter_api::order::kFault; }
  base::Result<std::shared_ptr<const filter_api::FilterFactory>> build(
      const filter_api::ChainSite& site, filter_api::BuildServices& services) const override {
    if (!site.route || !site.route->fault)
      return std::shared_ptr<const filter_api::FilterFactory>();
    const config::HttpFaultInjection& f = *site.route->fault;
    auto cfg = std::make_shared<FaultConfig>();
    if (f.delay) cfg->delay = FaultConfig::Delay{f.delay->fixed_delay, f.delay->percentage.value};
    if (f.abort) {
      if (f.abort->http_status < 200 || f.abort->http_status > 599) {
        return base::Error{"fault.abort.httpStatus " + std::to_string(f.abort->http_status) +
                           " is not a valid status"};
      }
      cfg->abort = FaultConfig::Abort{static_cast<uint16_t>(f.abort->http_status),
                                      f.abort->percentage.value};
    }
    metrics::Labels labels = {{"listener", std::string(site.listener_name)},
                              {"route", std::string(site.route_name)}};
    cfg->delays_injected = services.metrics->counter(
        "meshgate_fault_delays_injected_total", "Requests delayed by fault injection.", labels);
    cfg->aborts_injected = services.metrics->counter(
        "meshgate_fault_aborts_injected_total", "Requests aborted by fault injection.", labels);
    return std::shared_ptr<const filter_api::FilterFactory>(std::make_shared<FaultFactory>(cfg));
  }
};

}  // namespace

void registerFaultFilter() {
  filter_api::registerFilter(std::make_unique<FaultConfigFactory>());
}

}  // namespace meshgate::filters::fault
