// SPDX-License-Identifier: Apache-2.0
// Fuzzes the OPA-Envoy path and query parsers (Go url.Parse / ParseQuery
// semantics) and the reading of policy results: the first byte picks the
// target, the rest is a path?query or a JSON result.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "policy/decision.h"
#include "policy/input_builder.h"
#include "rego/value/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace meshgate;
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] % 2 == 0) {
    auto path = policy::parsePath(text);
    if (path.ok() && !path->isArray()) __builtin_trap();
    size_t q = text.find('?');
    rego::Value query =
        policy::parseQuery(q == std::string_view::npos ? std::string_view() : text.substr(q + 1));
    if (!query.isObject()) __builtin_trap();
    for (const rego::ObjectEntry& e : query.entries()) {
      if (!e.value.isArray() || e.value.size() == 0) __builtin_trap();
    }
  } else {
    auto value = rego::parseJson(text);
    if (!value.ok()) return 0;
    auto decision = policy::parseDecision(*value);
    if (decision.ok() && decision->result == filters::authz::CustomDecision::Result::Error)
      __builtin_trap();
  }
  return 0;
}
