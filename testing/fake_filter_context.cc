// SPDX-License-Identifier: Apache-2.0
#include "testing/fake_filter_context.h"

#include "base/json_writer.h"

namespace meshgate::testing {

FakeFilterContext::FakeFilterContext() : loop_(clock_), shard_(registry_) {
  client_ = *net::Address::parse("127.0.0.1:40000");
  local_ = *net::Address::parse("127.0.0.1:8080");
  info_.downstream_remote = &client_;
  info_.client = &client_;
  info_.downstream_local = &local_;
  info_.listener = "default/main";
  info_.route = "default/vs/route";
  info_.request_id = "test-request-id";
  info_.workload_namespace = "default";
  info_.normalized_path = "/";
  head_.headers().add("host", "example.com");
}

void FakeFilterContext::setResponse(uint16_t status) {
  response_.emplace();
  response_->setStatus(status);
}

void FakeFilterContext::setClientAddress(const std::string& ip, uint16_t port) {
  client_ = *net::Address::fromIp(ip, port);
}

void FakeFilterContext::addAccessLogField(std::string_view key, std::string_view json_value) {
  if (!log_fields_.empty()) log_fields_ += ',';
  log_fields_ += '"';
  base::appendJsonEscaped(log_fields_, key);
  log_fields_ += "\":";
  log_fields_ += json_value;
}

}  // namespace meshgate::testing
