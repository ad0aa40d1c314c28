// SPDX-License-Identifier: Apache-2.0
// How filters are configured: each filter type registers a FilterConfigFactory
// that, for every route of a new config generation, returns the route's
// FilterFactory (or nothing when the filter does not apply there). The proxy
// sorts the factories by order() into the route's chain. Depends on config,
// metrics, event.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "config/config_set.h"
#include "event/event_loop.h"
#include "filter_api/filter.h"
#include "metrics/metrics.h"

namespace meshgate::filter_api {

/// The chain positions of the built-in filters (lower runs first).
namespace order {
inline constexpr int kAuthn = 100;
inline constexpr int kAuthz = 200;
inline constexpr int kRateLimit = 300;
inline constexpr int kFault = 400;
inline constexpr int kCors = 450;
inline constexpr int kTransform = 500;
}  // namespace order

/// The route a chain is built for.
struct ChainSite {
  const config::ConfigSet* config = nullptr;
  /// The listener's settings (workload labels and namespace for selectors).
  const config::Listener* listener = nullptr;
  std::string_view listener_name;
  /// "ns/name" of the Gateway for gateway listeners, "" for mesh listeners.
  std::string_view gateway;
  const config::VirtualService* virtual_service = nullptr;
  const config::HttpRoute* route = nullptr;
  std::string_view route_name;
};

/// Keyed objects that outlive config generations (a JWKS cache per URI, the
/// token buckets of a rate limit), shared by all workers. Thread-safe.
class SharedState {
 public:
  /// Returns the object stored under `key`, creating it with `make` on first use.
  template <typename T>
  std::shared_ptr<T> getOrCreate(const std::string& key,
                                 const std::function<std::shared_ptr<T>()>& make) {
    std::lock_guard<std::mutex> lock(mu_);
    auto& slot = objects_[key];
    if (!slot) slot = make();
    return std::static_pointer_cast<T>(slot);
  }
  /// Drops objects that no generation uses any more.
  void prune();

 private:
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<void>> objects_;
};

/// What a factory may use while building (on the main thread).
struct BuildServices {
  metrics::Registry* metrics = nullptr;
  SharedState* shared = nullptr;
  /// The main thread's loop, for background work (key fetches, refreshes).
  event::EventLoop* main_loop = nullptr;
  const base::Clock* clock = nullptr;
};

class FilterConfigFactory {
 public:
  virtual ~FilterConfigFactory() = default;
  virtual std::string_view name() const = 0;
  /// Position in the chain (see order::).
  virtual int order() const = 0;
  /// The factory for `site`, nullptr when the filter does not apply to it, or an
  /// error that rejects the whole config generation (it keeps the old one).
  virtual base::Result<std::shared_ptr<const FilterFactory>> build(
      const ChainSite& site, BuildServices& services) const = 0;
};

/// The filter types of this binary, in registration order. Registration happens
/// once at start-up (filters::registerBuiltinFilters()), before any build.
void registerFilter(std::unique_ptr<FilterConfigFactory> factory);
const std::vector<std::unique_ptr<FilterConfigFactory>>& registeredFilters();

}  // namespace meshgate::filter_api
