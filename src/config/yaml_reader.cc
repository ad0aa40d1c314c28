// SPDX-License-Identifier: Apache-2.0
#include "config/yaml_reader.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "base/strings.h"

namespace meshgate::config {

SourcePos DocContext::pos(const YAML::Mark& mark) const {
  SourcePos p;
  p.file = file_;
  if (mark.line < 0) {
    p.line = line_offset_ + 1;
    p.column = 1;
    return p;
  }
  p.line = static_cast<uint32_t>(mark.line) + 1 + line_offset_;
  p.column = static_cast<uint32_t>(mark.column) + 1;
  return p;
}

SourcePos DocContext::pos(const YAML::Node& node) const {
  return pos(node.Mark());
}

bool DocContext::spend(const YAML::Node& at, size_t n) {
  if (exhausted_) return false;
  if (budget_ >= n) {
    budget_ -= n;
    return true;
  }
  exhausted_ = true;
  error(at, "document too large or too deeply aliased: more than 200000 YAML nodes");
  return false;
}

namespace {

bool isDigits(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool isCoreInteger(std::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  if (isDigits(s)) return true;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) return true;
  return false;
}

bool isCoreFloat(std::string_view s) {
  if (s == ".inf" || s == ".Inf" || s == ".INF" || s == "-.inf" || s == "+.inf" || s == ".nan" ||
      s == ".NaN" || s == ".NAN")
    return true;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  size_t i = 0;
  size_t digits = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9')
    ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9')
      ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    size_t exp_start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9')
      ++i;
    if (i == exp_start) return false;
  }
  return i == s.size();
}

bool isCoreBool(std::string_view s) {
  return s == "true" || s == "True" || s == "TRUE" || s == "false" || s == "False" || s == "FALSE";
}

// YAML 1.1 booleans that Kubernetes (go-yaml v2) also reads as booleans.
bool isYaml11Bool(std::string_view s) {
  static constexpr std::string_view kWords[] = {"yes", "Yes", "YES", "no",  "No", "NO", "on", "On",
                                                "ON",  "off", "Off", "OFF", "y",  "Y",  "n",  "N"};
  return std::find(std::begin(kWords), std::end(kWords), s) != std::end(kWords);
}

std::string quote(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

}  // namespace

ScalarKind scalarKind(const YAML::Node& node) {
  if (node.IsNull()) return ScalarKind::Null;
  if (!node.IsScalar()) return ScalarKind::String;
  const std::string& tag = node.Tag();
  if (tag == "!" || tag == "tag:yaml.org,2002:str") return ScalarKind::String;
  if (tag == "tag:yaml.org,2002:int") return ScalarKind::Integer;
  if (tag == "tag:yaml.org,2002:float") return ScalarKind::Float;
  if (tag == "tag:yaml.org,2002:bool") return ScalarKind::Bool;
  const std::string& s = node.Scalar();
  if (s == "~" || s == "null" || s == "Null" || s == "NULL") return ScalarKind::Null;
  if (isCoreBool(s)) return ScalarKind::Bool;
  if (isCoreInteger(s)) return ScalarKind::Integer;
  if (isCoreFloat(s)) return ScalarKind::Float;
  return ScalarKind::String;
}

std::string describeNode(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return "null";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Scalar:
      break;
  }
  switch (scalarKind(node)) {
    case ScalarKind::String:
      return "a string";
    case ScalarKind::Integer:
    case ScalarKind::Float:
      return "a number";
    case ScalarKind::Bool:
      return "a boolean";
    case ScalarKind::Null:
      return "null";
  }
  return "a value";
}

