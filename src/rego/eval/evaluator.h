// SPDX-License-Identifier: Apache-2.0
// Evaluation of compiled plans. An Evaluator belongs to one thread and is
// reused across evaluations; the Plan it runs is shared and immutable.
// Depends on compile/ and builtins/.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "rego/builtins/context.h"
#include "rego/compile/compiler.h"
#include "rego/error.h"
#include "rego/value/value.h"

namespace meshgate::rego {

/// Limits that stop runaway policies with an "eval_budget_error".
struct Budget {
  /// Expressions evaluated (0: unlimited).
  uint64_t max_steps = 0;
  /// Nested rule, function and comprehension evaluations.
  uint32_t max_depth = 256;
  /// Approximate bytes of values created during evaluation (0: unlimited).
  uint64_t max_memory_bytes = 0;
  /// Wall-clock limit (0: none).
  std::chrono::nanoseconds timeout{0};
  /// Native stack the evaluator may use (it recurses).
  size_t max_stack_bytes = 4 << 20;
};

/// Non-deterministic builtin results, recorded on first use and replayed later
/// (OPA's NDBCache): builtin name → {args array → result}.
struct NdCache {
  std::unordered_map<std::string, std::vector<std::pair<Value, Value>>> entries;
  const Value* find(const std::string& name, const Value& args) const;
  void put(const std::string& name, Value args, Value result);
};

struct EvalOptions {
  bool strict_builtin_errors = false;
  Budget budget;
  /// The evaluation's time for time.now_ns (ns since epoch); 0: the real clock.
  int64_t now_ns = 0;
  /// Seed for rand.intn and uuid.rfc4122 (0: random).
  uint64_t seed = 0;
  NdCache* nd_cache = nullptr;
  /// Receives print() output; null discards it.
  std::function<void(std::string_view)> print;
  HttpPolicy http;
  /// net.lookup_ip_addr may resolve names (a blocking DNS lookup). Off by
  /// default: a proxy worker must not block; the CLI turns it on.
  bool allow_dns = false;
  /// The value of opa.runtime() (e.g. {"env": {...}, "version": ...}); Undefined
  /// means an empty object, as OPA without a runtime.
  Value runtime;
};

/// One row of a query's results: values of the query's variables, in the
/// order of CompiledQuery::outputs.
struct QueryRow {
  std::vector<Value> values;
};

struct QueryResult {
  std::vector<std::string> names;
  std::vector<QueryRow> rows;
};

class Machine;

/// Evaluates queries and decision paths against one Plan. Not thread-safe:
/// give each worker thread its own Evaluator (they share the Plan).
class Evaluator {
 public:
  Evaluator();
  ~Evaluator();
  Evaluator(const Evaluator&) = delete;
  Evaluator& operator=(const Evaluator&) = delete;

  /// All solutions of a compiled query. `input` may be Undefined (no input).
  Checked<QueryResult> query(const CompiledQuery& q, const Value& input,
                             const EvalOptions& options);

  /// The value of the document at `path` below data (e.g. {"envoy","authz","allow"}),
  /// or Undefined.
  Checked<Value> evalPath(const Plan& plan, const std::vector<Value>& path, const Value& input,
                          const EvalOptions& options);

 private:
  std::unique_ptr<Machine> m_;
  // The ref evalPath evaluates, rebuilt only when the path changes (callers
  // evaluate one decision path over and over).
  std::vector<Value> path_keys_;
  CTerm path_ref_;
};

}  // namespace meshgate::rego
