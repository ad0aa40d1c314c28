// SPDX-License-Identifier: Apache-2.0
#include "upstream/health_checker.h"

#include <algorithm>
#include <limits>
#include <set>

#include "base/log.h"
#include "base/strings.h"
#include "upstream/http_fetcher.h"

namespace meshgate::upstream {

namespace {

// The first probe of a new endpoint goes out within this much, so that N endpoints added at
// once do not all connect in the same instant, yet a new endpoint is not kept out for long.
constexpr Duration kMaxInitialJitter = std::chrono::milliseconds(100);
// Later probes are spread by up to this share of the interval (Envoy's interval_jitter_percent).
constexpr uint32_t kIntervalJitterPercent = 10;
// The fetcher's own deadline is only a backstop: the session's timeout timer decides first.
constexpr Duration kFetcherSlack = std::chrono::seconds(1);

constexpr const char* kUserAgent = "meshgate-health-check";

}  // namespace

bool HealthCheckSpec::expects(int status) const {
  for (const auto& [first, last] : expected_statuses) {
    if (status >= 0 && static_cast<uint32_t>(status) >= first &&
        static_cast<uint32_t>(status) <= last)
      return true;
  }
  return false;
}

const char* probeFailureText(ProbeFailure f) {
  switch (f) {
    case ProbeFailure::Status:
      return "status";
    case ProbeFailure::Timeout:
      return "timeout";
    case ProbeFailure::Network:
      return "network";
  }
  return "unknown";
}

const char* healthStatusText(HealthCheckState::Status s) {
  switch (s) {
    case HealthCheckState::Status::Pending:
      return "pending";
    case HealthCheckState::Status::Healthy:
      return "healthy";
    case HealthCheckState::Status::Unhealthy:
      return "unhealthy";
  }
  return "unknown";
}

// ------------------------------------------------------------------ HealthCheckState

HealthCheckState::Change HealthCheckState::recordSuccess(uint32_t healthy_threshold) {
  failures_ = 0;
  ++successes_;
  if (status_ == Status::Healthy) return Change::None;
  // The first result of a Pending endpoint bypasses the threshold (Envoy's first_check).
  if (status_ == Status::Pending || successes_ >= std::max<uint32_t>(healthy_threshold, 1)) {
    status_ = Status::Healthy;
    return Change::BecameHealthy;
  }
  return Change::None;
}

HealthCheckState::Change HealthCheckState::recordFailure(uint32_t unhealthy_threshold) {
  successes_ = 0;
  ++failures_;
  if (status_ == Status::Unhealthy) return Change::None;
  if (status_ == Status::Pending || failures_ >= std::max<uint32_t>(unhealthy_threshold, 1)) {
    status_ = Status::Unhealthy;
    return Change::BecameUnhealthy;
  }
  return Change::None;
}

// --------------------------------------------------------------------------- Session

class HealthChecker::Session {
 public:
  Session(HealthChecker& owner, std::string group, HealthCheckTarget target)
      : owner_(owner),
        group_(std::move(group)),
        target_(std::move(target)),
        fetcher_(owner.loop_),
        interval_timer_(owner.loop_, [this] { probe(); }),
        timeout_timer_(owner.loop_, [this] { onTimeout(); }) {}

  ~Session() {
    fetcher_.cancel();
    setGauge(0);
  }

  /// Applies a (possibly changed) group and records; the owner publishes the verdicts.
  void configure(const std::string& cluster, const HealthCheckSpec& spec,
                 std::vector<std::shared_ptr<EndpointHealth>> records) {
    if (cluster != cluster_) {
      setGauge(0);
      cluster_ = cluster;
      metrics_ = owner_.metricsFor(cluster_);
      gauge_ = owner_.healthyGauge(cluster_, target_.address_text);
      gauge_value_ = 0;
    }
    spec_ = spec;
    target_.records = std::move(records);
    setGauge(state_.inService() ? 1 : 0);
  }

  void start(Duration delay) { interval_timer_.arm(delay); }

  bool hadResult() const { return had_result_; }
  bool inService() const { return state_.inService(); }
  HealthCheckState::Status status() const { return state_.status(); }
  const std::string& cluster() const { return cluster_; }
  const std::string& address() const { return target_.address_text; }
  const std::vector<std::shared_ptr<EndpointHealth>>& records() const { return target_.records; }

