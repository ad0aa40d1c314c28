// SPDX-License-Identifier: Apache-2.0
// Active HTTP health checking (meshgate.io/v1 HealthCheck, Envoy's HTTP health checker): on the
// main loop, each checked endpoint gets one `GET path` at a time, with a timeout and a jittered
// interval; healthy/unhealthy thresholds turn results into a verdict that is written to the
// endpoint's shared EndpointHealth records (atomics the workers' load balancers read without a
// lock). Depends on base, event, net, metrics, upstream/cluster and upstream/http_fetcher; knows
// nothing of the config model (server/ translates HealthCheck objects into HealthCheckGroups).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "event/event_loop.h"
#include "metrics/metrics.h"
#include "net/address.h"
#include "upstream/cluster.h"

namespace meshgate::upstream {

/// What to send and how to judge it (a HealthCheck, resolved).
struct HealthCheckSpec {
  std::string path = "/";
  /// The Host header.
  std::string authority;
  Duration interval = std::chrono::seconds(10);
  Duration timeout = std::chrono::seconds(1);
  uint32_t healthy_threshold = 1;
  uint32_t unhealthy_threshold = 3;
  /// Inclusive [first, last] status ranges that count as healthy.
  std::vector<std::pair<uint32_t, uint32_t>> expected_statuses = {{200, 299}};

  bool expects(int status) const;
  bool operator==(const HealthCheckSpec&) const = default;
};

/// Why a probe failed (the `reason` label of the failures counter).
enum class ProbeFailure : uint8_t { Status, Timeout, Network };
const char* probeFailureText(ProbeFailure f);

/// The verdict of one endpoint under active checking, with Envoy's semantics: an endpoint
/// starts Pending (out of service); its first result decides at once (the first success marks
/// it healthy whatever healthyThreshold says, the first failure marks it unhealthy); after
/// that it takes `unhealthy_threshold` consecutive failures to go out and
/// `healthy_threshold` consecutive successes to come back. Pure; no clock, no I/O.
class HealthCheckState {
 public:
  enum class Status : uint8_t { Pending, Healthy, Unhealthy };
  enum class Change : uint8_t { None, BecameHealthy, BecameUnhealthy };

  Change recordSuccess(uint32_t healthy_threshold);
  Change recordFailure(uint32_t unhealthy_threshold);

  Status status() const { return status_; }
  /// Whether the load balancers may use the endpoint (Healthy only).
  bool inService() const { return status_ == Status::Healthy; }
  uint32_t consecutiveSuccesses() const { return successes_; }
  uint32_t consecutiveFailures() const { return failures_; }

 private:
  Status status_ = Status::Pending;
  uint32_t successes_ = 0;
  uint32_t failures_ = 0;
};

const char* healthStatusText(HealthCheckState::Status s);

/// One endpoint to check.
struct HealthCheckTarget {
  net::Address address;
  std::string address_text;  // "127.0.0.1:8080"
  /// The health records the verdict is written to: one per cluster of the snapshot that lists
  /// this address for the checked service (the service's own cluster and its subsets).
  std::vector<std::shared_ptr<EndpointHealth>> records;
};

/// One HealthCheck object and the endpoints it covers.
struct HealthCheckGroup {
  /// "namespace/name" of the HealthCheck; with an address, the identity that survives reloads.
  std::string name;
  /// The `cluster` label of the metrics ("outbound|port|subset|host").
  std::string cluster;
  HealthCheckSpec spec;
  std::vector<HealthCheckTarget> targets;
};

/// Runs every configured check. Main-loop thread only (it owns fetchers and timers on `loop`);
/// the only state shared with workers is EndpointHealth::healthy, written with relaxed atomic
/// stores. Must be destroyed before `loop`.
class HealthChecker {
 public:
  HealthChecker(event::EventLoop& loop, metrics::Registry& registry, uint64_t seed);
  ~HealthChecker();
  HealthChecker(const HealthChecker&) = delete;
  HealthChecker& operator=(const HealthChecker&) = delete;

  /// Replaces the set of checks (each config generation, before workers see it). An endpoint
  /// that stays (same group name and address) keeps its verdict, counters, schedule and any
  /// probe in flight; a changed spec applies from its next probe. A new endpoint starts Pending:
  /// its records are marked out of service and it is probed after a short jitter. Records that
  /// no check covers any more are put back in service. A record covered by several checks is in
  /// service only while all of them pass.
  void update(std::vector<HealthCheckGroup> groups);

  /// True once every endpoint checked has had a first result: the equivalent of Envoy's
  /// cluster warming, used by /ready.
  bool warmedUp() const;

  /// The verdict of `address` under group `name`, or nullopt when not checked (tests, admin).
  std::optional<HealthCheckState::Status> status(const std::string& name,
                                                 const std::string& address) const;
  /// The verdict written to `record`, or nullopt when no check covers it (admin /clusters).
  std::optional<HealthCheckState::Status> statusOf(const EndpointHealth* record) const;

  size_t sessionCount() const { return sessions_.size(); }

  class Session;

 private:
  friend class Session;
  struct GroupMetrics {
    metrics::SeriesId attempts;
    std::array<metrics::SeriesId, 3> failures;  // by ProbeFailure
    metrics::SeriesId ejections;
    metrics::SeriesId recoveries;
  };
  GroupMetrics metricsFor(const std::string& cluster);
  metrics::SeriesId healthyGauge(const std::string& cluster, const std::string& endpoint);
  /// Writes every covered record: in service iff every session covering it is.
  void publish();
  Duration jitter(Duration max);

  event::EventLoop& loop_;
  metrics::Registry& registry_;
  std::mt19937_64 rng_;
  /// By "<group name>|<address>".
  std::map<std::string, std::unique_ptr<Session>> sessions_;
};

}  // namespace meshgate::upstream
