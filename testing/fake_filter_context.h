// SPDX-License-Identifier: Apache-2.0
// A FilterContext for unit tests: drive a filter's phases directly and check
// its statuses, replies, identity, headers and log fields (as Envoy's
// MockStreamDecoderFilterCallbacks is used). Runs timers on a real EventLoop
// driven by a ManualClock.
#pragma once

#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "event/event_loop.h"
#include "filter_api/filter.h"
#include "metrics/metrics.h"

namespace meshgate::testing {

class FakeFilterContext : public filter_api::FilterContext {
 public:
  FakeFilterContext();

  // Test setup.
  http::RequestHead& head() { return head_; }
  void setResponse(uint16_t status);
  filter_api::StreamInfo& info() { return info_; }
  void setClientAddress(const std::string& ip, uint16_t port = 40000);
  base::ManualClock& manualClock() { return clock_; }
  event::EventLoop& eventLoop() { return loop_; }
  metrics::Registry& registry() { return registry_; }

  // What the filter did.
  const std::optional<filter_api::LocalReply>& reply() const { return reply_; }
  int resumeCount() const { return resumes_; }
  const std::vector<std::pair<std::string, std::string>>& responseHeadersAdded() const {
    return response_headers_;
  }
  const std::string& logFields() const { return log_fields_; }
  size_t bufferRequested() const { return buffer_requested_; }
  base::Buffer& mutableBufferedBody() { return buffered_; }

  // filter_api::FilterContext
  http::RequestHead& requestHead() override { return head_; }
  http::ResponseHead* responseHead() override { return response_ ? &*response_ : nullptr; }
  const filter_api::StreamInfo& stream() const override { return info_; }
  const filter_api::RequestIdentity* identity() const override {
    return identity_ ? &*identity_ : nullptr;
  }
  void setIdentity(filter_api::RequestIdentity identity) override {
    identity_ = std::move(identity);
  }
  void respond(filter_api::LocalReply reply) override { reply_ = std::move(reply); }
  void resume() override { ++resumes_; }
  void bufferRequestBody(size_t max_bytes) override { buffer_requested_ = max_bytes; }
  const base::Buffer& bufferedRequestBody() const override { return buffered_; }
  void addResponseFlags(uint32_t flags) override { response_flags_ |= flags; }
  uint32_t responseFlags() const { return response_flags_; }
  void addResponseHeader(std::string_view name, std::string_view value) override {
    response_headers_.emplace_back(name, value);
  }
  void addAccessLogField(std::string_view key, std::string_view json_value) override;
  event::EventLoop& loop() override { return loop_; }
  metrics::Shard& metrics() override { return shard_; }
  const base::Clock& clock() const override { return clock_; }
  uint64_t random() override { return rng_(); }

 private:
  base::ManualClock clock_;
  event::EventLoop loop_;
  metrics::Registry registry_;
  metrics::Shard shard_;
  std::mt19937_64 rng_{12345};
  http::RequestHead head_;
  std::optional<http::ResponseHead> response_;
  filter_api::StreamInfo info_;
  net::Address client_;
  net::Address local_;
  std::optional<filter_api::RequestIdentity> identity_;
  std::optional<filter_api::LocalReply> reply_;
  int resumes_ = 0;
  size_t buffer_requested_ = 0;
  base::Buffer buffered_;
  std::vector<std::pair<std::string, std::string>> response_headers_;
  std::string log_fields_;
  uint32_t response_flags_ = 0;
};

}  // namespace meshgate::testing