size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t sub =
          prev[j - 1] + (base::asciiLower(a[i - 1]) == base::asciiLower(b[j - 1]) ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::optional<std::string> readString(DocContext& ctx, const YAML::Node& node,
                                      std::string_view what) {
  if (!node.IsScalar()) {
    ctx.error(node, std::string(what) + ": expected a string, got " + describeNode(node));
    return std::nullopt;
  }
  const ScalarKind k = scalarKind(node);
  if (k != ScalarKind::String) {
    ctx.error(node, std::string(what) + ": expected a string, got " + describeNode(node) +
                        " (quote it: \"" + node.Scalar() + "\")");
    return std::nullopt;
  }
  return node.Scalar();
}

std::optional<int64_t> readInteger(DocContext& ctx, const YAML::Node& node, std::string_view what,
                                   int64_t min, int64_t max) {
  const std::string w(what);
  if (!node.IsScalar() || scalarKind(node) != ScalarKind::Integer) {
    ctx.error(node, w + ": expected an integer, got " + describeNode(node) +
                        (node.IsScalar() ? " " + quote(node.Scalar()) : ""));
    return std::nullopt;
  }
  std::string_view s = node.Scalar();
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  std::optional<uint64_t> magnitude;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) {
    const int radix = s[1] == 'x' ? 16 : 8;
    uint64_t v = 0;
    bool ok = true;
    for (char c : s.substr(2)) {
      const int d = base::hexDigitValue(c);
      if (d < 0 || d >= radix ||
          v > (std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(d)) /
                  static_cast<uint64_t>(radix)) {
        ok = false;
        break;
      }
      v = v * static_cast<uint64_t>(radix) + static_cast<uint64_t>(d);
    }
    if (ok) magnitude = v;
  } else {
    magnitude = base::parseUint64(s);
  }
  if (!magnitude || *magnitude > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    ctx.error(node, w + ": integer " + quote(node.Scalar()) + " is out of range");
    return std::nullopt;
  }
  const int64_t v = negative ? -static_cast<int64_t>(*magnitude) : static_cast<int64_t>(*magnitude);
  if (v < min || v > max) {
    ctx.error(node, w + ": " + std::to_string(v) + " is out of range [" + std::to_string(min) +
                        ", " + std::to_string(max) + "]");
    return std::nullopt;
  }
  return v;
}

std::optional<bool> readBool(DocContext& ctx, const YAML::Node& node, std::string_view what) {
  if (node.IsScalar() && scalarKind(node) == ScalarKind::Bool) {
    return base::toLower(node.Scalar()) == "true";
  }
  std::string hint;
  if (node.IsScalar() && isYaml11Bool(node.Scalar())) hint = " (write true or false)";
  ctx.error(node, std::string(what) + ": expected a boolean (true or false), got " +
                      describeNode(node) + (node.IsScalar() ? " " + quote(node.Scalar()) : "") +
                      hint);
  return std::nullopt;
}

std::optional<Duration> readDuration(DocContext& ctx, const YAML::Node& node, std::string_view what,
                                     Duration min, bool ms_precision) {
  const std::string w(what);
  if (!node.IsScalar() || (scalarKind(node) != ScalarKind::String &&
                           !(scalarKind(node) == ScalarKind::Integer && node.Scalar() == "0"))) {
    ctx.error(node, w + ": expected a duration such as \"1.5s\" or \"100ms\", got " +
                        describeNode(node) + (node.IsScalar() ? " " + quote(node.Scalar()) : ""));
    return std::nullopt;
  }
  auto d = base::parseDuration(node.Scalar());
  if (!d) {
    ctx.error(node, w + ": invalid duration " + quote(node.Scalar()) +
                        " (use a number with a unit: ns, us, ms, s, m, h, e.g. \"250ms\")");
    return std::nullopt;
  }
  if (ms_precision && d->count() % 1'000'000 != 0) {
    ctx.error(node, w + ": duration " + quote(node.Scalar()) +
                        " is finer than a millisecond (only millisecond precision is supported)");
    return std::nullopt;
  }
  if (*d < min) {
    ctx.error(node, w + ": duration " + quote(node.Scalar()) + " must be at least " +
                        base::formatDuration(min));
    return std::nullopt;
  }
  return d;
}

// ------------------------------------------------------------------ MapReader

MapReader::MapReader(DocContext& ctx, const YAML::Node& node, std::string type_name)
    : ctx_(ctx), node_(node), type_name_(std::move(type_name)) {
  if (!node.IsMap()) {
    ctx_.error(node, type_name_ + ": expected a map, got " + describeNode(node));
    return;
  }
  if (!ctx_.spend(node, node.size() + 1)) return;
  valid_ = true;
  entries_.reserve(node.size());
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node k = it->first;
    if (!k.IsScalar()) {
      ctx_.error(k, type_name_ + ": field names must be strings, got " + describeNode(k));
      continue;
    }
    const std::string& name = k.Scalar();
    if (find(name) != nullptr) {
      ctx_.error(k, type_name_ + ": duplicate field " + quote(name));
      continue;
    }
    entries_.push_back({name, k, it->second, false});
  }
}

