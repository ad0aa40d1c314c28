// SPDX-License-Identifier: Apache-2.0
// What a builtin may ask of the evaluation that calls it: error reporting,
// the evaluation's clock, randomness, caches, print and network policy.
// Depends on value/ only.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/assert.h"
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
    // String arguments (tokens) by a hash of their bytes first: tokens of one issuer share
    // long prefixes, which a byte comparison with each entry would read again and again.
    if (arg.isString()) {
      const std::string_view s = arg.asString();
      const uint64_t h = stringHash(s);
      return memo_.findIf([&](const Key& k) {
        return k.hash == h && k.arg.isString() && k.arg.asString() == s && k.builtin == builtin;
      });
    }
    return memo_.findIf([&](const Key& k) { return k.builtin == builtin && k.arg == arg; });
  }
  /// `builtin` must outlive the memo (a string literal).
  void put(std::string_view builtin, Value arg, Value result) {
    putKey(builtin, std::move(arg), detachFromArena(result));
  }
  /// put() for a result the builtin built itself, which no arena holds (not walked to check;
  /// asserted in debug builds).
  void putHeapResult(std::string_view builtin, Value arg, Value result) {
#if MG_DEBUG_CHECKS
    MG_ASSERT(!refersToArena(result), "BuiltinMemo::putHeapResult: the result is in an arena");
#endif
    putKey(builtin, std::move(arg), std::move(result));
  }

 private:
  struct Key {
    std::string_view builtin;
    Value arg;
    uint64_t hash = 0;  // of a string argument's bytes
  };
  void putKey(std::string_view builtin, Value arg, Value result) {
    const uint64_t h = arg.isString() ? stringHash(arg.asString()) : 0;
    memo_.put(Key{builtin, detachFromArena(arg), h}, std::move(result));
  }
  // Eight bytes at a time; a filter before the comparison, not a defence against collisions.
  static uint64_t stringHash(std::string_view s) {
    constexpr uint64_t kMul = 0x9E3779B97F4A7C15ULL;
    uint64_t h = s.size() * kMul;
    size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
      uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      h = (h ^ w) * kMul;
      h ^= h >> 29;
    }
    uint64_t tail = 0;
    if (i < s.size()) std::memcpy(&tail, s.data() + i, s.size() - i);
    h = (h ^ tail) * kMul;
    return h ^ (h >> 32);
  }
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
