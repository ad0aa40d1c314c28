// SPDX-License-Identifier: Apache-2.0
// The builtin function table: name → (arity, function, flags). Each OPA
// namespace registers its functions from its own file (registerStrings(), ...).
// Depends on value/ only.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "rego/value/value.h"

namespace meshgate::rego {

class BuiltinContext;

/// A builtin: returns its result, or Undefined. Errors are reported through
/// the context (typeError / builtinError) and make the call undefined.
using BuiltinFn = Value (*)(BuiltinContext& ctx, std::span<const Value> args);

enum BuiltinFlags : uint32_t {
  kBuiltinNone = 0,
  /// Results vary between calls with the same arguments (time.now_ns, rand...):
  /// cached within one evaluation, and in the non-deterministic builtin cache.
  kNondeterministic = 1u << 0,
  /// A relation: the result is an array of outputs, each a separate solution.
  kRelation = 1u << 1,
  /// Variadic (print): any number of operands, Undefined ones allowed.
  kVariadic = 1u << 2,
  /// Needs network access; disabled unless explicitly allowed (http.send).
  kNetwork = 1u << 3,
  /// Produces no value (print): the call is always true.
  kVoid = 1u << 4,
  /// Resolves host names (blocking DNS); disabled unless EvalOptions::allow_dns.
  kDns = 1u << 5,
};

struct BuiltinDef {
  std::string name;
  int arity = 0;
  BuiltinFn fn = nullptr;
  uint32_t flags = kBuiltinNone;
};

class BuiltinRegistry {
 public:
  void add(std::string name, int arity, BuiltinFn fn, uint32_t flags = kBuiltinNone);
  const BuiltinDef* find(std::string_view name) const;
  /// Every builtin, sorted by name.
  std::vector<const BuiltinDef*> all() const;

  /// The full OPA builtin set this engine implements (built once, immutable).
  static const BuiltinRegistry& standard();
  /// A fresh copy of the standard set, to extend with application builtins.
  static std::unique_ptr<BuiltinRegistry> makeStandard();

 private:
  std::unordered_map<std::string, std::unique_ptr<BuiltinDef>> defs_;
};

// One register function per OPA namespace (builtins/<namespace>.cc).
void registerAggregates(BuiltinRegistry& r);
void registerArithmetic(BuiltinRegistry& r);
void registerArrays(BuiltinRegistry& r);
void registerBits(BuiltinRegistry& r);
void registerComparison(BuiltinRegistry& r);
void registerConversions(BuiltinRegistry& r);
void registerCrypto(BuiltinRegistry& r);
void registerEncoding(BuiltinRegistry& r);
void registerGlob(BuiltinRegistry& r);
void registerGraph(BuiltinRegistry& r);
void registerGraphql(BuiltinRegistry& r);
void registerHttp(BuiltinRegistry& r);
void registerJwt(BuiltinRegistry& r);
void registerNet(BuiltinRegistry& r);
void registerObjects(BuiltinRegistry& r);
void registerProviders(BuiltinRegistry& r);
void registerRand(BuiltinRegistry& r);
void registerRegex(BuiltinRegistry& r);
void registerGlobsMatch(BuiltinRegistry& r);
void registerRego(BuiltinRegistry& r);
void registerSemver(BuiltinRegistry& r);
void registerSets(BuiltinRegistry& r);
void registerStrings(BuiltinRegistry& r);
void registerTemplate(BuiltinRegistry& r);
void registerTime(BuiltinRegistry& r);
void registerTypes(BuiltinRegistry& r);
void registerUnits(BuiltinRegistry& r);
void registerUuid(BuiltinRegistry& r);
void registerJson(BuiltinRegistry& r);
void registerJsonSchema(BuiltinRegistry& r);
void registerTracing(BuiltinRegistry& r);

}  // namespace meshgate::rego
