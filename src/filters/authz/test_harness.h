// SPDX-License-Identifier: Apache-2.0
// Test support for the authz filter (unit tests and the benchmark only): loads
// inline YAML, builds the filter config for one listener the way the proxy
// would, and runs requests through the filter with a FakeFilterContext.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/config_set.h"
#include "filter_api/filter.h"
#include "filters/authz/authz_filter.h"
#include "filters/authz/config.h"
#include "testing/fake_filter_context.h"

namespace meshgate::filters::authz::test {

/// Claims keyed by path ("a" or "a/b" for nested), each with its string values.
class MapClaims final : public filter_api::ClaimsView {
 public:
  explicit MapClaims(std::map<std::string, std::vector<std::string>> claims)
      : claims_(std::move(claims)) {}
  std::vector<std::string> values(const std::vector<std::string>& path) const override;
  std::string json() const override { return "{}"; }

 private:
  std::map<std::string, std::vector<std::string>> claims_;
};

/// A verified-JWT identity with iss, sub, aud, azp and extra claims.
filter_api::RequestIdentity jwtIdentity(const std::string& iss, const std::string& sub,
                                        std::vector<std::string> aud = {},
                                        const std::string& azp = "",
                                        std::map<std::string, std::vector<std::string>> extra = {});

struct Request {
  std::string method = "GET";
  /// The path as the proxy forwards it (StreamInfo::normalized_path).
  std::string path = "/";
  /// Overrides StreamInfo::normalized_path (to feed what the proxy would never pass).
  std::optional<std::string> normalized_path;
  std::string host = "example.com";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string peer = "10.0.0.1";  // source.ip
  std::string client;             // remote.ip; empty: the peer
  std::string local = "10.0.0.100";
  uint16_t port = 8080;
  std::string sni;
  std::optional<filter_api::RequestIdentity> identity;
  /// Body chunks; empty: a request without a body.
  std::vector<std::string> body;
};

struct Outcome {
  filter_api::FilterStatus status = filter_api::FilterStatus::Continue;
  bool allowed = false;  // Continue without a reply
  std::optional<filter_api::LocalReply> reply;
  std::string log;      // the access log fields, "k":v,...
  std::string metrics;  // Prometheus text of this request's registry
  size_t buffer_requested = 0;
  std::vector<std::pair<std::string, std::string>> response_headers;
  std::vector<std::pair<std::string, std::string>> request_headers;  // after the filter

  uint16_t code() const { return reply ? reply->status : 0; }
  /// True when the metric text holds `series` with `value`.
  bool hasMetric(const std::string& series, int value = 1) const;
};

/// A Listener "default/main" (workload labels app=web) plus `yaml`.
class Harness {
 public:
  explicit Harness(const std::string& yaml, const std::string& listener_spec_extra = "",
                   const std::string& listener_name = "main");
  /// Builds the chain of a Gateway listener of Gateway `gateway` ("ns/name") instead.
  void useGateway(const std::string& gateway);

  bool loaded() const { return config_ != nullptr; }
  const std::string& loadError() const { return load_error_; }
  /// Whether the authz filter applies at all (some policy selects the workload).
  bool applies();
  /// The error of building the filter config, "" when it built.
  std::string buildError();
  Outcome run(const Request& request);
  /// Convenience: the status a GET of `path` gets (0 when allowed).
  uint16_t get(const std::string& path);

  const config::ConfigSet& config() const { return *config_; }
  filter_api::ChainSite site() const;

 private:
  std::shared_ptr<const config::ConfigSet> config_;
  std::string load_error_;
  std::string listener_name_;
  std::string gateway_;
  config::Listener gateway_listener_;
};

}  // namespace meshgate::filters::authz::test
