// SPDX-License-Identifier: Apache-2.0
// Reading a policy's result as OPA-Envoy does (envoyauth/response.go): a
// boolean, or an object {allowed, headers, response_headers_to_add,
// request_headers_to_remove, http_status, body}. Depends on filters/authz's
// CustomDecision and rego/value.
#pragma once

#include "base/result.h"
#include "filters/authz/custom_authorizer.h"
#include "rego/value/value.h"

namespace meshgate::policy {

/// Turns the value of the decision path into a decision. Undefined, a value of
/// another type, a missing or non-boolean `allowed`, and fields of the wrong
/// type are errors (the caller denies unless failOpen), with OPA-Envoy's
/// messages. Only the fields OPA-Envoy reads for the outcome are checked:
/// allow reads headers, response_headers_to_add and request_headers_to_remove;
/// deny reads headers, http_status and body.
base::Result<filters::authz::CustomDecision> parseDecision(const rego::Value& result);

}  // namespace meshgate::policy
