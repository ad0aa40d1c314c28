// SPDX-License-Identifier: Apache-2.0
// What a builtin may ask of the evaluation that calls it: error reporting,
// the evaluation's clock, randomness, caches, print and network policy.
// Depends on value/ only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/small.h"
#include "rego/value/arena.h"
#include "rego/value/value.h"

namespace meshgate::rego {

/// Which hosts http.send may reach; empty means http.send is disabled (the default).
struct HttpPolicy {
  /// Allowed URL prefixes ("https://api.example.com/").
  std::vector<std::string> allowed_prefixes;
  int64_t timeout_ms = 5000;
  size_t max_body_bytes = 1 << 20;
};

/// Results of pure builtins kept across the evaluations of one evaluator (one
/// thread): a few entries keyed by builtin name and argument, the oldest
/// replaced first. Only for builtins whose result depends on the argument
/// alone; results are immutable values, so a hit shares the stored one. What
/// is stored is copied out of any ValueArena (the memo outlives the request).
class BuiltinMemo {
 public:
  static constexpr size_t kEntries = 8;
  const Value* find(std::string_view builtin, const Value& arg) const {
    return memo_.findIf([&](const Key& k) { return k.builtin == builtin && k.arg == arg; });
  }
  /// `builtin` must outlive the memo (a string literal).
  void put(std::string_view builtin, Value arg, Value result) {
    memo_.put(Key{builtin, detachFromArena(arg)}, detachFromArena(result));
  }

 private:
  struct Key {
    std::string_view builtin;
    Value arg;
  };
  base::RecentMemo<Key, Value, kEntries> memo_;
};

class BuiltinContext {
 public:
  virtual ~BuiltinContext() = default;

  /// An operand had the wrong type: eval_type_error "<name>: <msg>".
  void typeError(std::string msg) {
    if (!failed_) {
      failed_ = true;
      type_error_ = true;
      message_ = std::move(msg);
    }
  }
  /// The builtin failed on valid operands: eval_builtin_error "<name>: <msg>".
  void builtinError(std::string msg) {
    if (!failed_) {
      failed_ = true;
      type_error_ = false;
      message_ = std::move(msg);
    }
  }
  /// An error whose message is used verbatim (no "<name>: " prefix).
  void rawError(std::string code, std::string msg) {
    if (!failed_) {
      failed_ = true;
      raw_code_ = std::move(code);
      message_ = std::move(msg);
    }
  }
  bool failed() const { return failed_; }
  bool isTypeError() const { return type_error_; }
  const std::string& message() const { return message_; }
  const std::string& rawCode() const { return raw_code_; }
  void clearError() {
    failed_ = false;
    type_error_ = false;
    message_.clear();
    raw_code_.clear();
  }

  /// The time the evaluation started (ns since the epoch); constant within it.
  virtual int64_t nowNs() = 0;
  virtual std::mt19937_64& rng() = 0;
  virtual void print(std::string_view line) = 0;
  virtual const HttpPolicy* http() = 0;
  /// A per-evaluation cache builtins may use (e.g. compiled regexes, rand.intn results).
  virtual std::unordered_map<std::string, Value>& valueCache() = 0;
  /// What opa.runtime() returns (the host decides; empty object by default).
  virtual Value runtimeInfo() = 0;
  /// The memo of pure builtin results that outlives one evaluation, or null.
  virtual BuiltinMemo* memo() { return nullptr; }
  /// The name of the builtin being called.
  std::string_view name;
  /// Evaluates a Rego function value by path (for builtins that take a
  /// callback); unused by the standard set.
  std::function<Value(const Value&)> callback;

 private:
  bool failed_ = false;
  bool type_error_ = false;
  std::string message_;
  std::string raw_code_;
};

}  // namespace meshgate::rego
