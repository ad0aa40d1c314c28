// SPDX-License-Identifier: Apache-2.0
// Fault injection (VirtualService `fault`): delays and aborts a percentage of a
// route's requests, as Envoy's fault filter does for Istio. Depends on filter_api.
#pragma once

#include <chrono>
#include <memory>
#include <optional>

#include "event/event_loop.h"
#include "filter_api/filter.h"
#include "metrics/metrics.h"

namespace meshgate::filters::fault {

/// A route's compiled fault policy. Immutable; shared by every worker.
struct FaultConfig {
  struct Delay {
    std::chrono::nanoseconds duration{0};
    double percent = 100.0;  // 0..100
  };
  struct Abort {
    uint16_t status = 503;
    double percent = 100.0;
  };
  std::optional<Delay> delay;
  std::optional<Abort> abort;
  metrics::SeriesId delays_injected;
  metrics::SeriesId aborts_injected;
};

/// True with probability `percent`/100, drawn from `random` (Istio's Percent has
/// up to four decimals: the draw is in millionths).
bool drawPercent(double percent, uint64_t random);

class FaultFilter final : public filter_api::Filter {
 public:
  explicit FaultFilter(std::shared_ptr<const FaultConfig> config) : config_(std::move(config)) {}

  // filter_api::Filter
  filter_api::FilterStatus onRequestHeaders(filter_api::FilterContext& ctx,
                                            bool end_stream) override;

 private:
  /// Sets the abort reply when this request was chosen for one.
  bool maybeAbort(filter_api::FilterContext& ctx);

  std::shared_ptr<const FaultConfig> config_;
  std::unique_ptr<event::Timer> delay_timer_;
};

/// Registers the "fault" filter type (chain order: order::kFault).
void registerFaultFilter();

}  // namespace meshgate::filters::fault
