// SPDX-License-Identifier: Apache-2.0
// The evaluator's engine (internal): continuation-passing evaluation of
// compiled bodies with backtracking over variable bindings, the virtual
// document tree, `with`, builtins and budgets. One Machine per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "rego/builtins/context.h"
#include "rego/builtins/registry.h"
#include "rego/compile/plan.h"
#include "rego/error.h"
#include "rego/eval/evaluator.h"
#include "rego/eval/fn_ref.h"

namespace meshgate::rego {

using Cont = FnRef<bool()>;
using ValueCont = FnRef<bool(const Value&)>;

class Machine final : public BuiltinContext {
 public:
  Machine();

  /// Prepares for one evaluation.
  void begin(const Plan* plan, const Value& input, const EvalOptions* options);
  /// The final error after an evaluation (halting error, or the first builtin
  /// error in strict mode), if any.
  std::optional<RegoError> finish();

  bool runQuery(const CompiledQuery& q, FnRef<bool()> on_row);
  const Value& slotValue(int32_t slot) const { return slots_[base_ + static_cast<size_t>(slot)]; }
  bool evalRefTerm(const CTerm& ref, ValueCont k) { return evalTerm(ref, k); }
  void enterFrame(uint32_t nslots);
  void leaveFrame();

  // BuiltinContext
  int64_t nowNs() override;
  std::mt19937_64& rng() override;
  void print(std::string_view line) override;
  const HttpPolicy* http() override;
  std::unordered_map<std::string, Value>& valueCache() override { return builtin_cache_; }
  Value runtimeInfo() override {
    return opts_->runtime.isDefined() ? opts_->runtime : Value::emptyObject();
  }
  BuiltinMemo* memo() override { return &memo_; }

 private:
  // Pushes a frame of `nslots` unbound slots; pops it (and its bindings) on scope exit.
  struct FrameGuard {
    FrameGuard(Machine* m, uint32_t nslots)
        : m_(m),
          saved_base_(m->base_),
          saved_size_(m->slots_.size()),
          saved_trail_(m->trail_.size()) {
      m_->base_ = saved_size_;
      m_->slots_.resize(saved_size_ + nslots);
    }
    ~FrameGuard() {
      m_->trail_.resize(saved_trail_);
      m_->slots_.resize(saved_size_);
      m_->base_ = saved_base_;
    }
    Machine* m_;
    size_t saved_base_;
    size_t saved_size_;
    size_t saved_trail_;
  };
  struct DataMock {
    std::vector<Value> path;
  };
  struct FuncMock {
    std::string name;
    const BuiltinDef* repl_builtin = nullptr;
    const RuleNode* repl_func = nullptr;
    Value value;
    bool is_value = false;
  };
  // Cache keys: a node and what was computed for it.
  enum class CacheTag : uint8_t { Complete, Full, Doc };
  struct CacheKey {
    const RuleNode* node;
    CacheTag tag;
  };
  // Rule values computed in one evaluation (one per `with` scope), indexed by
  // node id and tag: a flat array rather than a hash map, cleared by
  // resetting only the entries that were set. Entries may hold Undefined.
  class Cache {
   public:
    const Value* find(const CacheKey& k) const {
      size_t i = index(k);
      return i < present_.size() && present_[i] ? &values_[i] : nullptr;
    }
    void put(const CacheKey& k, const Value& v) {
      size_t i = index(k);
      if (i >= present_.size()) {
        present_.resize(i + 1 + 3 * 16);
        values_.resize(present_.size());
      }
      if (!present_[i]) {
        present_[i] = 1;
        touched_.push_back(static_cast<uint32_t>(i));
      }
      values_[i] = v;
    }
    void clear() {
      for (uint32_t i : touched_) {
        present_[i] = 0;
        values_[i] = Value();
      }
      touched_.clear();
    }

   private:
    static size_t index(const CacheKey& k) {
      return static_cast<size_t>(k.node->id) * 3 + static_cast<size_t>(k.tag);
    }
    std::vector<Value> values_;
    std::vector<uint8_t> present_;
    std::vector<uint32_t> touched_;
  };

  // Bodies and expressions.
  bool evalBody(const CBody& body, size_t i, Cont k);
  bool evalExpr(const CExpr& e, Cont k);
  bool evalExprCore(const CExpr& e, Cont k);
  bool evalWith(const CExpr& e, Cont k);
  bool applyWithsAndRun(const CExpr& e, const std::vector<Value>& values, Cont k);
  bool evalNot(const CExpr& e, Cont k);
  bool evalEvery(const CExpr& e, Cont k);
  bool evalSomeIn(const CExpr& e, Cont k);

  // Terms.
  bool evalTerm(const CTerm& t, ValueCont k);
  bool evalItems(const std::vector<CTerm>& items, size_t i, std::vector<Value>& acc,
                 FnRef<bool()> k);
  bool evalCollection(const CTerm& t, ValueCont k);
  bool evalCompr(const CTerm& t, ValueCont k);
  bool evalTemplate(const CTerm& t, ValueCont k);
  bool canEval(const CTerm& t) const;

  // Unification.
  bool unify(const CTerm& a, const CTerm& b, Cont k);
  bool unifyValue(const CTerm& pattern, const Value& v, Cont k);
  bool unifyItems(const CTerm& pattern, const Value& v, size_t i, Cont k);
  bool unifyPairs(std::vector<std::pair<const CTerm*, const CTerm*>>& pending, Cont k);
  bool bindSlot(int32_t slot, const Value& v, Cont k);

