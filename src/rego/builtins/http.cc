// SPDX-License-Identifier: Apache-2.0
// http.send: request validation as OPA does it, then an HTTP/1.1 request to
// an allowlisted URL prefix (off by default; see HttpPolicy).
#include <algorithm>
#include <set>

#include "rego/builtins/helpers.h"
#include "rego/builtins/http_client.h"
#include "rego/builtins/registry.h"
#include "rego/value/json.h"

namespace meshgate::rego {
namespace {

const char* kAllowedKeys[] = {"method",
                              "url",
                              "body",
                              "enable_redirect",
                              "force_json_decode",
                              "force_yaml_decode",
                              "headers",
                              "raw_body",
                              "tls_use_system_certs",
                              "tls_ca_cert",
                              "tls_ca_cert_file",
                              "tls_ca_cert_env_variable",
                              "tls_client_cert",
                              "tls_client_cert_file",
                              "tls_client_cert_env_variable",
                              "tls_client_key",
                              "tls_client_key_file",
                              "tls_client_key_env_variable",
                              "tls_insecure_skip_verify",
                              "tls_server_name",
                              "timeout",
                              "cache",
                              "force_cache",
                              "force_cache_duration_seconds",
                              "raise_error",
                              "caching_mode",
                              "max_retry_attempts",
                              "cache_ignored_headers"};

std::string goSet(const std::set<std::string>& keys) {
  std::string out = "{";
  bool first = true;
  for (const auto& k : keys) {
    if (!first) out += ", ";
    first = false;
    out += "\"" + k + "\"";
  }
  return out + "}";
}

}  // namespace

// OPA's validateHTTPRequestOperand: only known keys, method and url present.
bool validateHttpRequest(BuiltinContext& c, const Value& req, size_t pos) {
  std::set<std::string> invalid;
  for (const auto& e : req.entries()) {
    std::string k = e.key.isString() ? std::string(e.key.asString()) : toRegoString(e.key);
    bool ok = std::any_of(std::begin(kAllowedKeys), std::end(kAllowedKeys),
                          [&](const char* x) { return k == x; });
    if (!ok) invalid.insert(k);
  }
  std::string op = "operand " + std::to_string(pos) + " ";
  if (!invalid.empty()) {
    c.typeError(op + "invalid request parameters(s): " + goSet(invalid));
    return false;
  }
  std::set<std::string> missing;
  for (const char* k : {"method", "url"}) {
    if (req.field(k) == nullptr) missing.insert(k);
  }
  if (!missing.empty()) {
    c.typeError(op + "missing required request parameters(s): " + goSet(missing));
    return false;
  }
  return true;
}

namespace {

Value httpSend(BuiltinContext& c, Args a) {
  if (!argObject(c, a, 0)) return Value();
  const Value& req = a[0];
  if (!validateHttpRequest(c, req, 1)) return Value();
  const Value* url = req.field("url");
  const Value* method = req.field("method");
  if (!url->isString() || !method->isString()) {
    c.typeError("invalid request parameters(s): url and method must be strings");
    return Value();
  }
  const HttpPolicy* policy = c.http();
  std::string u(url->asString());
  bool allowed = false;
  if (policy != nullptr) {
    for (const auto& p : policy->allowed_prefixes) {
      if (u.compare(0, p.size(), p) == 0) allowed = true;
    }
  }
  if (!allowed) {
    c.builtinError("network access to " + u +
                   " is not allowed (http.send is disabled unless the URL is allowlisted)");
    return Value();
  }
  HttpRequest hr;
  hr.method = std::string(method->asString());
  for (auto& ch : hr.method)
    ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  hr.url = u;
  if (const Value* h = req.field("headers"); h != nullptr && h->isObject()) {
    for (const auto& e : h->entries()) {
      if (e.key.isString() && e.value.isString())
        hr.headers.emplace_back(e.key.asString(), e.value.asString());
    }
  }
  if (const Value* rb = req.field("raw_body"); rb != nullptr && rb->isString()) {
    hr.body = std::string(rb->asString());
  } else if (const Value* b = req.field("body"); b != nullptr) {
    hr.body = toJson(*b);
    hr.headers.emplace_back("Content-Type", "application/json");
  }
  hr.timeout_ms = policy->timeout_ms;
  hr.max_body_bytes = policy->max_body_bytes;
  HttpResponse resp;
  std::string err;
  bool raise = true;
  if (const Value* re = req.field("raise_error"); re != nullptr && re->isBool())
    raise = re->asBool();
  if (!httpRequest(hr, &resp, &err)) {
    if (raise) {
      c.builtinError(err);
      return Value();
    }
    return Value::object(
        {{strValue("status_code"), intValue(0)},
         {strValue("error"), Value::object({{strValue("message"), strValue(err)}})}});
  }
  std::vector<ObjectEntry> headers;
  for (const auto& [k, v] : resp.headers) {
    std::string lk = k;
    for (auto& ch : lk)
      ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    headers.push_back({strValue(lk), Value::array({strValue(v)})});
  }
  std::vector<ObjectEntry> out = {
      {strValue("status"), strValue(std::to_string(resp.status) + " " + resp.reason)},
      {strValue("status_code"), intValue(resp.status)},
      {strValue("raw_body"), strValue(resp.body)},
      {strValue("headers"), Value::object(std::move(headers))},
  };
  auto body = parseJson(resp.body);
  out.push_back({strValue("body"), body.ok() ? *body : Value::null()});
  return Value::object(std::move(out));
}

}  // namespace

void registerHttp(BuiltinRegistry& r) {
  r.add("http.send", 1, httpSend, kNondeterministic | kNetwork);
}

}  // namespace meshgate::rego