MapReader::Entry* MapReader::find(std::string_view key) {
  for (Entry& e : entries_)
    if (e.key == key) return &e;
  return nullptr;
}

const MapReader::Entry* MapReader::find(std::string_view key) const {
  for (const Entry& e : entries_)
    if (e.key == key) return &e;
  return nullptr;
}

bool MapReader::has(std::string_view key) const {
  const Entry* e = find(key);
  return e != nullptr && !e->value.IsNull();
}

SourcePos MapReader::keyPos(std::string_view key) const {
  const Entry* e = find(key);
  return e ? ctx_.pos(e->key_node) : ctx_.pos(node_);
}

void MapReader::note(std::string_view key) {
  for (const std::string& k : known_keys_)
    if (k == key) return;
  known_keys_.emplace_back(key);
}

std::optional<YAML::Node> MapReader::get(std::string_view key) {
  note(key);
  Entry* e = find(key);
  if (e == nullptr) return std::nullopt;
  e->consumed = true;
  if (e->value.IsNull()) return std::nullopt;
  return e->value;
}

std::optional<std::string> MapReader::string(std::string_view key) {
  auto n = get(key);
  if (!n) return std::nullopt;
  return readString(ctx_, *n, key);
}

std::optional<bool> MapReader::boolean(std::string_view key) {
  auto n = get(key);
  if (!n) return std::nullopt;
  return readBool(ctx_, *n, key);
}

std::optional<int64_t> MapReader::integer(std::string_view key, int64_t min, int64_t max) {
  auto n = get(key);
  if (!n) return std::nullopt;
  return readInteger(ctx_, *n, key, min, max);
}

std::optional<uint16_t> MapReader::port(std::string_view key, bool allow_zero) {
  auto n = get(key);
  if (!n) return std::nullopt;
  auto v = readInteger(ctx_, *n, key, allow_zero ? 0 : 1, 65535);
  if (!v) return std::nullopt;
  return static_cast<uint16_t>(*v);
}

std::optional<double> MapReader::number(std::string_view key, double min, double max) {
  auto n = get(key);
  if (!n) return std::nullopt;
  const ScalarKind k = scalarKind(*n);
  if (!n->IsScalar() || (k != ScalarKind::Integer && k != ScalarKind::Float)) {
    ctx_.error(*n, std::string(key) + ": expected a number, got " + describeNode(*n));
    return std::nullopt;
  }
  double v = 0;
  try {
    v = n->as<double>();
  } catch (const YAML::Exception&) {
    ctx_.error(*n, std::string(key) + ": invalid number " + quote(n->Scalar()));
    return std::nullopt;
  }
  if (!std::isfinite(v) || v < min || v > max) {
    char buf[64];
    std::snprintf(buf, sizeof buf, ": %s is out of range [%g, %g]", n->Scalar().c_str(), min, max);
    ctx_.error(*n, std::string(key) + buf);
    return std::nullopt;
  }
  return v;
}

std::optional<Duration> MapReader::duration(std::string_view key, Duration min, bool ms_precision) {
  auto n = get(key);
  if (!n) return std::nullopt;
  return readDuration(ctx_, *n, key, min, ms_precision);
}

std::optional<size_t> MapReader::enumeration(std::string_view key,
                                             std::initializer_list<std::string_view> values) {
  auto n = get(key);
  if (!n) return std::nullopt;
  auto s = readString(ctx_, *n, key);
  if (!s) return std::nullopt;
  size_t i = 0;
  for (std::string_view v : values) {
    if (*s == v) return i;
    ++i;
  }
  std::string expected;
  for (std::string_view v : values) {
    if (!expected.empty()) expected += ", ";
    expected += v;
  }
  ctx_.error(*n, std::string(key) + ": unknown value " + quote(*s) + " (expected one of " +
                     expected + ")");
  return std::nullopt;
}

