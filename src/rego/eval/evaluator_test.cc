// SPDX-License-Identifier: Apache-2.0
// Evaluation semantics, table-driven: modules + query + input → the result
// rows as JSON, or an error code. Plus budgets and `with`.
#include "rego/eval/evaluator.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "rego/builtins/encoding_util.h"
#include "rego/engine.h"
#include "rego/value/arena.h"
#include "rego/value/json.h"

namespace meshgate::rego {
namespace {

struct EvalCase {
  const char* name;
  const char* module;
  const char* query;
  const char* input;  // JSON or null
  const char* want;   // JSON of [{var: value}] rows, or null when an error is expected
  const char* error_code;
};

std::string runCase(const EvalCase& c, std::string* error_code) {
  PolicySet set;
  auto added = set.addModule("t.rego", c.module);
  if (!added.ok()) return "parse error: " + describeErrors(added.errors());
  auto plan = set.compile();
  if (!plan.ok()) return "compile error: " + describeErrors(plan.errors());
  auto q = PreparedQuery::prepare(plan.value(), c.query);
  if (!q.ok()) return "query error: " + describeErrors(q.errors());
  Value input;
  if (c.input != nullptr) input = *parseJson(c.input);
  EvalOptions o;
  o.strict_builtin_errors = true;
  Evaluator ev;
  auto r = ev.query(q->compiled(), input, o);
  if (!r.ok()) {
    *error_code = r.errors()[0].code;
    return "";
  }
  std::vector<Value> rows;
  for (const auto& row : r->rows) {
    std::vector<ObjectEntry> es;
    for (size_t i = 0; i < row.values.size(); ++i)
      es.push_back({Value::string(r->names[i]), row.values[i]});
    rows.push_back(Value::object(std::move(es)));
  }
  return toJson(Value::set(std::move(rows)));
}

class EvalCases : public ::testing::TestWithParam<EvalCase> {};

TEST_P(EvalCases, Evaluate) {
  const EvalCase& c = GetParam();
  std::string code;
  std::string got = runCase(c, &code);
  if (c.want != nullptr) {
    Value want = *parseJson(c.want);
    std::vector<Value> rows = want.items();
    EXPECT_EQ(got, toJson(Value::set(rows))) << c.name;
  } else {
    EXPECT_EQ(code, c.error_code) << c.name << " got " << got;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Rego, EvalCases,
    ::testing::Values(
        EvalCase{"undefined_vs_false", "package t\np := false\nq if false\n",
                 "x = data.t.p; not data.t.q", nullptr, R"([{"x": false}])", nullptr},
        EvalCase{"default_rule", "package t\ndefault allow := false\nallow if input.ok\n",
                 "x = data.t.allow", R"({"ok": false})", R"([{"x": false}])", nullptr},
        EvalCase{"partial_set", "package t\ns contains x if some x in input\n", "x = data.t.s",
                 "[3,1,3]", R"([{"x": [1, 3]}])", nullptr},
        EvalCase{"partial_object", "package t\no[k] := v if some k, v in input\n", "x = data.t.o.b",
                 R"({"a":1,"b":2})", R"([{"x": 2}])", nullptr},
        EvalCase{"else_chain",
                 "package t\nf(x) := \"neg\" if x < 0 else := \"zero\" if x == 0 else := \"pos\"\n",
                 "a = data.t.f(-1); b = data.t.f(0); c = data.t.f(5)", nullptr,
                 R"([{"a": "neg", "b": "zero", "c": "pos"}])", nullptr},
        EvalCase{"unification", "package t\np if { [a, 1] = [2, b]; a == 2; b == 1 }\n",
                 "x = data.t.p", nullptr, R"([{"x": true}])", nullptr},
        EvalCase{"reordered_for_safety", "package t\np := y if { y = x + 1; x = 2 }\n",
                 "v = data.t.p", nullptr, R"([{"v": 3}])", nullptr},
        EvalCase{"every", "package t\np if every x in input { x > 0 }\n", "v = data.t.p", "[1,2]",
                 R"([{"v": true}])", nullptr},
        EvalCase{"every_false", "package t\np if every x in input { x > 1 }\n", "v = data.t.p",
                 "[1,2]", "[]", nullptr},
        EvalCase{"with_input_and_data", "package t\np := input.a + data.t.k\nk := 1\n",
                 "v = data.t.p with input.a as 10 with data.t.k as 5", nullptr, R"([{"v": 15}])",
                 nullptr},
        EvalCase{"with_function_mock", "package t\np := count([1, 2, 3])\nf(_) := 42\n",
                 "v = data.t.p with count as data.t.f", nullptr, R"([{"v": 42}])", nullptr},
        EvalCase{"iteration", "package t\n", "x = [1,2,3][i]; x > 1", nullptr,
                 R"([{"i": 1, "x": 2}, {"i": 2, "x": 3}])", nullptr},
        EvalCase{"complete_conflict", "package t\np := 1\np := 2 if true\n", "x = data.t.p",
                 nullptr, nullptr, "eval_conflict_error"},
        EvalCase{"object_conflict", "package t\no[k] := v if { some v in [1, 2]; k := \"a\" }\n",
                 "x = data.t.o", nullptr, nullptr, "eval_conflict_error"},
        EvalCase{"function_conflict", "package t\nf(x) := 1\nf(x) := 2\n", "x = data.t.f(1)",
                 nullptr, nullptr, "eval_conflict_error"},
        EvalCase{"strict_type_error", "package t\np := count(input)\n", "x = data.t.p", "1",
                 nullptr, "eval_type_error"},
        EvalCase{"strict_builtin_error", "package t\np := 1 / input\n", "x = data.t.p", "0",
                 nullptr, "eval_builtin_error"},
        EvalCase{"template", "package t\np := $\"n={input.n} s={[1]}\"\n", "x = data.t.p",
                 R"({"n": 2})", R"([{"x": "n=2 s=[1]"}])", nullptr},
        EvalCase{"ref_head_rules", "package t\na.b[c].d := 1 if some c in [\"x\", \"y\"]\n",
                 "x = data.t.a", nullptr, R"([{"x": {"b": {"x": {"d": 1}, "y": {"d": 1}}}}])",
                 nullptr}),
    [](const ::testing::TestParamInfo<EvalCase>& info) { return std::string(info.param.name); });

std::shared_ptr<const Plan> compileOne(const char* module) {
  PolicySet set;
  EXPECT_TRUE(set.addModule("t.rego", module).ok());
  auto plan = set.compile();
  EXPECT_TRUE(plan.ok()) << describeErrors(plan.errors());
  return plan.value();
}

TEST(Budgets, StepBudgetStopsRunawayEvaluation) {
  auto plan = compileOne("package t\np := count([x | some x in numbers.range(1, 100000)])\n");
  Evaluator ev;
  EvalOptions o;
  o.budget.max_steps = 1000;
  auto r = ev.evalPath(*plan, {Value::string("t"), Value::string("p")}, Value(), o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.errors()[0].code, "eval_budget_error");
}

TEST(Budgets, MemoryBudget) {
  auto plan = compileOne("package t\np := [x | some x in numbers.range(1, 200000)]\n");
  Evaluator ev;
  EvalOptions o;
  o.budget.max_memory_bytes = 1 << 20;
  auto r = ev.evalPath(*plan, {Value::string("t"), Value::string("p")}, Value(), o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.errors()[0].code, "eval_budget_error");
}

TEST(Budgets, DeadlineStopsEvaluation) {
  auto plan = compileOne(
      "package t\np := count([1 | some a in numbers.range(1, 2000); some b in numbers.range(1, "
      "2000)])\n");
  Evaluator ev;
  EvalOptions o;
  o.budget.timeout = std::chrono::milliseconds(20);
  auto start = std::chrono::steady_clock::now();
  auto r = ev.evalPath(*plan, {Value::string("t"), Value::string("p")}, Value(), o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.errors()[0].code, "eval_cancel_error");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(Budgets, DeepDataRecursionIsBounded) {
  // walk() over a deeply nested input and a long chain of rules.
  std::string json;
  for (int i = 0; i < 500; ++i)
    json += "[";
  for (int i = 0; i < 500; ++i)
    json += "]";
  auto input = parseJson(json);
  ASSERT_TRUE(input.ok());
  auto plan = compileOne("package t\np := count([x | walk(input, x)])\n");
  Evaluator ev;
  EvalOptions o;
  auto r = ev.evalPath(*plan, {Value::string("t"), Value::string("p")}, *input, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->asInt(), 500);
}

TEST(Api, DecisionPathFromManyThreads) {
  auto plan = compileOne(
      "package envoy.authz\n"
      "default allow := false\n"
      "allow if { input.method == \"GET\"; startswith(input.path, \"/public\") }\n");
  auto path = DecisionPath::parse("envoy/authz/allow");
  ASSERT_TRUE(path.ok());
  std::vector<std::thread> threads;
  std::atomic<int> allowed{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Evaluator ev;
      EvalOptions o;
      for (int i = 0; i < 500; ++i) {
        Value input = Value::object(
            {{Value::string("method"), Value::string("GET")},
             {Value::string("path"), Value::string(i % 2 == 0 ? "/public/x" : "/admin")}});
        auto r = ev.evalPath(*plan, path->keys(), input, o);
        ASSERT_TRUE(r.ok());
        if (r->isTrue()) allowed.fetch_add(1);
        (void)t;
      }
    });
  }
  for (auto& th : threads)
    th.join();
  EXPECT_EQ(allowed.load(), 4 * 250);
}

TEST(Api, DecisionPathSyntax) {
  EXPECT_EQ(DecisionPath::parse("envoy/authz/allow")->text(), "data.envoy.authz.allow");
  EXPECT_EQ(DecisionPath::parse("data.envoy.authz.allow")->keys().size(), 3u);
  EXPECT_EQ(DecisionPath::parse("/a/b")->keys().size(), 2u);
  EXPECT_FALSE(DecisionPath::parse("a//b").ok());
}

TEST(Api, RuleIndexSelectsMatchingRules) {
  std::string module = "package t\n";
  for (int i = 0; i < 200; ++i) {
    module +=
        "allow if { input.path == \"/p" + std::to_string(i) + "\"; input.method == \"GET\" }\n";
  }
  auto plan = compileOne(module.c_str());
  const RuleNode* n = plan->root->child(Value::string("t"))->child(Value::string("allow"));
  ASSERT_NE(n, nullptr);
  ASSERT_TRUE(n->rules->index != nullptr);
  EXPECT_EQ(n->rules->index->buckets.size(), 200u);
  Evaluator ev;
  EvalOptions o;
  Value input = Value::object({{Value::string("path"), Value::string("/p150")},
                               {Value::string("method"), Value::string("GET")}});
  auto r = ev.evalPath(*plan, {Value::string("t"), Value::string("allow")}, input, o);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->isTrue());
}

// An unsigned JWT whose payload is {"sub": "user<n>"}.
std::string userToken(int n) {
  std::string payload = "{\"sub\":\"user" + std::to_string(n) + "\"}";
  return base64Encode(R"({"alg":"none"})", B64::RawUrl) + "." + base64Encode(payload, B64::RawUrl) +
         ".c2ln";
}

// io.jwt.decode results are memoised per evaluator: repeated, evicted and
// invalid tokens must decode exactly as a fresh evaluation would.
TEST(Api, JwtDecodeMemoKeepsAnswersExact) {
  auto plan = compileOne(
      "package t\n"
      "sub := payload.sub if [_, payload, _] := io.jwt.decode(input.token)\n");
  Evaluator ev;
  EvalOptions o;
  auto subOf = [&](const std::string& t) {
    auto r = ev.evalPath(*plan, {Value::string("t"), Value::string("sub")},
                         Value::object({{Value::string("token"), Value::string(t)}}), o);
    EXPECT_TRUE(r.ok());
    return r.ok() && r->isString() ? std::string(r->asString()) : std::string("<undefined>");
  };
  // More distinct tokens than the memo holds, twice round, interleaved with bad ones.
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 20; ++i) {
      EXPECT_EQ(subOf(userToken(i)), "user" + std::to_string(i));
      EXPECT_EQ(subOf(userToken(i)), "user" + std::to_string(i));
      EXPECT_EQ(subOf("not.a.jwt"), "<undefined>");
      EXPECT_EQ(subOf("nodots"), "<undefined>");
    }
  }
  // Strict mode still reports the error of an invalid token every time.
  EvalOptions strict;
  strict.strict_builtin_errors = true;
  for (int i = 0; i < 2; ++i) {
    auto r = ev.evalPath(*plan, {Value::string("t"), Value::string("sub")},
                         Value::object({{Value::string("token"), Value::string("a.b")}}), strict);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.errors()[0].code, "eval_builtin_error");
  }
}

