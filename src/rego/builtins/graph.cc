// SPDX-License-Identifier: Apache-2.0
// Graphs and traversal: walk, graph.reachable, graph.reachable_paths.
#include <deque>

#include "rego/builtins/helpers.h"
#include "rego/builtins/registry.h"

namespace meshgate::rego {
namespace {

void walkInto(const Value& v, std::vector<Value>& path, std::vector<Value>* out) {
  out->push_back(Value::array({Value::array(path), v}));
  switch (v.kind()) {
    case Kind::Array:
      for (size_t i = 0; i < v.items().size(); ++i) {
        path.push_back(intValue(static_cast<int64_t>(i)));
        walkInto(v.items()[i], path, out);
        path.pop_back();
      }
      break;
    case Kind::Set:
      for (const auto& e : v.items()) {
        path.push_back(e);
        walkInto(e, path, out);
        path.pop_back();
      }
      break;
    case Kind::Object:
      for (const auto& e : v.entries()) {
        path.push_back(e.key);
        walkInto(e.value, path, out);
        path.pop_back();
      }
      break;
    default:
      break;
  }
}

// A relation: every [path, value] pair in pre-order.
Value walk(BuiltinContext&, Args a) {
  std::vector<Value> out;
  std::vector<Value> path;
  walkInto(a[0], path, &out);
  return Value::array(std::move(out));
}

template <typename F>
void foreachVertex(const Value& edges, F&& f) {
  if (edges.isArray() || edges.isSet()) {
    for (const auto& v : edges.items())
      f(v);
  }
}

size_t numberOfEdges(const Value& edges) {
  return (edges.isArray() || edges.isSet()) ? edges.items().size() : 0;
}

Value reachable(BuiltinContext& c, Args a) {
  if (!argObject(c, a, 0)) return Value();
  if (!a[1].isArray() && !a[1].isSet()) {
    c.typeError(operandTypeMessage(2, a[1], {"{set, array}"}));
    return Value();
  }
  std::deque<Value> queue(a[1].items().begin(), a[1].items().end());
  std::vector<Value> reached_list;
  SetBuilder reached_b;
  std::vector<Value> reached;
  auto contains = [&](const Value& v) {
    for (const auto& r : reached) {
      if (r == v) return true;
    }
    return false;
  };
  size_t steps = 0;
  while (!queue.empty() && steps < 10000000) {
    ++steps;
    Value node = queue.front();
    queue.pop_front();
    const Value* edges = a[0].get(node);
    if (edges == nullptr) continue;
    foreachVertex(*edges, [&](const Value& n) {
      if (!contains(n)) queue.push_back(n);
    });
    if (!contains(node)) reached.push_back(node);
  }
  return Value::set(std::move(reached));
}

void pathBuilder(const Value& graph, const Value& root, std::vector<Value> path,
                 std::vector<Value>* out, std::vector<Value>& reached, int depth) {
  if (depth > 10000) return;
  const Value* edges = graph.get(root);
  if (edges == nullptr) {
    out->push_back(Value::array(path));
    return;
  }
  path.push_back(root);
  if (numberOfEdges(*edges) == 0) {
    out->push_back(Value::array(path));
    return;
  }
  reached.push_back(root);
  foreachVertex(*edges, [&](const Value& n) {
    bool seen = false;
    for (const auto& r : reached) {
      if (r == n) seen = true;
    }
    if (seen) {
      out->push_back(Value::array(path));
    } else {
      pathBuilder(graph, n, path, out, reached, depth + 1);
    }
  });
}

Value reachablePaths(BuiltinContext& c, Args a) {
  if (!argObject(c, a, 0)) return Value();
  if (!a[1].isArray() && !a[1].isSet()) {
    c.typeError(operandTypeMessage(2, a[1], {"{array, set}"}));
    return Value();
  }
  std::vector<Value> out;
  for (const auto& node : a[1].items()) {
    const Value* edges = a[0].get(node);
    if (edges == nullptr) continue;
    if (numberOfEdges(*edges) >= 1) {
      foreachVertex(*edges, [&](const Value& n) {
        std::vector<Value> reached{node};
        pathBuilder(a[0], n, {node}, &out, reached, 0);
      });
    } else {
      out.push_back(Value::array({node}));
    }
  }
  return Value::set(std::move(out));
}

}  // namespace

void registerGraph(BuiltinRegistry& r) {
  r.add("walk", 1, walk, kRelation);
  r.add("graph.reachable", 2, reachable);
  r.add("graph.reachable_paths", 2, reachablePaths);
}

}  // namespace meshgate::rego
