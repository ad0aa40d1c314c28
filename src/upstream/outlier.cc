// SPDX-License-Identifier: Apache-2.0
#include "upstream/outlier.h"

#include <algorithm>

namespace meshgate::upstream {

namespace {

int64_t nanos(base::MonoTime t) {
  return t.time_since_epoch().count();
}

// Increments a consecutive-failure counter; true when it reached `threshold`.
bool bump(std::atomic<uint32_t>& counter, uint32_t threshold) {
  if (threshold == 0) return false;
  return counter.fetch_add(1, std::memory_order_relaxed) + 1 >= threshold;
}

// Resets a counter without writing a shared cache line when it is already 0.
void clear(std::atomic<uint32_t>& counter) {
  if (counter.load(std::memory_order_relaxed) != 0) counter.store(0, std::memory_order_relaxed);
}

bool tryEject(const Cluster& cluster, const Endpoint& endpoint, base::MonoTime now,
              metrics::Shard& metrics) {
  const OutlierSettings& o = *cluster.settings().outlier;
  EndpointHealth& h = *endpoint.health;
  if (h.ejected(now)) return false;
  // max_ejection_percent, but at least one endpoint may be ejected (Envoy).
  size_t ejected = 0;
  for (const Endpoint& e : cluster.endpoints())
    ejected += e.health->ejected(now) ? 1 : 0;
  const size_t total = cluster.endpoints().size();
  if (ejected > 0 && (ejected + 1) * 100 > static_cast<size_t>(o.max_ejection_percent) * total)
    return false;
  const uint32_t times = h.ejection_count.fetch_add(1, std::memory_order_relaxed) + 1;
  const Duration length = std::min<Duration>(o.base_ejection_time * times,
                                             std::max(kMaxEjectionTime, o.base_ejection_time));
  int64_t expected = h.ejected_until_ns.load(std::memory_order_relaxed);
  if (expected != 0 && expected > nanos(now)) return false;
  // Only one worker ejects (the counters of the others keep counting).
  if (!h.ejected_until_ns.compare_exchange_strong(expected, nanos(now + length),
                                                  std::memory_order_relaxed)) {
    return false;
  }
  clear(h.consecutive_5xx);
  clear(h.consecutive_gateway_errors);
  clear(h.consecutive_local_failures);
  metrics.inc(cluster.metrics().outlier_ejections);
  metrics.add(cluster.metrics().ejected_endpoints, 1);
  return true;
}

}  // namespace

AttemptOutcome outcomeForStatus(uint16_t status) {
  if (status == 502 || status == 503 || status == 504) return AttemptOutcome::GatewayError;
  if (status >= 500) return AttemptOutcome::ServerError;
  return AttemptOutcome::Success;
}

bool recordOutcome(const Cluster& cluster, const Endpoint& endpoint, AttemptOutcome outcome,
                   base::MonoTime now, metrics::Shard& metrics) {
  if (!cluster.settings().outlier) return false;
  const OutlierSettings& o = *cluster.settings().outlier;
  EndpointHealth& h = *endpoint.health;
  bool trip = false;
  switch (outcome) {
    case AttemptOutcome::Success:
      clear(h.consecutive_5xx);
      clear(h.consecutive_gateway_errors);
      clear(h.consecutive_local_failures);
      return false;
    case AttemptOutcome::ServerError:
      clear(h.consecutive_gateway_errors);
      trip = bump(h.consecutive_5xx, o.consecutive_5xx);
      break;
    case AttemptOutcome::GatewayError:
      trip = bump(h.consecutive_5xx, o.consecutive_5xx);
      trip = bump(h.consecutive_gateway_errors, o.consecutive_gateway_errors) || trip;
      break;
    case AttemptOutcome::LocalOriginFailure:
      if (o.split_external_local_origin_errors) {
        trip = bump(h.consecutive_local_failures, o.consecutive_local_origin_failures);
      } else {
        // Without the split, a local failure counts as a gateway error (Envoy).
        trip = bump(h.consecutive_5xx, o.consecutive_5xx);
        trip = bump(h.consecutive_gateway_errors, o.consecutive_gateway_errors) || trip;
      }
      break;
  }
  return trip && tryEject(cluster, endpoint, now, metrics);
}

size_t sweepOutliers(const Cluster& cluster, base::MonoTime now, metrics::Shard& metrics,
                     bool decay) {
  size_t returned = 0;
  for (const Endpoint& e : cluster.endpoints()) {
    EndpointHealth& h = *e.health;
    int64_t until = h.ejected_until_ns.load(std::memory_order_relaxed);
    if (until != 0 && until <= nanos(now)) {
      if (h.ejected_until_ns.compare_exchange_strong(until, 0, std::memory_order_relaxed)) {
        ++returned;
        metrics.add(cluster.metrics().ejected_endpoints, -1);
        metrics.inc(cluster.metrics().outlier_returns);
      }
    } else if (until == 0 && decay) {
      // Healthy for a sweep: the next ejection will be shorter again.
      uint32_t times = h.ejection_count.load(std::memory_order_relaxed);
      if (times > 0)
        h.ejection_count.compare_exchange_strong(times, times - 1, std::memory_order_relaxed);
    }
  }
  return returned;
}

}  // namespace meshgate::upstream