 private:
  void probe() {
    HttpUrl url;
    url.https = false;
    url.host = target_.address.ip();
    url.host_is_ip = true;
    url.port = target_.address.port();
    url.path = spec_.path;
    url.authority = spec_.authority;
    FetchOptions fo;
    fo.timeout = spec_.timeout + kFetcherSlack;
    fo.user_agent = kUserAgent;
    fo.keep_body = false;
    // Bodies are drained, not kept; the timeout bounds a body that never ends.
    fo.max_body_bytes = std::numeric_limits<uint64_t>::max();
    owner_.registry_.mainShard().inc(metrics_.attempts);
    timeout_timer_.arm(spec_.timeout);
    fetcher_.fetch(url, fo, [this](base::Result<FetchResponse> r) {
      timeout_timer_.cancel();
      if (!r.ok()) {
        onResult(false, ProbeFailure::Network, r.error().describe());
      } else if (!spec_.expects(r->status)) {
        onResult(false, ProbeFailure::Status, "status " + std::to_string(r->status));
      } else {
        onResult(true, ProbeFailure::Status, "");
      }
    });
  }

  void onTimeout() {
    fetcher_.cancel();
    onResult(false, ProbeFailure::Timeout,
             "no response within " + base::formatDuration(spec_.timeout));
  }

  void onResult(bool ok, ProbeFailure why, const std::string& detail) {
    had_result_ = true;
    const HealthCheckState::Status before = state_.status();
    HealthCheckState::Change change;
    if (ok) {
      change = state_.recordSuccess(spec_.healthy_threshold);
    } else {
      owner_.registry_.mainShard().inc(metrics_.failures[static_cast<size_t>(why)]);
      change = state_.recordFailure(spec_.unhealthy_threshold);
    }
    // Ejections and recoveries count changes of an endpoint that had a verdict; a first check
    // (Pending) only logs.
    const bool counted = before != HealthCheckState::Status::Pending;
    if (change == HealthCheckState::Change::BecameHealthy) {
      if (counted) owner_.registry_.mainShard().inc(metrics_.recoveries);
      MG_LOG(Info) << "health check " << group_ << ": endpoint " << target_.address_text << " of "
                   << cluster_ << " is healthy (" << state_.consecutiveSuccesses()
                   << " consecutive success(es))";
    } else if (change == HealthCheckState::Change::BecameUnhealthy) {
      if (counted) owner_.registry_.mainShard().inc(metrics_.ejections);
      MG_LOG(Warn) << "health check " << group_ << ": endpoint " << target_.address_text << " of "
                   << cluster_ << " is unhealthy (" << state_.consecutiveFailures()
                   << " consecutive failure(s), last: " << probeFailureText(why) << ": " << detail
                   << ")";
    }
    if (change != HealthCheckState::Change::None) {
      setGauge(state_.inService() ? 1 : 0);
      owner_.publish();
    }
    // Envoy: the interval runs from the end of one probe to the start of the next.
    const Duration spread = spec_.interval * kIntervalJitterPercent / 100;
    interval_timer_.arm(spec_.interval + owner_.jitter(spread));
  }

  void setGauge(int64_t value) {
    if (cluster_.empty() || value == gauge_value_) return;
    owner_.registry_.mainShard().add(gauge_, value - gauge_value_);
    gauge_value_ = value;
  }

