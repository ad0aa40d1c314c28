// SPDX-License-Identifier: Apache-2.0
// JwksProvider: the key set behind one jwksUri, fetched on the main loop, refreshed every
// refresh interval, retried with exponential backoff after a failure while the last good set
// stays in use, and published to workers atomically. One per URI and settings, shared by
// every route and config generation through filter_api::SharedState.
// Depends on event/, limits/backoff, metrics/, jwt/ and upstream/http_fetcher.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "event/event_loop.h"
#include "filters/jwt_authn/key_source.h"
#include "limits/backoff.h"
#include "metrics/metrics.h"
#include "upstream/http_fetcher.h"

namespace meshgate::filters::jwt_authn {

// The jwksUri client is the generic upstream::HttpFetcher (moved to upstream/, ADR 0900).
using upstream::FetchOptions;
using upstream::FetchResponse;
using upstream::HttpFetcher;
using upstream::HttpUrl;
using upstream::parseHttpUrl;

struct JwksProviderOptions {
  std::string uri;
  HttpUrl url;
  /// Per fetch (RequestAuthentication jwtRules[].timeout, Istio default 5s).
  base::Duration timeout = std::chrono::seconds(5);
  /// Time between successful fetches (istiod's PILOT_JWT_PUB_KEY_REFRESH_INTERVAL default).
  base::Duration refresh_interval = std::chrono::minutes(20);
  /// After a failure, the next attempt comes after 500 ms plus a fully jittered exponential
  /// wait from this backoff (1 s doubling up to 5 min).
  limits::BackoffConfig retry{std::chrono::seconds(1), std::chrono::minutes(5)};
  /// Tests only: trust this PEM bundle instead of the system store.
  std::string ca_file;
};

class JwksProvider final : public KeySource {
 public:
  /// Main thread. Fetching starts with start(). `registry` may be null (no metrics).
  JwksProvider(JwksProviderOptions options, event::EventLoop& main_loop,
               metrics::Registry* registry);
  /// Main thread. Cancels a fetch in progress; must run before the main loop is destroyed.
  ~JwksProvider() override;

  /// Main thread: schedules the first fetch for the next turn of the main loop.
  void start();

  uint64_t version() const override { return version_.load(std::memory_order_acquire); }
  KeysSnapshot snapshot() const override;
  bool notifyWhenSettled(event::EventLoop& loop, std::function<void()> wake) override;

  const JwksProviderOptions& options() const { return options_; }
  /// Fetches completed so far (main thread; for tests).
  uint64_t successfulFetches() const { return ok_count_; }
  uint64_t failedFetches() const { return failed_count_; }

 private:
  void fetchNow();
  void onFetched(base::Result<FetchResponse> result);
  void onSuccess(const std::string& body, std::shared_ptr<const jwt::JwkSet> keys);
  void onFailure(const std::string& why);
  /// Stores `snap`, bumps the version and wakes the waiters.
  void publish(KeysSnapshot snap);

  JwksProviderOptions options_;
  HttpFetcher fetcher_;
  event::Timer timer_;
  limits::ExponentialBackoff backoff_;
  limits::SplitMix64 rng_;
  std::string last_body_;  // of the set in use, to keep its identity when nothing changed
  uint64_t ok_count_ = 0;
  uint64_t failed_count_ = 0;
  metrics::Shard* shard_ = nullptr;
  metrics::SeriesId fetch_ok_;
  metrics::SeriesId fetch_failed_;
  metrics::SeriesId keys_gauge_;
  int64_t keys_reported_ = 0;

  std::atomic<uint64_t> version_{1};
  mutable std::mutex mu_;
  KeysSnapshot snap_;                                                         // guarded by mu_
  std::vector<std::pair<event::EventLoop*, std::function<void()>>> waiters_;  // guarded by mu_
};

}  // namespace meshgate::filters::jwt_authn
