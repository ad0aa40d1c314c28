// SPDX-License-Identifier: Apache-2.0
#include "policy/decision.h"

#include <string>
#include <utility>
#include <vector>

namespace meshgate::policy {

using filters::authz::CustomDecision;
using rego::Kind;
using rego::Value;

namespace {

// Go's %T of the value OPA-Envoy sees after JSON decoding.
std::string goType(const Value& v) {
  switch (v.kind()) {
    case Kind::Undefined:
    case Kind::Null:
      return "<nil>";
    case Kind::Bool:
      return "bool";
    case Kind::Number:
      return "json.Number";
    case Kind::String:
      return "string";
    case Kind::Array:
    case Kind::Set:
      return "[]interface {}";
    case Kind::Object:
      return "map[string]interface {}";
  }
  return "<nil>";
}

using Headers = std::vector<std::pair<std::string, std::string>>;

base::Status addHeaderObject(const Value& object, Headers* out) {
  for (const rego::ObjectEntry& e : object.entries()) {
    if (!e.key.isString()) return base::Error{"type assertion error for header key"};
    std::string key(e.key.asString());
    if (e.value.isString()) {
      out->emplace_back(key, std::string(e.value.asString()));
    } else if (e.value.isArray() || e.value.isSet()) {
      for (const Value& v : e.value.items()) {
        if (!v.isString()) {
          return base::Error{"invalid value type " + goType(v) + " for header '" + key + "'"};
        }
        out->emplace_back(key, std::string(v.asString()));
      }
    } else {
      return base::Error{"type assertion error for header '" + key + "'"};
    }
  }
  return base::okStatus();
}

// OPA-Envoy's transformAnyInputToHeadersBag: an object, or an array of objects.
base::Status readHeaders(const Value& decision, std::string_view field, Headers* out) {
  const Value* v = decision.field(field);
  if (v == nullptr) return base::okStatus();
  if (v->isObject()) return addHeaderObject(*v, out);
  if (v->isArray() || v->isSet()) {
    for (const Value& item : v->items()) {
      if (!item.isObject()) {
        return base::Error{
            "type assertion error, expected headers to be of type 'object' but got '" +
            goType(item) + "'"};
      }
      MG_RETURN_IF_ERROR(addHeaderObject(item, out));
    }
    return base::okStatus();
  }
  return base::Error{"type assertion error, expected headers to be of type 'object' but got '" +
                     goType(*v) + "'"};
}

base::Status readStrings(const Value& decision, std::string_view field,
                         std::vector<std::string>* out) {
  const Value* v = decision.field(field);
  if (v == nullptr) return base::okStatus();
  if (!v->isArray() && !v->isSet()) {
    return base::Error{"type assertion error, expected " + std::string(field) +
                       " to be of type '[]string' but got '" + goType(*v) + "'"};
  }
  for (const Value& item : v->items()) {
    if (!item.isString()) {
      return base::Error{"type assertion error, expected " + std::string(field) +
                         " value to be of type 'string' but got '" + goType(item) + "'"};
    }
    out->emplace_back(item.asString());
  }
  return base::okStatus();
}

// Go's net/http.StatusText is non-empty for these, and Envoy's StatusCode enum
// has them all except the 1xx informational codes OPA-Envoy then rejects.
bool knownStatus(int64_t code) {
  static constexpr int kCodes[] = {
      200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 307, 308, 400,
      401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 421, 422,
      423, 424, 426, 428, 429, 431, 500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511};
  for (int c : kCodes) {
    if (c == code) return true;
  }
  return false;
}

}  // namespace

base::Result<CustomDecision> parseDecision(const Value& result) {
  CustomDecision d;
  if (result.isUndefined()) return base::Error{"undefined decision"};
  if (result.isBool()) {
    d.result = result.asBool() ? CustomDecision::Result::Allow : CustomDecision::Result::Deny;
    return d;
  }
  if (!result.isObject()) {
    return base::Error{"illegal value for policy evaluation result: " + goType(result)};
  }
  const Value* allowed = result.field("allowed");
  if (allowed == nullptr) {
    return base::Error{"unable to determine evaluation result due to missing \"allowed\" key"};
  }
  if (!allowed->isBool()) {
    return base::Error{"type assertion error, expected allowed to be of type 'boolean' but got '" +
                       goType(*allowed) + "'"};
  }
  if (allowed->asBool()) {
    d.result = CustomDecision::Result::Allow;
    MG_RETURN_IF_ERROR(readHeaders(result, "headers", &d.request_headers));
    MG_RETURN_IF_ERROR(readHeaders(result, "response_headers_to_add", &d.response_headers));
    MG_RETURN_IF_ERROR(
        readStrings(result, "request_headers_to_remove", &d.request_headers_to_remove));
    return d;
  }
  d.result = CustomDecision::Result::Deny;
  MG_RETURN_IF_ERROR(readHeaders(result, "headers", &d.response_headers));
  if (const Value* status = result.field("http_status")) {
    if (!status->isNumber()) {
      return base::Error{
          "type assertion error, expected http_status to be of type 'number' but got '" +
          goType(*status) + "'"};
    }
    int64_t code = 0;
    if (!status->toInt64(&code)) {
      return base::Error{"error converting JSON number to int: invalid http_status"};
    }
    if (!knownStatus(code)) return base::Error{"invalid HTTP status code " + std::to_string(code)};
    d.status = static_cast<uint16_t>(code);
  }
  if (const Value* body = result.field("body")) {
    if (!body->isString()) {
      return base::Error{"type assertion error, expected body to be of type 'string' but got '" +
                         goType(*body) + "'"};
    }
    d.body = std::string(body->asString());
  }
  return d;
}

}  // namespace meshgate::policy
