// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: compile arbitrary policies and evaluate every rule of the
// package under tight budgets. Any outcome is fine except a crash, a hang or
// unbounded memory.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "rego/engine.h"
#include "rego/value/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace meshgate::rego;
  if (size > 16 * 1024) return 0;
  std::string text(reinterpret_cast<const char*>(data), size);
  PolicySet set;
  if (!set.addModule("fuzz.rego", "package fuzz\n" + text).ok()) return 0;
  auto plan = set.compile();
  if (!plan.ok()) return 0;
  static const Value kInput = *parseJson(
      R"({"user": "alice", "roles": ["admin", "dev"], "n": 3, "path": "/a/b", "m": {"k": [1, 2.5, null, true]}})");
  EvalOptions o;
  o.budget.max_steps = 20000;
  o.budget.max_depth = 64;
  o.budget.max_memory_bytes = 8 << 20;
  o.budget.timeout = std::chrono::milliseconds(500);
  o.now_ns = 1700000000000000000;
  o.seed = 1;
  Evaluator ev;
  // The whole package document, then each rule on its own.
  (void)ev.evalPath(**plan, {Value::string("fuzz")}, kInput, o);
  const RuleNode* pkg = (*plan)->root->child(Value::string("fuzz"));
  if (pkg == nullptr) return 0;
  for (const auto& [key, child] : pkg->children) {
    (void)ev.evalPath(**plan, {Value::string("fuzz"), key}, kInput, o);
  }
  return 0;
}
