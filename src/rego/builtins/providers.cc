// SPDX-License-Identifier: Apache-2.0
// providers.aws.sign_req: AWS Signature Version 4 over a request object.
#include <algorithm>
#include <map>
#include <set>

#include "rego/builtins/crypto_util.h"
#include "rego/builtins/encoding_util.h"
#include "rego/builtins/helpers.h"
#include "rego/builtins/registry.h"
#include "rego/builtins/timezone.h"
#include "rego/value/json.h"

namespace meshgate::rego {

// Shared with http.send: OPA validates the request object the same way.
bool validateHttpRequest(BuiltinContext& c, const Value& req, size_t pos);

namespace {

std::string goSetOf(const std::set<std::string>& keys) {
  std::string out = "{";
  bool first = true;
  for (const auto& k : keys) {
    if (!first) out += ", ";
    first = false;
    out += "\"" + k + "\"";
  }
  return out + "}";
}

std::string hex(std::string_view bytes) {
  return hexEncode(bytes);
}

// Go's url.URL.EscapedPath for an unescaped path.
std::string escapedPath(const std::string& path) {
  std::string out;
  static const char* kHex = "0123456789ABCDEF";
  for (unsigned char c : path) {
    bool keep = std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/' ||
                c == '$' || c == '&' || c == '+' || c == ',' || c == ':' || c == ';' || c == '=' ||
                c == '@' || c == '%';
    if (keep) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

Value signReq(BuiltinContext& c, Args a) {
  if (!argObject(c, a, 0)) return Value();
  if (!a[1].isObject()) return typeErr(c, 0, a[1], {"object"});
  const Value& req = a[0];
  const Value& cfg = a[1];
  std::set<std::string> missing, invalid;
  for (const char* k : {"aws_service", "aws_access_key", "aws_secret_access_key", "aws_region"}) {
    const Value* v = cfg.field(k);
    if (v == nullptr) {
      missing.insert(k);
    } else if (!v->isString()) {
      invalid.insert(k);
    }
  }
  if (!missing.empty()) {
    c.typeError("operand 2 missing required AWS config parameters(s): " + goSetOf(missing));
    return Value();
  }
  if (!invalid.empty()) {
    c.typeError("operand 2 invalid values for required AWS config parameters(s): " +
                goSetOf(invalid));
    return Value();
  }
  if (!a[2].isNumber()) return typeErr(c, 0, a[2], {"number"});
  int64_t ts;
  // json.Number.Int64: only integer literals (not 1e9) convert.
  if (a[2].numRep() != NumRep::Int || !a[2].toInt64(&ts)) {
    c.typeError("operand 3 could not convert time_ns value into a unix timestamp");
    return Value();
  }
  if (!validateHttpRequest(c, req, 1)) return Value();
  const Value* url_v = req.field("url");
  const Value* method_v = req.field("method");
  Value headers = Value::emptyObject();
  if (const Value* h = req.field("headers")) {
    if (!h->isObject()) return typeErr(c, 0, *h, {"object"});
    headers = *h;
  }
  std::set<std::string> bad;
  if (!url_v->isString()) bad.insert("url");
  if (!method_v->isString()) bad.insert("method");
  if (!bad.empty()) {
    c.typeError("operand 1 invalid values for required request parameters(s): " + goSetOf(bad));
    return Value();
  }
  std::string url(url_v->asString());
  std::string method(method_v->asString());
  // Split the URL: scheme://host/path?query
  std::string rest = url;
  size_t scheme = rest.find("://");
  if (scheme != std::string::npos) rest = rest.substr(scheme + 3);
  size_t slash = rest.find_first_of("/?#");
  std::string host = rest.substr(0, slash);
  std::string path_query = slash == std::string::npos ? "" : rest.substr(slash);
  size_t hash = path_query.find('#');
  if (hash != std::string::npos) path_query.resize(hash);
  size_t q = path_query.find('?');
  std::string path = path_query.substr(0, q);
  std::string raw_query = q == std::string::npos ? "" : path_query.substr(q + 1);

  std::string body;
  if (const Value* rb = req.field("raw_body")) {
    if (rb->isString()) body = std::string(rb->asString());
  } else if (const Value* b = req.field("body")) {
    JsonOptions o;
    o.escape_html = true;
    body = toJson(*b, o);
  }
  bool unsigned_payload = false;
  if (const Value* dps = cfg.field("disable_payload_signing")) {
    if (!dps->isBool()) {
      c.typeError("operand 2 invalid value for 'disable_payload_signing' in AWS config");
      return Value();
    }
    unsigned_payload = dps->asBool();
  }
  std::string service(cfg.field("aws_service")->asString());
  std::string access(cfg.field("aws_access_key")->asString());
  std::string secret(cfg.field("aws_secret_access_key")->asString());
  std::string region(cfg.field("aws_region")->asString());
  std::string token;
  if (const Value* t = cfg.field("aws_session_token"); t != nullptr && t->isString())
    token = std::string(t->asString());

  int64_t sec = ts / 1000000000;
  if (ts % 1000000000 < 0) --sec;
  CivilTime ct = civilFromUnix(sec, 0, *TimeZone::utc());
  std::string date = goFormatTime(ct, "20060102");
  std::string iso = goFormatTime(ct, "20060102T150405Z");
  std::string body_hash = unsigned_payload ? "UNSIGNED-PAYLOAD" : hex(digest("sha256", body));

  std::map<std::string, std::string> aws_headers = {{"host", host}, {"x-amz-date", iso}};
  if (service == "s3" || service == "glacier") aws_headers["x-amz-content-sha256"] = body_hash;
  if (!token.empty()) aws_headers["x-amz-security-token"] = token;
  std::map<std::string, std::string> to_sign = aws_headers;
  for (const auto& e : headers.entries()) {
    std::string k = e.key.isString() ? std::string(e.key.asString()) : "";
    std::string lower = k;
    for (auto& ch : lower)
      ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (lower == "authorization" || lower == "user-agent" || lower == "x-amzn-trace-id") continue;
    to_sign[lower] = e.value.isString() ? std::string(e.value.asString()) : "";
  }
  std::string canonical = method + "\n" + escapedPath(path) + "\n" + raw_query + "\n";
  std::string header_list;
  for (const auto& [k, v] : to_sign) {
    canonical += k + ":" + v + "\n";
    if (!header_list.empty()) header_list += ";";
    header_list += k;
  }
  canonical += "\n" + header_list + "\n" + body_hash;
  std::string scope = date + "/" + region + "/" + service + "/aws4_request";
  std::string to_sign_str =
      "AWS4-HMAC-SHA256\n" + iso + "\n" + scope + "\n" + hex(digest("sha256", canonical));
  std::string key = hmacDigest("sha256", "AWS4" + secret, date);
  key = hmacDigest("sha256", key, region);
  key = hmacDigest("sha256", key, service);
  key = hmacDigest("sha256", key, "aws4_request");
  std::string signature = hex(hmacDigest("sha256", key, to_sign_str));
  std::string auth = "AWS4-HMAC-SHA256 Credential=" + access + "/" + scope +
                     ",SignedHeaders=" + header_list + ",Signature=" + signature;

  ObjectBuilder out_headers;
  for (const auto& e : headers.entries()) {
    if (e.value.isString()) out_headers.put(e.key, e.value);
  }
  out_headers.put(strValue("Authorization"), strValue(auth));
  for (const auto& [k, v] : aws_headers)
    out_headers.put(strValue(k), strValue(v));
  ObjectBuilder out;
  for (const auto& e : req.entries())
    out.put(e.key, e.value);
  out.put(strValue("headers"), out_headers.build());
  return out.build();
}

}  // namespace

void registerProviders(BuiltinRegistry& r) {
  r.add("providers.aws.sign_req", 3, signReq);
}

}  // namespace meshgate::rego