  // References.
  bool evalRef(const CTerm& ref, ValueCont k);
  bool walk(const Value& v, const CTerm& ref, size_t pos, ValueCont k);
  bool walkBase(const Value& v, const CTerm& ref, size_t pos, ValueCont k);
  bool walkKey(const Value& v, const CTerm& op, const CTerm& ref, size_t pos, ValueCont k);
  bool evalData(const RuleNode* node, const Value& base, const CTerm& ref, size_t pos, ValueCont k);
  bool evalRuleSet(const RuleNode* node, const CTerm& ref, size_t pos, ValueCont k);
  bool nodeDoc(const RuleNode* node, const Value& base, Value* out);
  bool isDisabled(const RuleNode* node) const;
  bool mergeVirtual(const Value& a, const Value& b, Value* out);
  bool mergeDynamic(const Value& dyn, const Value& in, size_t depth, const RuleSet& rs, Value* out);

  // Rules.
  bool completeValue(const RuleNode* node, Value* out);
  bool multiValue(const RuleNode* node, Value* out);
  bool multiContains(const RuleNode* node, const Value& key, bool* found);
  bool dynamicValue(const RuleNode* node, Value* out);
  bool dynamicLookup(const RuleNode* node, const Value& key, Value* out);
  bool ruleSolutions(const CRule& rule, FnRef<bool()> on_solution);
  bool ruleChainValue(const CRule& rule, Value* prev, const char* conflict_msg, bool early_exit,
                      bool* produced);
  template <typename F>
  void forEachCandidate(const RuleSet& rs, F&& f);
  Value patchMocksBelow(const RuleNode* node, Value v);

  // Calls.
  bool evalCall(const CTerm& call, ValueCont k);
  // Arguments of up to this many are kept on the stack.
  static constexpr size_t kInlineArgs = 4;
  bool evalArgs(const std::vector<CTerm>& items, size_t i, Value* out, FnRef<bool()> k);
  bool callWithArgs(const CTerm& call, std::span<const Value> args, ValueCont k);
  bool callBuiltin(const BuiltinDef* bi, std::span<const Value> args, ValueCont k);
  bool callFunction(const RuleNode* fn, std::span<const Value> args, ValueCont k);
  bool evalPrint(const CTerm& call, ValueCont k);
  const FuncMock* findMock(const std::string& name) const;

  // Errors and budgets.
  bool halt(RegoError err);
  bool haltAt(const char* code, std::string msg, const Location& loc);
  bool step();
  void chargeMemory(const Value& v);
  Cache& cache() { return caches_.back(); }

  const Plan* plan_ = nullptr;
  const EvalOptions* opts_ = nullptr;
  // The variable slots of the frames in evaluation: blocks that never move
  // (continuations hold references to slots while deeper frames are pushed),
  // kept across evaluations. Slots at and above size() are always Undefined,
  // so growing costs nothing but the count.
  class SlotStack {
   public:
    size_t size() const { return size_; }
    Value& operator[](size_t i) { return blocks_[i >> kShift][i & kMask]; }
    const Value& operator[](size_t i) const { return blocks_[i >> kShift][i & kMask]; }
    void resize(size_t n) {
      if (n > size_) {
        while (blocks_.size() << kShift < n)
          blocks_.push_back(std::make_unique<Value[]>(kBlock));
      } else {
        for (size_t i = n; i < size_; ++i)
          (*this)[i] = Value();
      }
      size_ = n;
    }
    void clear() {
      resize(0);
      // A deep evaluation's blocks are not kept.
      if (blocks_.size() > kKeptBlocks) blocks_.resize(kKeptBlocks);
    }

   private:
    static constexpr size_t kShift = 8;
    static constexpr size_t kBlock = size_t{1} << kShift;
    static constexpr size_t kMask = kBlock - 1;
    static constexpr size_t kKeptBlocks = 4;
    std::vector<std::unique_ptr<Value[]>> blocks_;
    size_t size_ = 0;
  };
  SlotStack slots_;
  size_t base_ = 0;
  std::vector<size_t> trail_;
  Value input_;
  Value data_;
  std::vector<DataMock> data_mocks_;
  // `with data...` modifiers in effect (data_ differs from the plan's data).
  uint32_t data_withs_ = 0;
  // Refs of input with constant operands (input.a.b.c) already walked in this
  // evaluation, and where they led (null: undefined). Pointers into input_,
  // so forgotten whenever input_ changes. Policies test the same few inside
  // loops (every route of an allowlist reads the method and the path).
  struct InputRef {
    const CTerm* ref;
    const Value* value;
  };
  static constexpr uint32_t kInputRefs = 16;
  InputRef input_refs_[kInputRefs];
  uint32_t input_ref_count_ = 0;
  bool evalGroundInputRef(const CTerm& ref, ValueCont k);
  std::vector<const RuleNode*> disabled_nodes_;
  std::vector<FuncMock> func_mocks_;
  std::vector<Cache> caches_;
  std::unordered_map<std::string, Value> builtin_cache_;
  // Kept across evaluations (pure builtins only; see BuiltinMemo).
  BuiltinMemo memo_;
  std::optional<RegoError> error_;
  std::vector<RegoError> builtin_errors_;
  const CExpr* cur_expr_ = nullptr;
  uint64_t steps_ = 0;
  uint64_t memory_ = 0;
  uint32_t depth_ = 0;
  int64_t now_ns_ = 0;
  std::chrono::steady_clock::time_point deadline_{};
  bool has_deadline_ = false;
  const char* stack_base_ = nullptr;
  std::mt19937_64 rng_;
  bool rng_seeded_ = false;
};

}  // namespace meshgate::rego