  HealthChecker& owner_;
  const std::string group_;
  HealthCheckTarget target_;
  std::string cluster_;
  HealthCheckSpec spec_;
  HealthCheckState state_;
  GroupMetrics metrics_{};
  metrics::SeriesId gauge_{};
  int64_t gauge_value_ = 0;
  bool had_result_ = false;
  HttpFetcher fetcher_;
  event::Timer interval_timer_;
  event::Timer timeout_timer_;
};

// --------------------------------------------------------------------- HealthChecker

HealthChecker::HealthChecker(event::EventLoop& loop, metrics::Registry& registry, uint64_t seed)
    : loop_(loop), registry_(registry), rng_(seed) {}

HealthChecker::~HealthChecker() = default;

HealthChecker::GroupMetrics HealthChecker::metricsFor(const std::string& cluster) {
  const metrics::Labels l = {{"cluster", cluster}};
  GroupMetrics m;
  m.attempts = registry_.counter("meshgate_upstream_health_check_attempts_total",
                                 "Active health check probes sent.", l);
  for (ProbeFailure f : {ProbeFailure::Status, ProbeFailure::Timeout, ProbeFailure::Network}) {
    m.failures[static_cast<size_t>(f)] =
        registry_.counter("meshgate_upstream_health_check_failures_total",
                          "Active health check probes that failed, by reason.",
                          {{"cluster", cluster}, {"reason", probeFailureText(f)}});
  }
  m.ejections =
      registry_.counter("meshgate_upstream_health_check_ejections_total",
                        "Healthy endpoints taken out of service by active health checking.", l);
  m.recoveries =
      registry_.counter("meshgate_upstream_health_check_recoveries_total",
                        "Unhealthy endpoints put back in service by active health checking.", l);
  return m;
}

metrics::SeriesId HealthChecker::healthyGauge(const std::string& cluster,
                                              const std::string& endpoint) {
  return registry_.gauge("meshgate_upstream_endpoint_healthy",
                         "1 when the endpoint passes its active health check, 0 otherwise.",
                         {{"cluster", cluster}, {"endpoint", endpoint}});
}

Duration HealthChecker::jitter(Duration max) {
  if (max <= Duration::zero()) return Duration::zero();
  std::uniform_int_distribution<int64_t> d(0, max.count());
  return Duration(d(rng_));
}

void HealthChecker::update(std::vector<HealthCheckGroup> groups) {
  std::set<EndpointHealth*> covered;
  std::map<std::string, std::unique_ptr<Session>> next;
  for (HealthCheckGroup& g : groups) {
    for (HealthCheckTarget& t : g.targets) {
      const std::string key = g.name + "|" + t.address_text;
      if (next.count(key)) continue;  // the same address listed twice: one session
      for (const auto& r : t.records)
        covered.insert(r.get());
      auto records = std::move(t.records);
      auto it = sessions_.find(key);
      if (it != sessions_.end()) {
        it->second->configure(g.cluster, g.spec, std::move(records));
        next[key] = std::move(it->second);
        sessions_.erase(it);
        continue;
      }
      auto s = std::make_unique<Session>(*this, g.name, std::move(t));
      s->configure(g.cluster, g.spec, std::move(records));
      s->start(jitter(std::min(kMaxInitialJitter, g.spec.interval)));
      MG_LOG(Info) << "health check " << g.name << ": checking " << s->address() << " of "
                   << g.cluster << " (GET " << g.spec.path << " every "
                   << base::formatDuration(g.spec.interval) << ")";
      next[key] = std::move(s);
    }
  }
  // Sessions that end give their records back to service, unless another check covers them.
  for (const auto& [key, s] : sessions_) {
    for (const auto& r : s->records()) {
      if (!covered.count(r.get())) r->healthy.store(true, std::memory_order_relaxed);
    }
  }
  sessions_ = std::move(next);
  publish();
}

void HealthChecker::publish() {
  // A record is in service only when every check that covers it passes (two HealthChecks may
  // cover one endpoint, e.g. one for the service and one for a subset). Runs on changes only.
  std::map<EndpointHealth*, bool> verdicts;
  for (const auto& [key, s] : sessions_) {
    for (const auto& r : s->records()) {
      auto [it, inserted] = verdicts.emplace(r.get(), true);
      it->second = it->second && s->inService();
    }
  }
  for (const auto& [record, in] : verdicts) {
    if (record->healthy.load(std::memory_order_relaxed) != in)
      record->healthy.store(in, std::memory_order_relaxed);
  }
}

bool HealthChecker::warmedUp() const {
  return std::all_of(sessions_.begin(), sessions_.end(),
                     [](const auto& kv) { return kv.second->hadResult(); });
}

std::optional<HealthCheckState::Status> HealthChecker::status(const std::string& name,
                                                              const std::string& address) const {
  auto it = sessions_.find(name + "|" + address);
  if (it == sessions_.end()) return std::nullopt;
  return it->second->status();
}

std::optional<HealthCheckState::Status> HealthChecker::statusOf(
    const EndpointHealth* record) const {
  for (const auto& [key, s] : sessions_) {
    for (const auto& r : s->records()) {
      if (r.get() == record) return s->status();
    }
  }
  return std::nullopt;
}

}  // namespace meshgate::upstream