bool MapReader::list(std::string_view key,
                     const std::function<void(const YAML::Node&, size_t)>& fn) {
  auto n = get(key);
  if (!n) return true;
  if (!n->IsSequence()) {
    ctx_.error(*n, std::string(key) + ": expected a list, got " + describeNode(*n));
    return false;
  }
  if (!ctx_.spend(*n, n->size())) return false;
  for (size_t i = 0; i < n->size(); ++i)
    fn((*n)[i], i);
  return true;
}

std::optional<std::vector<std::string>> MapReader::stringList(std::string_view key) {
  auto n = get(key);
  if (!n) return std::nullopt;
  if (!n->IsSequence()) {
    ctx_.error(*n, std::string(key) + ": expected a list of strings, got " + describeNode(*n));
    return std::nullopt;
  }
  if (!ctx_.spend(*n, n->size())) return std::nullopt;
  std::vector<std::string> out;
  bool ok = true;
  for (size_t i = 0; i < n->size(); ++i) {
    auto s = readString(ctx_, (*n)[i], std::string(key) + "[" + std::to_string(i) + "]");
    if (s)
      out.push_back(std::move(*s));
    else
      ok = false;
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<Labels> MapReader::stringMap(std::string_view key) {
  auto n = get(key);
  if (!n) return std::nullopt;
  if (!n->IsMap()) {
    ctx_.error(*n, std::string(key) + ": expected a map of strings, got " + describeNode(*n));
    return std::nullopt;
  }
  if (!ctx_.spend(*n, n->size())) return std::nullopt;
  Labels out;
  bool ok = true;
  for (auto it = n->begin(); it != n->end(); ++it) {
    auto k = readString(ctx_, it->first, std::string(key) + " key");
    if (!k) {
      ok = false;
      continue;
    }
    if (out.count(*k)) {
      ctx_.error(it->first, std::string(key) + ": duplicate key " + quote(*k));
      ok = false;
      continue;
    }
    auto v = readString(ctx_, it->second, std::string(key) + "." + *k);
    if (!v) {
      ok = false;
      continue;
    }
    out.emplace(std::move(*k), std::move(*v));
  }
  if (!ok) return std::nullopt;
  return out;
}

void MapReader::unsupported(std::string_view key, std::string_view detail) {
  note(key);
  Entry* e = find(key);
  if (e == nullptr) return;
  e->consumed = true;
  ctx_.error(e->key_node, type_name_ + "." + std::string(key) +
                              " is not supported by meshgate yet" + std::string(detail));
}

void MapReader::ignore(std::string_view key) {
  note(key);
  Entry* e = find(key);
  if (e) e->consumed = true;
}

std::optional<size_t> MapReader::oneOf(std::initializer_list<std::string_view> keys,
                                       bool required) {
  std::optional<size_t> found;
  size_t i = 0;
  std::string names;
  for (std::string_view k : keys) {
    if (!names.empty()) names += ", ";
    names += k;
  }
  for (std::string_view k : keys) {
    note(k);
    if (has(k)) {
      if (found) {
        ctx_.error(keyPos(k), type_name_ + ": only one of " + names + " may be set (" +
                                  quote(*(keys.begin() + static_cast<long>(*found))) + " and " +
                                  quote(k) + " are both set)");
        return std::nullopt;
      }
      found = i;
    }
    ++i;
  }
  if (!found && required && valid_) {
    ctx_.error(pos(), type_name_ + ": one of " + names + " is required");
  }
  return found;
}

void MapReader::finish() {
  if (finished_) return;
  finished_ = true;
  for (const Entry& e : entries_) {
    if (e.consumed) continue;
    std::string msg = "unknown field " + quote(e.key) + " in " + type_name_;
    // Suggest the closest consumed-or-known key we saw queried. The known set is
    // the keys that were asked for, which every parser asks for in full.
    std::string best;
    size_t best_d = 3;
    for (const std::string& known : known_keys_) {
      const size_t d = editDistance(e.key, known);
      if (d < best_d) {
        best_d = d;
        best = known;
      }
    }
    if (!best.empty()) msg += " (did you mean " + quote(best) + "?)";
    ctx_.error(e.key_node, msg);
  }
}

}  // namespace meshgate::config
