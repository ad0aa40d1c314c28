// SPDX-License-Identifier: Apache-2.0
#include "rego/engine.h"

namespace meshgate::rego {

PolicySet::PolicySet(EngineOptions options) : options_(options) {}

Checked<bool> PolicySet::addModule(std::string filename, std::string text) {
  ParseOptions po;
  po.version = options_.version;
  auto m = parseModule(std::move(filename), std::move(text), po);
  if (!m.ok()) return m.errors();
  modules_.push_back(std::make_shared<Module>(std::move(m.value())));
  return true;
}

void PolicySet::addParsedModule(std::shared_ptr<const Module> module) {
  modules_.push_back(std::move(module));
}

bool mergeDocuments(const Value& a, const Value& b, Value* out) {
  if (a.isUndefined()) {
    *out = b;
    return true;
  }
  if (!a.isObject() || !b.isObject()) {
    if (a == b) {
      *out = a;
      return true;
    }
    return false;
  }
  ObjectBuilder ob;
  for (const auto& e : a.entries())
    ob.put(e.key, e.value);
  for (const auto& e : b.entries()) {
    const Value* existing = a.get(e.key);
    if (existing == nullptr) {
      ob.put(e.key, e.value);
      continue;
    }
    Value merged;
    if (!mergeDocuments(*existing, e.value, &merged)) return false;
    ob.put(e.key, merged);
  }
  *out = ob.build();
  return true;
}

base::Status PolicySet::addData(const std::vector<std::string>& path, Value value) {
  Value wrapped = std::move(value);
  for (auto it = path.rbegin(); it != path.rend(); ++it) {
    wrapped = Value::object({{Value::string(*it), wrapped}});
  }
  if (!wrapped.isObject()) return base::Error{"data at the root must be an object"};
  Value merged;
  if (!mergeDocuments(data_, wrapped, &merged)) {
    std::string where = "data";
    for (const auto& p : path)
      where += "." + p;
    return base::Error{"merge error: conflicting values for " + where};
  }
  data_ = merged;
  return base::okStatus();
}

Checked<std::shared_ptr<const Plan>> PolicySet::compile() const {
  CompileOptions co;
  co.builtins = options_.builtins;
  auto plan = compilePlan(modules_, data_, co);
  if (!plan.ok()) return plan.errors();
  if (!revision_.empty()) const_cast<Plan*>(plan.value().get())->revision = revision_;
  return plan;
}

base::Result<DecisionPath> DecisionPath::parse(std::string_view text) {
  DecisionPath p;
  std::string_view t = text;
  while (!t.empty() && t.front() == '/')
    t.remove_prefix(1);
  char sep = t.find('/') != std::string_view::npos ? '/' : '.';
  size_t start = 0;
  std::vector<std::string> parts;
  while (start <= t.size()) {
    size_t pos = t.find(sep, start);
    std::string_view part =
        t.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start);
    if (part.empty()) {
      if (pos == std::string_view::npos && start == t.size() && !parts.empty()) break;
      if (t.empty()) break;
      return base::Error{"invalid decision path '" + std::string(text) + "': empty segment"};
    }
    parts.emplace_back(part);
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  if (!parts.empty() && parts[0] == "data" && sep == '.') parts.erase(parts.begin());
  p.text_ = "data";
  for (const auto& s : parts) {
    p.keys_.push_back(Value::string(s));
    p.text_ += "." + s;
  }
  return p;
}

Checked<PreparedQuery> PreparedQuery::prepare(std::shared_ptr<const Plan> plan, std::string query,
                                              const EngineOptions& options,
                                              bool capture_expressions) {
  ParseOptions po;
  po.version = options.version;
  auto q = parseQuery(std::move(query), po);
  if (!q.ok()) return q.errors();
  CompileOptions co;
  co.builtins = options.builtins;
  co.capture_expressions = capture_expressions;
  auto cq = compileQuery(std::move(plan), q.value(), co);
  if (!cq.ok()) return cq.errors();
  PreparedQuery pq;
  pq.compiled_ = cq.value();
  return pq;
}

}  // namespace meshgate::rego
