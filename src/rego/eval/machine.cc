// SPDX-License-Identifier: Apache-2.0
// Bodies, expressions, terms and unification.
#include "rego/eval/machine.h"

#include <chrono>

#include "rego/value/json.h"
#include "rego/value/number.h"

namespace meshgate::rego {

namespace {
RegoError plainError(const char* code, std::string msg) {
  RegoError e;
  e.code = code;
  e.message = std::move(msg);
  return e;
}
}  // namespace

Machine::Machine() {
  caches_.emplace_back();
}

void Machine::begin(const Plan* plan, const Value& input, const EvalOptions* options) {
  plan_ = plan;
  opts_ = options;
  slots_.clear();
  base_ = 0;
  trail_.clear();
  input_ = input;
  input_ref_count_ = 0;
  data_ = plan->data;
  data_mocks_.clear();
  data_withs_ = 0;
  disabled_nodes_.clear();
  func_mocks_.clear();
  caches_.resize(1);
  caches_[0].clear();
  builtin_cache_.clear();
  error_.reset();
  builtin_errors_.clear();
  cur_expr_ = nullptr;
  steps_ = 0;
  memory_ = 0;
  depth_ = 0;
  now_ns_ = options->now_ns;
  has_deadline_ = options->budget.timeout.count() > 0;
  if (has_deadline_) deadline_ = std::chrono::steady_clock::now() + options->budget.timeout;
  char marker;
  stack_base_ = &marker;
  rng_seeded_ = false;
  clearError();
}

std::optional<RegoError> Machine::finish() {
  std::optional<RegoError> out = error_;
  if (opts_->strict_builtin_errors && !builtin_errors_.empty()) out = builtin_errors_.front();
  slots_.clear();
  trail_.clear();
  input_ = Value();
  input_ref_count_ = 0;
  data_ = Value();
  caches_.resize(1);
  caches_[0].clear();
  builtin_cache_.clear();
  return out;
}

void Machine::enterFrame(uint32_t nslots) {
  slots_.resize(slots_.size() + nslots);
}

void Machine::leaveFrame() {}

bool Machine::runQuery(const CompiledQuery& q, FnRef<bool()> on_row) {
  base_ = slots_.size();
  slots_.resize(base_ + q.nslots);
  bool r = evalBody(q.body, 0, on_row);
  return r;
}

// ---- Errors and budgets ----

bool Machine::halt(RegoError err) {
  if (!error_) error_ = std::move(err);
  return false;
}

bool Machine::haltAt(const char* code, std::string msg, const Location& loc) {
  return halt(RegoError{code, std::move(msg), loc.fileName(), loc.line, loc.col});
}

bool Machine::step() {
  ++steps_;
  const Budget& b = opts_->budget;
  if (b.max_steps != 0 && steps_ > b.max_steps) {
    return halt(plainError("eval_budget_error", "evaluation exceeded the step budget (" +
                                                    std::to_string(b.max_steps) + " steps)"));
  }
  if (has_deadline_ && (steps_ & 0xFF) == 0 && std::chrono::steady_clock::now() > deadline_) {
    return halt(plainError("eval_cancel_error", "evaluation exceeded its deadline"));
  }
  char marker;
  if (stack_base_ != nullptr && static_cast<size_t>(stack_base_ - &marker) > b.max_stack_bytes) {
    return halt(
        plainError("eval_budget_error", "evaluation exceeded the stack budget (nesting too deep)"));
  }
  return true;
}

void Machine::chargeMemory(const Value& v) {
  uint64_t n = 16;
  if (v.isString()) n += v.size();
  if (v.isCollection()) n += v.size() * 32;
  memory_ += n;
  const Budget& b = opts_->budget;
  if (b.max_memory_bytes != 0 && memory_ > b.max_memory_bytes && !error_) {
    error_ = plainError("eval_budget_error", "evaluation exceeded the memory budget (" +
                                                 std::to_string(b.max_memory_bytes) + " bytes)");
  }
}

// ---- Bodies ----

bool Machine::evalBody(const CBody& body, size_t i, Cont k) {
  if (i == body.exprs.size()) return k();
  return evalExpr(body.exprs[i], [&]() { return evalBody(body, i + 1, k); });
}

bool Machine::evalExpr(const CExpr& e, Cont k) {
  if (!step()) return false;
  if (!e.withs.empty()) return evalWith(e, k);
  return evalExprCore(e, k);
}

bool Machine::evalExprCore(const CExpr& e, Cont k) {
  const CExpr* saved = cur_expr_;
  cur_expr_ = &e;
  bool r;
  switch (e.kind) {
    case EKind::Unify:
      r = unify(e.a, e.b, [&]() {
        cur_expr_ = saved;
        bool rr = k();
        cur_expr_ = &e;
        return rr;
      });
      break;
    case EKind::Truth:
      r = evalTerm(e.a, [&](const Value& v) {
        if (v.isFalse()) return true;
        auto next = [&]() {
          cur_expr_ = saved;
          bool rr = k();
          cur_expr_ = &e;
          return rr;
        };
        // A captured query expression also binds its value (policy eval output).
        if (e.b.kind == TKind::Var && e.b.slot >= 0) return bindSlot(e.b.slot, v, next);
        return next();
      });
      break;
    case EKind::Not:
      r = evalNot(e, k);
      break;
    case EKind::Every:
      r = evalEvery(e, k);
      break;
    case EKind::SomeIn:
      r = evalSomeIn(e, k);
      break;
    case EKind::Nop:
    default:
      r = k();
      break;
  }
  cur_expr_ = saved;
  return r;
}

bool Machine::evalNot(const CExpr& e, Cont k) {
  bool found = false;
  size_t mark = trail_.size();
  evalBody(*e.body, 0, [&]() {
    found = true;
    return false;
  });
  // Undo anything the negated expression bound.
  while (trail_.size() > mark) {
    slots_[trail_.back()] = Value();
    trail_.pop_back();
  }
  if (error_) return false;
  if (found) return true;
  return k();
}

namespace {

// Calls f(key, value) for each element of a collection.
template <typename F>
bool forEachEntry(const Value& coll, F&& f) {
  switch (coll.kind()) {
    case Kind::Array: {
      const auto& items = coll.items();
      for (size_t i = 0; i < items.size(); ++i) {
        if (!f(Value::integer(static_cast<int64_t>(i)), items[i])) return false;
      }
      return true;
    }
    case Kind::Set:
      for (const auto& item : coll.items()) {
        if (!f(item, item)) return false;
      }
      return true;
    case Kind::Object:
      for (const auto& e : coll.entries()) {
        if (!f(e.key, e.value)) return false;
      }
      return true;
    default:
      return true;
  }
}

}  // namespace

bool Machine::evalSomeIn(const CExpr& e, Cont k) {
  return evalTerm(e.c, [&](const Value& coll) {
    Value hold = coll;
    return forEachEntry(hold, [&](const Value& key, const Value& val) {
      if (e.has_key) {
        return unifyValue(e.a, key, [&]() { return unifyValue(e.b, val, k); });
      }
      return unifyValue(e.b, val, k);
    });
  });
}

bool Machine::evalEvery(const CExpr& e, Cont k) {
  return evalTerm(e.c, [&](const Value& coll) {
    // A domain that is not a collection makes `every` undefined.
    if (!coll.isCollection()) return true;
    Value hold = coll;
    bool all = true;
    bool ok = forEachEntry(hold, [&](const Value& key, const Value& val) {
      bool found = false;
      size_t mark = trail_.size();
      auto body = [&]() {
        return evalBody(*e.body, 0, [&]() {
          found = true;
          return false;
        });
      };
      if (e.has_key) {
        unifyValue(e.a, key, [&]() { return unifyValue(e.b, val, body); });
      } else {
        unifyValue(e.b, val, body);
      }
      while (trail_.size() > mark) {
        slots_[trail_.back()] = Value();
        trail_.pop_back();
      }
      if (error_) return false;
      if (!found) {
        all = false;
        return false;
      }
      return true;
    });
    if (error_) return false;
    (void)ok;
    if (!all) return true;
    return k();
  });
}

// ---- Terms ----

bool Machine::canEval(const CTerm& t) const {
  switch (t.kind) {
    case TKind::Const:
    case TKind::Input:
    case TKind::Data:
    case TKind::Ref:
    case TKind::Call:
    case TKind::ArrayCompr:
    case TKind::SetCompr:
    case TKind::ObjectCompr:
    case TKind::Template:
      return true;
    case TKind::Var:
      return slotValue(t.slot).isDefined();
    case TKind::Array:
    case TKind::Set:
    case TKind::Object:
      for (const auto& i : t.items) {
        if (!canEval(i)) return false;
      }
      return true;
  }
  return true;
}

bool Machine::evalTerm(const CTerm& t, ValueCont k) {
  switch (t.kind) {
    case TKind::Const:
      return k(t.value);
    case TKind::Var: {
      const Value& v = slotValue(t.slot);
      if (v.isUndefined()) return true;
      return k(v);
    }
    case TKind::Input:
      if (input_.isUndefined()) return true;
      return k(input_);
    case TKind::Data:
      return evalData(plan_->root.get(), data_, t, 0, k);
    case TKind::Ref:
      return evalRef(t, k);
    case TKind::Array:
    case TKind::Set:
    case TKind::Object:
      return evalCollection(t, k);
    case TKind::ArrayCompr:
    case TKind::SetCompr:
    case TKind::ObjectCompr:
      return evalCompr(t, k);
    case TKind::Call:
      return evalCall(t, k);
    case TKind::Template:
      return evalTemplate(t, k);
  }
  return true;
}

bool Machine::evalItems(const std::vector<CTerm>& items, size_t i, std::vector<Value>& acc,
                        FnRef<bool()> k) {
  if (i == items.size()) return k();
  return evalTerm(items[i], [&](const Value& v) {
    acc.push_back(v);
    bool r = evalItems(items, i + 1, acc, k);
    acc.pop_back();
    return r;
  });
}

bool Machine::evalCollection(const CTerm& t, ValueCont k) {
  std::vector<Value> acc;
  acc.reserve(t.items.size());
  return evalItems(t.items, 0, acc, [&]() {
    Value v;
    if (t.kind == TKind::Array) {
      v = Value::array(acc);
    } else if (t.kind == TKind::Set) {
      v = Value::set(acc);
    } else {
      std::vector<ObjectEntry> es;
      es.reserve(acc.size() / 2);
      for (size_t i = 0; i + 1 < acc.size(); i += 2)
        es.push_back({acc[i], acc[i + 1]});
      v = Value::object(std::move(es));
    }
    chargeMemory(v);
    if (error_) return false;
    return k(v);
  });
}

bool Machine::evalCompr(const CTerm& t, ValueCont k) {
  if (++depth_ > opts_->budget.max_depth) {
    --depth_;
    return halt(plainError("eval_budget_error", "evaluation exceeded the depth budget"));
  }
  size_t mark = trail_.size();
  Value result;
  bool ok;
  if (t.kind == TKind::ArrayCompr) {
    std::vector<Value> out;
    ok = evalBody(*t.body, 0, [&]() {
      return evalTerm(t.items[0], [&](const Value& v) {
        out.push_back(v);
        return true;
      });
    });
    result = Value::array(std::move(out));
  } else if (t.kind == TKind::SetCompr) {
    std::vector<Value> out;
    ok = evalBody(*t.body, 0, [&]() {
      return evalTerm(t.items[0], [&](const Value& v) {
        out.push_back(v);
        return true;
      });
    });
    result = Value::set(std::move(out));
  } else {
    ObjectBuilder out;
    ok = evalBody(*t.body, 0, [&]() {
      return evalTerm(t.items[0], [&](const Value& key) {
        return evalTerm(t.items[1], [&](const Value& val) {
          if (!out.insert(key, val)) {
            return haltAt("eval_conflict_error", "object keys must be unique", t.items[0].loc);
          }
          return true;
        });
      });
    });
    result = out.build();
  }
  while (trail_.size() > mark) {
    slots_[trail_.back()] = Value();
    trail_.pop_back();
  }
  --depth_;
  if (!ok || error_) return false;
  chargeMemory(result);
  if (error_) return false;
  return k(result);
}

bool Machine::evalTemplate(const CTerm& t, ValueCont k) {
  std::string out;
  for (const auto& part : t.items) {
    if (part.isConst() && part.value.isString()) {
      out.append(part.value.asString());
      continue;
    }
    bool got = false;
    Value first;
    size_t mark = trail_.size();
    bool ok = evalTerm(part, [&](const Value& v) {
      if (got && v != first) {
        return haltAt("eval_conflict_error", "template expression produced multiple outputs",
                      part.loc);
      }
      if (!got) first = v;
      got = true;
      return true;
    });
    while (trail_.size() > mark) {
      slots_[trail_.back()] = Value();
      trail_.pop_back();
    }
    if (!ok || error_) return false;
    if (got && part.name == "__template_with__") {
      // `{x with ...}`: a one-element comprehension; empty means undefined.
      if (first.items().empty()) {
        got = false;
      } else {
        first = first.items()[0];
      }
    }
    if (!got) {
      out.append("<undefined>");
    } else if (first.isString()) {
      out.append(first.asString());
    } else {
      appendRego(out, first);
    }
  }
  return k(Value::string(out));
}

// ---- Unification ----

bool Machine::bindSlot(int32_t slot, const Value& v, Cont k) {
  // Every binding is a unit of work: iterations count against the budget.
  if (!step()) return false;
  size_t abs = base_ + static_cast<size_t>(slot);
  slots_[abs] = v;
  trail_.push_back(abs);
  bool r = k();
  // Bindings unwind in LIFO order.
  slots_[abs] = Value();
  trail_.pop_back();
  return r;
}

bool Machine::unify(const CTerm& a, const CTerm& b, Cont k) {
  if (a.kind == TKind::Var && slotValue(a.slot).isUndefined()) {
    if (canEval(b)) return evalTerm(b, [&](const Value& v) { return bindSlot(a.slot, v, k); });
  } else if (b.kind == TKind::Var && slotValue(b.slot).isUndefined()) {
    if (canEval(a)) return evalTerm(a, [&](const Value& v) { return bindSlot(b.slot, v, k); });
  }
  bool ea = canEval(a);
  bool eb = canEval(b);
  if (ea && eb) {
    if (b.isConst())
      return evalTerm(a, [&](const Value& va) { return va == b.value ? k() : true; });
    return evalTerm(a, [&](const Value& va) {
      Value hold = va;
      return evalTerm(b, [&](const Value& vb) { return hold == vb ? k() : true; });
    });
  }
  if (eb)
    return evalTerm(b, [&](const Value& vb) {
      Value hold = vb;
      return unifyValue(a, hold, k);
    });
  if (ea)
    return evalTerm(a, [&](const Value& va) {
      Value hold = va;
      return unifyValue(b, hold, k);
    });
  std::vector<std::pair<const CTerm*, const CTerm*>> pending{{&a, &b}};
  return unifyPairs(pending, k);
}

bool Machine::unifyPairs(std::vector<std::pair<const CTerm*, const CTerm*>>& pending, Cont k) {
  if (pending.empty()) return k();
  for (size_t i = 0; i < pending.size(); ++i) {
    auto [x, y] = pending[i];
    bool ready = canEval(*x) || canEval(*y) ||
                 (x->kind == TKind::Var && slotValue(x->slot).isUndefined() && canEval(*y)) ||
                 (y->kind == TKind::Var && slotValue(y->slot).isUndefined() && canEval(*x));
    if (ready) {
      std::vector<std::pair<const CTerm*, const CTerm*>> rest = pending;
      rest.erase(rest.begin() + static_cast<long>(i));
      return unify(*x, *y, [&]() { return unifyPairs(rest, k); });
    }
  }
  // Decompose structurally.
  for (size_t i = 0; i < pending.size(); ++i) {
    auto [x, y] = pending[i];
    if (x->kind == TKind::Array && y->kind == TKind::Array) {
      if (x->items.size() != y->items.size()) return true;
      std::vector<std::pair<const CTerm*, const CTerm*>> rest = pending;
      rest.erase(rest.begin() + static_cast<long>(i));
      for (size_t j = 0; j < x->items.size(); ++j)
        rest.push_back({&x->items[j], &y->items[j]});
      return unifyPairs(rest, k);
    }
    if (x->kind == TKind::Object && y->kind == TKind::Object) {
      if (x->items.size() != y->items.size()) return true;
      std::vector<std::pair<const CTerm*, const CTerm*>> rest = pending;
      rest.erase(rest.begin() + static_cast<long>(i));
      for (size_t p = 0; p + 1 < x->items.size(); p += 2) {
        bool matched = false;
        for (size_t q = 0; q + 1 < y->items.size(); q += 2) {
          if (x->items[p].isConst() && y->items[q].isConst() &&
              x->items[p].value == y->items[q].value) {
            rest.push_back({&x->items[p + 1], &y->items[q + 1]});
            matched = true;
            break;
          }
        }
        if (!matched) return true;
      }
      return unifyPairs(rest, k);
    }
    if ((x->kind == TKind::Array && y->kind == TKind::Object) ||
        (x->kind == TKind::Object && y->kind == TKind::Array)) {
      return true;
    }
  }
  // Two unbound variables: bind one to the other once either gets a value is
  // not expressible here; OPA's safety check rejects such bodies.
  return true;
}

bool Machine::unifyItems(const CTerm& pattern, const Value& v, size_t i, Cont k) {
  if (i == pattern.items.size()) return k();
  const Value& item = v.items()[i];
  return unifyValue(pattern.items[i], item, [&]() { return unifyItems(pattern, v, i + 1, k); });
}

bool Machine::unifyValue(const CTerm& p, const Value& v, Cont k) {
  switch (p.kind) {
    case TKind::Const:
      return p.value == v ? k() : true;
    case TKind::Var: {
      const Value& cur = slotValue(p.slot);
      if (cur.isDefined()) return cur == v ? k() : true;
      return bindSlot(p.slot, v, k);
    }
    case TKind::Array:
      if (!v.isArray() || v.items().size() != p.items.size()) return true;
      return unifyItems(p, v, 0, k);
    case TKind::Object: {
      if (!v.isObject() || v.entries().size() * 2 != p.items.size()) return true;
      // Keys must be known; unify values one by one.
      struct Rec {
        Machine* m;
        const CTerm& p;
        const Value& v;
        Cont k;
        bool go(size_t i) {
          if (i >= p.items.size()) return k();
          return m->evalTerm(p.items[i], [&](const Value& key) {
            const Value* val = v.get(key);
            if (val == nullptr) return true;
            return m->unifyValue(p.items[i + 1], *val, [&]() { return go(i + 2); });
          });
        }
      };
      Rec rec{this, p, v, k};
      return rec.go(0);
    }
    default:
      return evalTerm(p, [&](const Value& pv) { return pv == v ? k() : true; });
  }
}

}  // namespace meshgate::rego