// An input built in a ValueArena, reset after every evaluation (as the proxy
// does per request): what the evaluator keeps across evaluations (the
// io.jwt.decode memo, keyed here by the input's own string) and the
// non-deterministic builtin cache must not point into the reset arena. Under
// ASan a dangling reference is reported (the arena poisons what it releases).
TEST(Api, ArenaInputsDoNotLeakIntoWhatOutlivesTheEvaluation) {
  auto plan = compileOne(
      "package t\n"
      "sub := payload.sub if [_, payload, _] := io.jwt.decode(input.token)\n"
      "id := uuid.rfc4122(input.token)\n");
  Evaluator ev;
  ValueArena arena;
  NdCache nd;
  EvalOptions o;
  o.nd_cache = &nd;
  auto eval = [&](const std::string& t, const char* rule) {
    std::vector<ObjectEntry> entries = arena.entriesVector(1);
    entries.push_back({arena.string("token"), arena.string(t)});
    Value input = arena.objectSorted(std::move(entries));
    EXPECT_TRUE(refersToArena(input));
    auto r = ev.evalPath(*plan, {Value::string("t"), Value::string(rule)}, input, o);
    EXPECT_TRUE(r.ok());
    std::string out = r.ok() && r->isString() ? std::string(r->asString()) : "<undefined>";
    *r = Value();
    input = Value();
    arena.reset();
    return out;
  };
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(eval(userToken(i), "sub"), "user" + std::to_string(i));
    }
  }
  const std::string id = eval(userToken(0), "id");
  EXPECT_EQ(eval(userToken(0), "id"), id);  // replayed from the cache
  for (const auto& [name, entries] : nd.entries) {
    for (const auto& [args, result] : entries) {
      EXPECT_FALSE(refersToArena(args)) << name;
      EXPECT_FALSE(refersToArena(result)) << name;
    }
  }
}

