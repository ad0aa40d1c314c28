// SPDX-License-Identifier: Apache-2.0
// Calls (builtins and user functions), `with`, and the builtin context.
#include <chrono>

#include "rego/eval/machine.h"
#include "rego/value/arena.h"
#include "rego/value/json.h"

namespace meshgate::rego {
namespace {

constexpr const char* kConflict = "eval_conflict_error";

// Sets `value` at `path` inside `root`, creating objects on the way.
bool patchValue(const Value& root, const std::vector<Value>& path, size_t i, const Value& value,
                Value* out) {
  if (i == path.size()) {
    *out = value;
    return true;
  }
  ObjectBuilder b;
  Value child;
  // A value that is not an object is replaced by one (OPA's mergeTermWithValues).
  if (root.isObject()) {
    for (const auto& e : root.entries())
      b.put(e.key, e.value);
    if (const Value* c = root.get(path[i])) child = *c;
  }
  Value patched;
  if (!patchValue(child, path, i + 1, value, &patched)) return false;
  b.put(path[i], patched);
  *out = b.build();
  return true;
}

}  // namespace

int64_t Machine::nowNs() {
  if (now_ns_ == 0) {
    now_ns_ = std::chrono::duration_cast<std::chrono::nanoseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
  }
  return now_ns_;
}

std::mt19937_64& Machine::rng() {
  if (!rng_seeded_) {
    uint64_t seed = opts_->seed;
    if (seed == 0)
      seed = std::random_device{}() ^ (static_cast<uint64_t>(std::random_device{}()) << 32);
    rng_.seed(seed);
    rng_seeded_ = true;
  }
  return rng_;
}

void Machine::print(std::string_view line) {
  if (opts_->print) opts_->print(line);
}

const HttpPolicy* Machine::http() {
  return &opts_->http;
}

const Machine::FuncMock* Machine::findMock(const std::string& name) const {
  for (auto it = func_mocks_.rbegin(); it != func_mocks_.rend(); ++it) {
    if (it->name.empty()) return nullptr;  // a barrier: mocks disabled inside a replacement
    if (it->name == name) return &*it;
  }
  return nullptr;
}

bool Machine::evalCall(const CTerm& call, ValueCont k) {
  if (call.builtin != nullptr && (call.builtin->flags & kVariadic) && call.name == "print") {
    if (func_mocks_.empty() || findMock(call.name) == nullptr) return evalPrint(call, k);
  }
  // The arguments of the usual call live on the stack: no allocation per call.
  const size_t n = call.items.size();
  Value inline_args[kInlineArgs];
  std::vector<Value> heap_args;
  Value* args = inline_args;
  if (n > kInlineArgs) {
    heap_args.resize(n);
    args = heap_args.data();
  }
  const std::span<const Value> all(args, n);
  bool reorder = false;
  for (const auto& it : call.items) {
    if (it.kind == TKind::Var && slotValue(it.slot).isUndefined()) reorder = true;
  }
  if (!reorder) {
    return evalArgs(call.items, 0, args, [&]() { return callWithArgs(call, all, k); });
  }
  // An argument variable bound by a ref in another argument (x == xs[x]):
  // evaluate the other arguments first, as OPA's compiler hoists refs.
  std::vector<size_t> order;
  for (size_t i = 0; i < n; ++i) {
    if (call.items[i].kind != TKind::Var) order.push_back(i);
  }
  for (size_t i = 0; i < n; ++i) {
    if (call.items[i].kind == TKind::Var) order.push_back(i);
  }
  struct Rec {
    Machine* m;
    const CTerm& call;
    const std::vector<size_t>& order;
    Value* args;
    std::span<const Value> all;
    ValueCont k;
    bool go(size_t i) {
      if (i == order.size()) return m->callWithArgs(call, all, k);
      return m->evalTerm(call.items[order[i]], [&](const Value& v) {
        args[order[i]] = v;
        return go(i + 1);
      });
    }
  };
  Rec rec{this, call, order, args, all, k};
  return rec.go(0);
}

bool Machine::evalArgs(const std::vector<CTerm>& items, size_t i, Value* out, FnRef<bool()> k) {
  if (i == items.size()) return k();
  return evalTerm(items[i], [&](const Value& v) {
    out[i] = v;
    return evalArgs(items, i + 1, out, k);
  });
}

bool Machine::callWithArgs(const CTerm& call, std::span<const Value> args, ValueCont k) {
  if (!func_mocks_.empty()) {
    if (const FuncMock* m = findMock(call.name)) {
      if (m->is_value) return k(m->value);
      // Calls inside the replacement see no mocks (OPA pushes an empty frame).
      FuncMock saved = *m;
      func_mocks_.push_back(FuncMock{});
      bool r;
      Value result;
      bool got = false;
      if (saved.repl_builtin != nullptr) {
        r = callBuiltin(saved.repl_builtin, args, [&](const Value& v) {
          result = v;
          got = true;
          return true;
        });
      } else {
        r = callFunction(saved.repl_func, args, [&](const Value& v) {
          result = v;
          got = true;
          return true;
        });
      }
      func_mocks_.pop_back();
      if (!r || error_) return false;
      if (!got) return true;
      return k(result);
    }
  }
  if (call.builtin != nullptr) return callBuiltin(call.builtin, args, k);
  if (call.func != nullptr) return callFunction(call.func, args, k);
  if (call.dispatch) {
    // Dynamic dispatch: the operator is a data ref whose value names a function node.
    return haltAt("eval_type_error", "dynamic function calls are not supported", call.loc);
  }
  return true;
}

bool Machine::callBuiltin(const BuiltinDef* bi, std::span<const Value> args, ValueCont k) {
  Value args_key;
  const bool nd = (bi->flags & kNondeterministic) != 0;
  if (nd && opts_->nd_cache != nullptr) {
    args_key = Value::array(std::vector<Value>(args.begin(), args.end()));
    if (const Value* cached = opts_->nd_cache->find(bi->name, args_key)) {
      Value v = *cached;
      return k(v);
    }
  }
  if ((bi->flags & kDns) != 0 && !opts_->allow_dns) {
    const Location& loc = cur_expr_ != nullptr ? cur_expr_->loc : Location{};
    builtin_errors_.push_back(RegoError{
        "eval_builtin_error", bi->name + ": name resolution is disabled (allow_dns is off)",
        loc.fileName(), loc.line, loc.col});
    return true;
  }
  clearError();
  name = bi->name;
  Value result = bi->fn(*this, args);
  if (failed()) {
    const Location& loc = cur_expr_ != nullptr ? cur_expr_->loc : Location{};
    RegoError err;
    if (!rawCode().empty()) {
      err = RegoError{rawCode(), message(), loc.fileName(), loc.line, loc.col};
    } else {
      err = RegoError{isTypeError() ? "eval_type_error" : "eval_builtin_error",
                      bi->name + ": " + message(), loc.fileName(), loc.line, loc.col};
    }
    clearError();
    builtin_errors_.push_back(std::move(err));
    return true;
  }
  if (nd && opts_->nd_cache != nullptr && result.isDefined())
    opts_->nd_cache->put(bi->name, args_key, result);
  if (bi->flags & kVoid) return k(Value::boolean(true));
  if (result.isUndefined()) return true;
  chargeMemory(result);
  if (error_) return false;
  if (bi->flags & kRelation) {
    Value hold = result;
    for (const auto& v : hold.items()) {
      if (!k(v)) return false;
    }
    return true;
  }
  return k(result);
}

bool Machine::callFunction(const RuleNode* fn, std::span<const Value> args, ValueCont k) {
  const RuleSet& rs = *fn->rules;
  if (args.size() != rs.arity) return true;
  Value prev;
  const char* msg = "functions must not produce multiple outputs for same inputs";
  auto runRule = [&](const CRule& rule, bool* produced) {
    *produced = false;
    for (const CRule* r = &rule; r != nullptr; r = r->else_rule.get()) {
      bool got = false;
      if (++depth_ > opts_->budget.max_depth) {
        --depth_;
        return haltAt("eval_budget_error", "evaluation exceeded the depth budget", r->loc);
      }
      {
        FrameGuard frame(this, r->nslots);
        struct Params {
          Machine* m;
          const CRule* r;
          std::span<const Value> args;
          FnRef<bool()> k;
          bool go(size_t i) {
            if (i == args.size()) return k();
            return m->unifyValue(r->args[i], args[i], [&]() { return go(i + 1); });
          }
        };
        auto body = [&]() {
          return evalBody(r->body, 0, [&]() {
            return evalTerm(r->value, [&](const Value& v) {
              if (prev.isDefined() && prev != v) return haltAt(kConflict, msg, r->loc);
              prev = v;
              got = true;
              return true;
            });
          });
        };
        Params p{this, r, args, body};
        p.go(0);
      }
      --depth_;
      if (error_) return false;
      if (got) {
        *produced = true;
        return true;
      }
    }
    return true;
  };
  for (const auto& rule : rs.rules) {
    bool produced;
    if (!runRule(*rule, &produced)) return false;
  }
  if (prev.isUndefined() && rs.default_rule) {
    bool produced;
    if (!runRule(*rs.default_rule, &produced)) return false;
  }
  if (prev.isUndefined()) return true;
  Value hold = prev;
  return k(hold);
}

bool Machine::evalPrint(const CTerm& call, ValueCont k) {
  std::string line;
  for (size_t i = 0; i < call.items.size(); ++i) {
    if (i > 0) line.push_back(' ');
    std::vector<Value> vals;
    size_t mark = trail_.size();
    bool ok = evalTerm(call.items[i], [&](const Value& v) {
      vals.push_back(v);
      return true;
    });
    (void)mark;
    if (!ok || error_) return false;
    if (vals.empty()) {
      line += "<undefined>";
    } else {
      for (size_t j = 0; j < vals.size(); ++j) {
        if (j > 0) line += " ";
        if (vals[j].isString()) {
          line += vals[j].asString();
        } else {
          line += toRegoString(vals[j]);
        }
      }
    }
  }
  print(line);
  return k(Value::boolean(true));
}

bool Machine::evalWith(const CExpr& e, Cont k) {
  // Evaluate the replacement values first (each must be defined).
  std::vector<Value> values(e.withs.size());
  struct Rec {
    Machine* m;
    const CExpr& e;
    std::vector<Value>& values;
    Cont k;
    bool go(size_t i) {
      if (i == e.withs.size()) return m->applyWithsAndRun(e, values, k);
      const CWith& w = e.withs[i];
      if (w.target == CWith::Target::Function &&
          (w.repl_builtin != nullptr || w.repl_func != nullptr)) {
        return go(i + 1);
      }
      return m->evalTerm(w.value, [&](const Value& v) {
        values[i] = v;
        return go(i + 1);
      });
    }
  };
  Rec rec{this, e, values, k};
  return rec.go(0);
}

bool Machine::applyWithsAndRun(const CExpr& e, const std::vector<Value>& values, Cont k) {
  Value saved_input = input_;
  Value saved_data = data_;
  size_t saved_disabled = disabled_nodes_.size();
  size_t saved_mocks = func_mocks_.size();
  Value new_input = input_;
  Value new_data = data_;
  std::vector<const RuleNode*> new_disabled;
  std::vector<FuncMock> new_mocks;
  uint32_t data_withs = 0;
  for (size_t i = 0; i < e.withs.size(); ++i) {
    const CWith& w = e.withs[i];
    switch (w.target) {
      case CWith::Target::Input: {
        Value patched;
        if (!patchValue(new_input, w.path, 0, values[i], &patched)) {
          return haltAt(kConflict, "conflicting input document paths in with modifiers", w.loc);
        }
        new_input = patched;
        break;
      }
      case CWith::Target::Data: {
        Value patched;
        if (!patchValue(new_data, w.path, 0, values[i], &patched)) {
          return haltAt(kConflict, "conflicting data document paths in with modifiers", w.loc);
        }
        new_data = patched;
        ++data_withs;
        const RuleNode* n = plan_->root.get();
        for (const Value& key : w.path) {
          const RuleNode* c = n->child(key);
          if (c == nullptr) {
            n = nullptr;
            break;
          }
          n = c;
          if (n->rules) break;
        }
        if (n != nullptr) new_disabled.push_back(n);
        break;
      }
      case CWith::Target::Function: {
        FuncMock m;
        m.name = w.fn_name;
        m.repl_builtin = w.repl_builtin;
        m.repl_func = w.repl_func;
        if (w.repl_builtin == nullptr && w.repl_func == nullptr) {
          m.is_value = true;
          m.value = values[i];
        }
        new_mocks.push_back(std::move(m));
        break;
      }
    }
  }
  auto push = [&]() {
    input_ = new_input;
    input_ref_count_ = 0;
    data_ = new_data;
    data_withs_ += data_withs;
    disabled_nodes_.insert(disabled_nodes_.end(), new_disabled.begin(), new_disabled.end());
    func_mocks_.insert(func_mocks_.end(), new_mocks.begin(), new_mocks.end());
    caches_.emplace_back();
  };
  auto pop = [&]() {
    input_ = saved_input;
    input_ref_count_ = 0;
    data_ = saved_data;
    data_withs_ -= data_withs;
    disabled_nodes_.resize(saved_disabled);
    func_mocks_.resize(saved_mocks);
    caches_.pop_back();
  };
  push();
  bool r = evalExprCore(e, [&]() {
    pop();
    bool rr = k();
    push();
    return rr;
  });
  pop();
  return r;
}

// ---- NdCache ----

const Value* NdCache::find(const std::string& name, const Value& args) const {
  auto it = entries.find(name);
  if (it == entries.end()) return nullptr;
  for (const auto& [a, r] : it->second) {
    if (a == args) return &r;
  }
  return nullptr;
}

void NdCache::put(const std::string& name, Value args, Value result) {
  // The cache outlives the evaluation, and so the input's arena.
  args = detachFromArena(args);
  result = detachFromArena(result);
  auto& list = entries[name];
  for (auto& [a, r] : list) {
    if (a == args) {
      r = std::move(result);
      return;
    }
  }
  list.emplace_back(std::move(args), std::move(result));
}

}  // namespace meshgate::rego
