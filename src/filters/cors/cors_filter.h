// SPDX-License-Identifier: Apache-2.0
// CORS (VirtualService `corsPolicy`), with Envoy's semantics: preflight requests
// from an allowed origin are answered here; actual requests from an allowed
// origin get the Access-Control-* response headers. Depends on filter_api, config.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/networking.h"
#include "filter_api/filter.h"
#include "metrics/metrics.h"

namespace meshgate::filters::cors {

struct CorsConfig {
  std::vector<config::StringMatch> allow_origins;
  std::string allow_methods;  // joined with ","
  std::string allow_headers;
  std::string expose_headers;
  std::string max_age;  // seconds, "" when unset
  bool allow_credentials = false;
  /// Istio unmatchedPreflights: FORWARD (default) passes a preflight from an
  /// origin that is not allowed to the upstream; IGNORE answers it without CORS headers.
  bool forward_unmatched_preflights = true;
  metrics::SeriesId preflights;
  metrics::SeriesId denied_origins;

  bool originAllowed(std::string_view origin) const;
};

class CorsFilter final : public filter_api::Filter {
 public:
  explicit CorsFilter(std::shared_ptr<const CorsConfig> config) : config_(std::move(config)) {}

  filter_api::FilterStatus onRequestHeaders(filter_api::FilterContext& ctx,
                                            bool end_stream) override;
  filter_api::FilterStatus onResponseHeaders(filter_api::FilterContext& ctx,
                                             bool end_stream) override;

 private:
  std::shared_ptr<const CorsConfig> config_;
  std::string origin_;  // the allowed origin of this request, "" otherwise
};

void registerCorsFilter();

}  // namespace meshgate::filters::cors