// Lookups of input.a.b are remembered within an evaluation; `with input` must
// still see the replaced document, before, inside and after the modifier.
TEST(Api, GroundInputRefsHonourWith) {
  auto plan = compileOne(
      "package t\n"
      "v := input.a.b\n"
      "r := [input.a.b, x, input.a.b] if {\n"
      "  x := v with input.a.b as 7\n"
      "  not v with input as {\"a\": {\"c\": 1}}\n"
      "  input.a.b == 3\n"
      "}\n");
  Evaluator ev;
  EvalOptions o;
  auto r = ev.evalPath(*plan, {Value::string("t"), Value::string("r")},
                       *parseJson(R"({"a": {"b": 3}})"), o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(toJson(*r), "[3,7,3]");
}

// Data refs are resolved against the plan when it is compiled; `with data`
// must still see the replaced documents and rules.
TEST(Api, ResolvedDataRefsHonourWith) {
  PolicySet set;
  ASSERT_TRUE(set.addModule("t.rego",
                            "package t\n"
                            "p := data.cfg.limits.max\n"
                            "q := r\n"
                            "r := 1\n"
                            "s := [p, q] if true\n"
                            "w := x if x := s with data.cfg.limits.max as 9 with data.t.r as 2\n")
                  .ok());
  ASSERT_TRUE(set.addData({"cfg"}, *parseJson(R"({"limits": {"max": 5}})")).ok());
  auto plan = set.compile();
  ASSERT_TRUE(plan.ok());
  Evaluator ev;
  EvalOptions o;
  auto get = [&](const char* rule) {
    auto r = ev.evalPath(**plan, {Value::string("t"), Value::string(rule)}, Value(), o);
    EXPECT_TRUE(r.ok());
    return r.ok() ? toJson(*r) : std::string();
  };
  EXPECT_EQ(get("s"), "[5,1]");
  EXPECT_EQ(get("w"), "[9,2]");
  EXPECT_EQ(get("p"), "5");
  EXPECT_EQ(get("q"), "1");
}

}  // namespace
}  // namespace meshgate::rego
