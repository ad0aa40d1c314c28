// SPDX-License-Identifier: Apache-2.0
#include "policy/input_builder.h"

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>

#include "base/small.h"
#include "base/strings.h"
#include "rego/builtins/encoding_util.h"
#include "rego/value/arena.h"
#include "rego/value/json.h"

namespace meshgate::policy {

using rego::ObjectEntry;
using rego::Value;

namespace {

using base::hexDigitValue;

// Go's url.unescape: false on a '%' not followed by two hex digits.
bool goUnescape(std::string_view in, bool plus_is_space, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = hexDigitValue(in[i + 1]);
      int lo = hexDigitValue(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return true;
}

Value str(std::string_view s) {
  return Value::string(s);
}

ObjectEntry entry(std::string_view key, Value v) {
  return ObjectEntry{str(key), std::move(v)};
}

// Builds the request's values in its arena when there is one, else on the heap.
struct Make {
  rego::ValueArena* arena;
  Value str(std::string_view s) const { return arena ? arena->string(s) : Value::string(s); }
  ObjectEntry entry(std::string_view key, Value v) const { return {str(key), std::move(v)}; }
  Value object(std::vector<ObjectEntry> entries) const {
    return arena ? arena->objectSorted(std::move(entries))
                 : Value::objectSorted(std::move(entries));
  }
  Value array(std::vector<Value> items) const {
    return arena ? arena->array(std::move(items)) : Value::array(std::move(items));
  }
  std::vector<ObjectEntry> entries(size_t n) const {
    if (arena) return arena->entriesVector(n);
    std::vector<ObjectEntry> v;
    v.reserve(n);
    return v;
  }
  std::vector<Value> items(size_t n) const {
    if (arena) return arena->itemsVector(n);
    std::vector<Value> v;
    v.reserve(n);
    return v;
  }
};

// Keys longer than a Value's inline string, built once (immortal: never freed,
// no reference counting).
Value immortal(Value v) {
  v.makeImmortal();
  return v;
}

Value buildSocketAddress(const net::Address& a) {
  std::vector<ObjectEntry> sock;
  sock.reserve(2);
  std::string ip = a.ip();
  if (!ip.empty()) sock.push_back(entry("address", str(ip)));
  if (a.port() != 0) sock.push_back(entry("portValue", Value::integer(a.port())));
  // Keys in sorted order: address < portValue.
  return Value::objectSorted(
      {entry("address",
             Value::objectSorted({entry("socketAddress", Value::objectSorted(std::move(sock)))}))});
}

Value socketAddress(const net::Address* a) {
  if (a == nullptr || !a->valid()) return Value::emptyObject();
  // A worker sees the same listener address on every request, and the same
  // peer for every request of a connection: the last few built are reused
  // (values are immutable, so sharing them is safe).
  thread_local base::RecentMemo<net::Address, Value, 4> memo;
  if (const Value* v = memo.find(*a)) return *v;
  return memo.put(*a, buildSocketAddress(*a));
}

// Appends `v` as exactly `digits` decimal digits.
void appendDigits(std::string& out, int64_t v, int digits) {
  char buf[20];
  for (int i = digits - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  out.append(buf, static_cast<size_t>(digits));
}

}  // namespace

void appendProtojsonTimestamp(std::string& out, base::SystemTime t) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  int64_t secs = ns / 1000000000;
  int64_t frac = ns % 1000000000;
  if (frac < 0) {
    frac += 1000000000;
    --secs;
  }
  // Requests of one second share the date part: format it once per thread.
  thread_local int64_t cached_secs = INT64_MIN;
  thread_local char cached[32];
  thread_local size_t cached_len = 0;
  if (secs != cached_secs) {
    std::time_t tt = static_cast<std::time_t>(secs);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    cached_len = std::strftime(cached, sizeof cached, "%Y-%m-%dT%H:%M:%S", &tm);
    cached_secs = secs;
  }
  out.reserve(out.size() + cached_len + 11);
  out.append(cached, cached_len);
  if (frac != 0) {
    out += '.';
    if (frac % 1000000 == 0) {
      appendDigits(out, frac / 1000000, 3);
    } else if (frac % 1000 == 0) {
      appendDigits(out, frac / 1000, 6);
    } else {
      appendDigits(out, frac, 9);
    }
  }
  out += 'Z';
}

std::string protojsonTimestamp(base::SystemTime t) {
  std::string out;
  appendProtojsonTimestamp(out, t);
  return out;
}

base::Result<Value> parsePath(std::string_view path_and_query, rego::ValueArena* arena) {
  const Make make{arena};
  std::string_view path = path_and_query.substr(0, path_and_query.find('?'));
  // Most paths have no escapes: split the path itself rather than a copy.
  std::string decoded;
  std::string_view rest = path;
  if (path.find('%') != std::string_view::npos) {
    if (!goUnescape(path, false, decoded)) {
      return base::Error{"parse \"" + std::string(path_and_query) + "\": invalid URL escape"};
    }
    rest = decoded;
  }
  while (!rest.empty() && rest.front() == '/')
    rest.remove_prefix(1);
  std::vector<Value> segments =
      make.items(1 + static_cast<size_t>(std::count(rest.begin(), rest.end(), '/')));
  for (;;) {
    size_t slash = rest.find('/');
    segments.push_back(make.str(rest.substr(0, slash)));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return make.array(std::move(segments));
}

Value parseQuery(std::string_view query, rego::ValueArena* arena) {
  if (query.empty()) return Value::emptyObject();
  const Make make{arena};
  std::map<std::string, std::vector<Value>> params;
  std::string key;
  std::string value;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query.remove_prefix(amp == std::string_view::npos ? query.size() : amp + 1);
    // Go 1.17+: a part with a semicolon is an error and is skipped.
    if (part.empty() || part.find(';') != std::string_view::npos) continue;
    size_t eq = part.find('=');
    std::string_view k = part.substr(0, eq);
    std::string_view v = eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1);
    if (!goUnescape(k, true, key) || !goUnescape(v, true, value)) continue;
    params[key].push_back(make.str(value));
  }
  std::vector<ObjectEntry> entries = make.entries(params.size());
  for (auto& [k, values] : params)
    entries.push_back(make.entry(k, make.array(std::move(values))));
  return make.object(std::move(entries));
}

base::Result<Value> buildInput(filter_api::FilterContext& ctx, const BodyCapture& body,
                               base::SystemTime now, rego::ValueArena* arena) {
  const http::RequestHead& head = ctx.requestHead();
  const filter_api::StreamInfo& info = ctx.stream();
  const Make make{arena};
  // Scratch kept per thread: building an input allocates nothing of its own
  // once these have grown to the requests' sizes.
  thread_local std::vector<std::pair<std::string_view, std::string_view>> fields;
  thread_local std::string path;
  thread_local std::string joined;
  thread_local std::string time;

  path.assign(head.path());
  if (head.hasQuery()) {
    path += '?';
    path += head.query();
  }
  std::string_view host = head.authority();
  constexpr std::string_view kScheme = "http";

  // Envoy hands ext_authz its header map: lower-case names, the pseudo-headers
  // of the request, and repeated fields joined with ",".
  constexpr std::string_view kPartialBody = "x-envoy-auth-partial-body";
  const bool has_body = body.enabled && (!body.bytes.empty() || body.truncated);
  fields.clear();
  fields.reserve(head.headers().size() + 5);
  for (const http::HeaderField& f : head.headers()) {
    // Envoy drops a client's own partial-body marker.
    if (f.name != kPartialBody) fields.emplace_back(f.name, f.value);
  }
  fields.emplace_back(":authority", host);
  fields.emplace_back(":method", head.methodText());
  fields.emplace_back(":path", path);
  fields.emplace_back(":scheme", kScheme);
  if (has_body) fields.emplace_back(kPartialBody, body.truncated ? "true" : "false");
  // A stable sort by name: repeated fields keep their order.
  // Names mostly differ in their first byte: compare it before calling memcmp.
  base::stableSortSmall(fields.begin(), fields.end(), [](const auto& a, const auto& b) {
    if (!a.first.empty() && !b.first.empty() && a.first[0] != b.first[0]) {
      return static_cast<unsigned char>(a.first[0]) < static_cast<unsigned char>(b.first[0]);
    }
    return a.first < b.first;
  });

  std::vector<ObjectEntry> header_entries = make.entries(fields.size());
  std::string content_type;
  std::string content_length;
  bool has_content_length = false;
  for (size_t i = 0; i < fields.size();) {
    size_t j = i + 1;
    while (j < fields.size() && fields[j].first == fields[i].first)
      ++j;
    std::string_view value = fields[i].second;
    if (j - i > 1) {
      joined.assign(value);
      for (size_t k = i + 1; k < j; ++k) {
        joined += ',';
        joined += fields[k].second;
      }
      value = joined;
    }
    if (fields[i].first == "content-type") content_type.assign(value);
    if (fields[i].first == "content-length") {
      content_length.assign(value);
      has_content_length = true;
    }
    header_entries.push_back(make.entry(fields[i].first, make.str(value)));
    i = j;
  }

  // protojson: fields in any order (objects sort), empty scalars left out.
  std::vector<ObjectEntry> http = make.entries(10);
  if (has_body && !body.pack_as_bytes) http.push_back(entry("body", make.str(body.bytes)));
  http.push_back(entry("headers", make.object(std::move(header_entries))));
  if (!host.empty()) http.push_back(entry("host", make.str(host)));
  if (!info.request_id.empty()) http.push_back(entry("id", make.str(info.request_id)));
  http.push_back(entry("method", make.str(head.methodText())));
  http.push_back(entry("path", make.str(path)));
  http.push_back(entry("protocol", make.str(http::versionText(head.version()))));
  if (has_body && body.pack_as_bytes) {
    http.push_back(entry("raw_body", make.str(rego::base64Encode(body.bytes, rego::B64::Std))));
  }
  http.push_back(entry("scheme", str(kScheme)));
  if (has_body) http.push_back(entry("size", str(std::to_string(body.bytes.size()))));

  // Every object below is built with its keys in sorted order.
  static const Value kMetadataContext = immortal(str("metadataContext"));
  time.clear();
  appendProtojsonTimestamp(time, now);
  std::vector<ObjectEntry> request = make.entries(2);
  request.push_back(entry("http", make.object(std::move(http))));
  request.push_back(entry("time", make.str(time)));
  std::vector<ObjectEntry> attributes = make.entries(4);
  attributes.push_back(entry("destination", socketAddress(info.downstream_local)));
  attributes.push_back(ObjectEntry{kMetadataContext, Value::emptyObject()});
  attributes.push_back(entry("request", make.object(std::move(request))));
  attributes.push_back(entry("source", socketAddress(info.downstream_remote)));

  auto parsed_path = parsePath(path, arena);
  if (!parsed_path.ok()) return std::move(parsed_path).error();

  // OPA-Envoy's getParsedBody: only JSON bodies, only when complete.
  Value parsed_body = Value::null();
  bool truncated_body = false;
  if (content_type.find("application/json") != std::string::npos && body.enabled &&
      !body.pack_as_bytes && !body.bytes.empty()) {
    bool short_body = body.truncated;
    if (has_content_length) {
      char* end = nullptr;
      long long n = std::strtoll(content_length.c_str(), &end, 10);
      if (end == content_length.c_str() || *end != '\0') {
        return base::Error{"strconv.ParseInt: parsing \"" + content_length + "\": invalid syntax"};
      }
      if (n != -1 && n > static_cast<long long>(body.bytes.size())) short_body = true;
    }
    if (short_body) {
      truncated_body = true;
    } else {
      auto parsed = rego::parseJson(body.bytes);
      if (!parsed.ok()) return base::Error{"request body: " + parsed.error().message};
      parsed_body = std::move(*parsed);
    }
  }

  static const Value kVersion = immortal(
      Value::objectSorted({entry("encoding", str("protojson")), entry("ext_authz", str("v3"))}));
  std::vector<ObjectEntry> root = make.entries(6);
  root.push_back(entry("attributes", make.object(std::move(attributes))));
  root.push_back(entry("parsed_body", std::move(parsed_body)));
  root.push_back(entry("parsed_path", std::move(*parsed_path)));
  root.push_back(entry("parsed_query",
                       parseQuery(head.hasQuery() ? head.query() : std::string_view(), arena)));
  root.push_back(entry("truncated_body", Value::boolean(truncated_body)));
  root.push_back(entry("version", kVersion));
  return make.object(std::move(root));
}

}  // namespace meshgate::policy
