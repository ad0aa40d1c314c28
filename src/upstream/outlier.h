// SPDX-License-Identifier: Apache-2.0
// Outlier detection (Istio OutlierDetection, Envoy's consecutive 5xx / gateway /
// local-origin detectors): workers record the outcome of every upstream attempt
// on the endpoint's shared health record; enough consecutive failures eject the
// endpoint for base_ejection_time × (times ejected), within max_ejection_percent.
// The main thread's sweep returns expired endpoints and keeps the metrics.
// Depends on upstream/cluster, metrics.
#pragma once

#include "base/clock.h"
#include "metrics/metrics.h"
#include "upstream/cluster.h"

namespace meshgate::upstream {

enum class AttemptOutcome {
  Success,             // any response below 500 (and non-gateway 5xx for the gateway detector)
  ServerError,         // a 5xx response other than 502/503/504
  GatewayError,        // 502, 503 or 504 from the upstream
  LocalOriginFailure,  // connect failure, connect timeout, reset, per-try timeout
};

/// The outcome class of an upstream response status.
AttemptOutcome outcomeForStatus(uint16_t status);

/// Records one attempt on `endpoint`; may eject it. Worker threads; lock-free.
/// Returns true when this call ejected the endpoint.
bool recordOutcome(const Cluster& cluster, const Endpoint& endpoint, AttemptOutcome outcome,
                   base::MonoTime now, metrics::Shard& metrics);

/// Main thread, periodically: brings back endpoints whose ejection expired and,
/// when `decay` (once per outlier interval), lowers the ejection multiplier of
/// endpoints that stayed in. Returns how many endpoints came back.
size_t sweepOutliers(const Cluster& cluster, base::MonoTime now, metrics::Shard& metrics,
                     bool decay = true);

/// Envoy's cap on one ejection (max_ejection_time default).
inline constexpr Duration kMaxEjectionTime = std::chrono::seconds(300);

}  // namespace meshgate::upstream
