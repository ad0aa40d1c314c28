// SPDX-License-Identifier: Apache-2.0
// References, the data tree (base documents merged with rules), and rule
// evaluation with conflict detection and caching.
#include <algorithm>

#include "rego/eval/machine.h"
#include "rego/value/json.h"
#include "rego/value/number.h"

namespace meshgate::rego {
namespace {

constexpr const char* kConflict = "eval_conflict_error";

}  // namespace

bool Machine::evalRef(const CTerm& ref, ValueCont k) {
  const CTerm& head = ref.items[0];
  switch (head.kind) {
    case TKind::Data:
      // The compiler resolved the constant prefix against the plan's own data
      // and rules; that holds unless a `with` replaced part of data.
      if (ref.ref_pos != 0 && data_withs_ == 0 && disabled_nodes_.empty())
        return evalData(ref.ref_node, ref.ref_base, ref, ref.ref_pos, k);
      return evalData(plan_->root.get(), data_, ref, 1, k);
    case TKind::Input:
      if (input_.isUndefined()) return true;
      if (ref.items.size() > 2) return evalGroundInputRef(ref, k);
      return walk(input_, ref, 1, k);
    case TKind::Var: {
      const Value& v = slotValue(head.slot);
      if (v.isUndefined()) return true;
      Value hold = v;
      return walk(hold, ref, 1, k);
    }
    default:
      return evalTerm(head, [&](const Value& v) {
        Value hold = v;
        return walk(hold, ref, 1, k);
      });
  }
}

bool Machine::evalGroundInputRef(const CTerm& ref, ValueCont k) {
  for (uint32_t i = 0; i < input_ref_count_; ++i) {
    if (input_refs_[i].ref == &ref) {
      const Value* v = input_refs_[i].value;
      return v == nullptr ? true : k(*v);
    }
  }
  for (size_t pos = 1; pos < ref.items.size(); ++pos) {
    if (ref.items[pos].kind != TKind::Const) return walk(input_, ref, 1, k);
  }
  // What walk() does for constant operands.
  const Value* v = &input_;
  for (size_t pos = 1; pos < ref.items.size() && v != nullptr; ++pos)
    v = v->get(ref.items[pos].value);
  if (input_ref_count_ < kInputRefs) input_refs_[input_ref_count_++] = {&ref, v};
  return v == nullptr ? true : k(*v);
}

// Base documents are stored with string keys; data.a[2] reads "2".
bool Machine::walkBase(const Value& v, const CTerm& ref, size_t pos, ValueCont k) {
  if (pos == ref.items.size()) return k(v);
  const CTerm& op = ref.items[pos];
  if (op.kind == TKind::Const) {
    const Value* child = v.get(op.value);
    if (child == nullptr && op.value.isNumber() && v.isObject())
      child = v.field(formatNumber(op.value));
    if (child == nullptr) return true;
    return walkBase(*child, ref, pos + 1, k);
  }
  return walkKey(v, op, ref, pos, k);
}

bool Machine::walk(const Value& v, const CTerm& ref, size_t pos, ValueCont k) {
  if (pos == ref.items.size()) return k(v);
  const CTerm& op = ref.items[pos];
  if (op.kind == TKind::Const) {
    const Value* child = v.get(op.value);
    if (child == nullptr) return true;
    return walk(*child, ref, pos + 1, k);
  }
  return walkKey(v, op, ref, pos, k);
}

bool Machine::walkKey(const Value& v, const CTerm& op, const CTerm& ref, size_t pos, ValueCont k) {
  if (op.kind == TKind::Var) {
    const Value& bound = slotValue(op.slot);
    if (bound.isDefined()) {
      const Value* child = v.get(bound);
      if (child == nullptr) return true;
      return walk(*child, ref, pos + 1, k);
    }
    // Enumerate.
    switch (v.kind()) {
      case Kind::Array: {
        const auto& items = v.items();
        for (size_t i = 0; i < items.size(); ++i) {
          if (!bindSlot(op.slot, Value::integer(static_cast<int64_t>(i)),
                        [&]() { return walk(items[i], ref, pos + 1, k); }))
            return false;
        }
        return true;
      }
      case Kind::Set:
        for (const auto& item : v.items()) {
          if (!bindSlot(op.slot, item, [&]() { return walk(item, ref, pos + 1, k); })) return false;
        }
        return true;
      case Kind::Object:
        for (const auto& e : v.entries()) {
          if (!bindSlot(op.slot, e.key, [&]() { return walk(e.value, ref, pos + 1, k); }))
            return false;
        }
        return true;
      default:
        return true;
    }
  }
  if (canEval(op)) {
    return evalTerm(op, [&](const Value& key) {
      const Value* child = v.get(key);
      if (child == nullptr) return true;
      return walk(*child, ref, pos + 1, k);
    });
  }
  // A pattern key (x[[a, b]]): unify with every key.
  bool ok = true;
  auto each = [&](const Value& key, const Value& child) {
    return unifyValue(op, key, [&]() { return walk(child, ref, pos + 1, k); });
  };
  switch (v.kind()) {
    case Kind::Array:
      for (size_t i = 0; i < v.items().size() && ok; ++i)
        ok = each(Value::integer(static_cast<int64_t>(i)), v.items()[i]);
      break;
    case Kind::Set:
      for (const auto& item : v.items()) {
        if (!(ok = each(item, item))) break;
      }
      break;
    case Kind::Object:
      for (const auto& e : v.entries()) {
        if (!(ok = each(e.key, e.value))) break;
      }
      break;
    default:
      break;
  }
  return ok;
}

bool Machine::isDisabled(const RuleNode* node) const {
  for (const RuleNode* d : disabled_nodes_) {
    if (d == node) return true;
  }
  return false;
}

bool Machine::evalData(const RuleNode* node, const Value& base, const CTerm& ref, size_t pos,
                       ValueCont k) {
  if (node == nullptr || !node->has_rules || (!disabled_nodes_.empty() && isDisabled(node))) {
    if (base.isUndefined()) return true;
    return walkBase(base, ref, pos, k);
  }
  if (node->rules) return evalRuleSet(node, ref, pos, k);
  if (pos == ref.items.size()) {
    Value doc;
    if (!nodeDoc(node, base, &doc)) return false;
    if (doc.isUndefined()) return true;
    return k(doc);
  }
  const CTerm& op = ref.items[pos];
  auto descend = [&](const Value& key) {
    const RuleNode* child = node->child(key);
    const Value* b = base.get(key);
    if (b == nullptr && key.isNumber() && base.isObject()) {
      // Base documents live in storage with string keys: data[2] reads "2".
      b = base.field(formatNumber(key));
    }
    if (child == nullptr && b == nullptr) return true;
    return evalData(child, b != nullptr ? *b : Value(), ref, pos + 1, k);
  };
  if (op.kind == TKind::Const) return descend(op.value);
  if (op.kind == TKind::Var && slotValue(op.slot).isDefined()) {
    Value key = slotValue(op.slot);
    return descend(key);
  }
  if (op.kind != TKind::Var && canEval(op)) return evalTerm(op, descend);
  // Enumerate the keys of both the rule tree and the base document.
  std::vector<Value> keys;
  for (const auto& [key, child] : node->children) {
    if (child->has_rules) keys.push_back(key);
  }
  if (base.isObject()) {
    for (const auto& e : base.entries())
      keys.push_back(e.key);
  }
  std::sort(keys.begin(), keys.end(), [](const Value& a, const Value& b) { return a < b; });
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  for (const Value& key : keys) {
    if (!unifyValue(op, key, [&]() { return descend(key); })) return false;
  }
  return true;
}

// The whole document at a node without rules of its own: base data merged
// with every rule below.
bool Machine::nodeDoc(const RuleNode* node, const Value& base, Value* out) {
  if (node->rules) {
    switch (node->rules->kind) {
      case RuleSetKind::Complete:
        return completeValue(node, out);
      case RuleSetKind::Multi:
        return multiValue(node, out);
      case RuleSetKind::Dynamic: {
        CacheKey ck{node, CacheTag::Doc};
        if (const Value* hit = cache().find(ck)) {
          *out = *hit;
          return true;
        }
        Value v;
        if (!dynamicValue(node, &v)) return false;
        for (const auto& [key, child] : node->children) {
          if (!child->has_rules || (!disabled_nodes_.empty() && isDisabled(child.get()))) continue;
          Value cv;
          if (!nodeDoc(child.get(), Value(), &cv)) return false;
          if (cv.isUndefined()) continue;
          Value wrapped = Value::object({{key, cv}});
          Value merged;
          if (!mergeDynamic(v, wrapped, 0, *node->rules, &merged)) {
            return haltAt("eval_conflict_error", "object keys must be unique",
                          node->rules->rules[0]->loc);
          }
          v = merged;
        }
        cache().put(ck, v);
        *out = v;
        return true;
      }
      case RuleSetKind::Function:
        *out = Value();
        return true;
    }
  }
  ObjectBuilder b;
  if (base.isDefined() && !base.isObject() && !node->has_rules) {
    *out = base;
    return true;
  }
  for (const auto& [key, child] : node->children) {
    if (!child->has_rules) continue;
    const Value* cb = base.get(key);
    Value cv;
    if (!disabled_nodes_.empty() && isDisabled(child.get())) continue;
    if (!nodeDoc(child.get(), cb != nullptr ? *cb : Value(), &cv)) return false;
    if (cv.isDefined()) b.put(key, cv);
  }
  // Base documents take precedence over rules at the same key (as OPA's merge).
  if (base.isObject()) {
    for (const auto& e : base.entries()) {
      const Value* existing = b.find(e.key);
      if (existing != nullptr && existing->isObject() && e.value.isObject()) {
        ObjectBuilder m;
        for (const auto& x : existing->entries())
          m.put(x.key, x.value);
        for (const auto& x : e.value.entries())
          m.put(x.key, x.value);
        b.put(e.key, m.build());
      } else {
        b.put(e.key, e.value);
      }
    }
  }
  *out = b.build();
  return true;
}

bool Machine::evalRuleSet(const RuleNode* node, const CTerm& ref, size_t pos, ValueCont k) {
  const RuleSet& rs = *node->rules;
  switch (rs.kind) {
    case RuleSetKind::Complete: {
      Value v;
      if (!completeValue(node, &v)) return false;
      if (v.isUndefined()) return true;
      return walk(v, ref, pos, k);
    }
    case RuleSetKind::Multi: {
      if (pos < ref.items.size()) {
        const CTerm& op = ref.items[pos];
        bool ground = op.kind == TKind::Const ||
                      (op.kind == TKind::Var && slotValue(op.slot).isDefined()) ||
                      (op.kind != TKind::Var && canEval(op) && op.kind != TKind::Ref);
        if (ground && cache().find(CacheKey{node, CacheTag::Full}) == nullptr) {
          return evalTerm(op, [&](const Value& key) {
            Value hold = key;
            bool found = false;
            if (!multiContains(node, hold, &found)) return false;
            if (!found) return true;
            return walk(hold, ref, pos + 1, k);
          });
        }
      }
      Value v;
      if (!multiValue(node, &v)) return false;
      return walk(v, ref, pos, k);
    }
    case RuleSetKind::Dynamic: {
      if (pos < ref.items.size()) {
        const CTerm& op = ref.items[pos];
        bool ground =
            op.kind == TKind::Const || (op.kind == TKind::Var && slotValue(op.slot).isDefined());
        bool simple = true;
        for (const auto& r : rs.rules) {
          if (r->suffix.size() != 1) simple = false;
        }
        if (ground && cache().find(CacheKey{node, CacheTag::Doc}) == nullptr) {
          Value key = op.kind == TKind::Const ? op.value : slotValue(op.slot);
          Value v;
          if (simple) {
            if (!dynamicLookup(node, key, &v)) return false;
          } else {
            Value all;
            if (!dynamicValue(node, &all)) return false;
            if (const Value* x = all.get(key)) v = *x;
          }
          // Rules below this node (p[k] := v beside p.foo := w) merge in.
          const RuleNode* child = node->child(key);
          if (child != nullptr && child->has_rules &&
              !(!disabled_nodes_.empty() && isDisabled(child))) {
            Value cv;
            if (!nodeDoc(child, Value(), &cv)) return false;
            if (cv.isDefined() &&
                !(cv.isObject() && cv.entries().empty() && child->rules == nullptr)) {
              Value merged;
              if (v.isDefined() && !mergeDynamic(v, cv, 1, rs, &merged)) {
                return haltAt("eval_conflict_error", "object keys must be unique",
                              rs.rules[0]->loc);
              }
              v = v.isDefined() ? merged : cv;
            }
          }
          if (v.isUndefined()) return true;
          return walk(v, ref, pos + 1, k);
        }
      }
      Value v;
      if (!nodeDoc(node, Value(), &v)) return false;
      if (v.isUndefined()) return true;
      return walk(v, ref, pos, k);
    }
    case RuleSetKind::Function:
      return true;
  }
  return true;
}

// Merges two virtual documents: objects recursively, sets by union; any
// other overlap must be equal.
bool Machine::mergeVirtual(const Value& a, const Value& b, Value* out) {
  if (a.isObject() && b.isObject()) {
    ObjectBuilder ob;
    for (const auto& e : a.entries())
      ob.put(e.key, e.value);
    for (const auto& e : b.entries()) {
      const Value* existing = a.get(e.key);
      if (existing == nullptr) {
        ob.put(e.key, e.value);
        continue;
      }
      Value m;
      if (!mergeVirtual(*existing, e.value, &m)) return false;
      ob.put(e.key, m);
    }
    *out = ob.build();
    return true;
  }
  if (a.isSet() && b.isSet()) {
    std::vector<Value> items = a.items();
    items.insert(items.end(), b.items().begin(), b.items().end());
    *out = Value::set(std::move(items));
    return true;
  }
  if (a == b) {
    *out = a;
    return true;
  }
  return false;
}

// Merges documents of rules below a node into the node's ref-head rules'
// document. Rule values are leaves (depth = a rule's head suffix length):
// nothing may be merged into them, except set leaves, which combine.
bool Machine::mergeDynamic(const Value& dyn, const Value& in, size_t depth, const RuleSet& rs,
                           Value* out) {
  bool leaf = false;
  for (const auto& r : rs.rules) {
    if (r->suffix.size() == depth) leaf = true;
  }
  if (leaf) {
    if (dyn.isSet() && in.isSet()) return mergeVirtual(dyn, in, out);
    if (dyn == in) {
      *out = dyn;
      return true;
    }
    return false;
  }
  if (!dyn.isObject() || !in.isObject()) return false;
  ObjectBuilder ob;
  for (const auto& e : dyn.entries())
    ob.put(e.key, e.value);
  for (const auto& e : in.entries()) {
    const Value* existing = dyn.get(e.key);
    if (existing == nullptr) {
      ob.put(e.key, e.value);
      continue;
    }
    Value m;
    if (!mergeDynamic(*existing, e.value, depth + 1, rs, &m)) return false;
    ob.put(e.key, m);
  }
  *out = ob.build();
  return true;
}

// ---- Rules ----

// Calls f(rule) for each rule of `rs` that may apply, in definition order,
// until f returns false: every rule, or with an index the rules of the
// bucket of the indexed value plus the unindexed ones.
template <typename F>
void Machine::forEachCandidate(const RuleSet& rs, F&& f) {
  if (!rs.index) {
    for (const auto& r : rs.rules) {
      if (!f(r.get())) return;
    }
    return;
  }
  const RuleIndex& idx = *rs.index;
  Value key;
  evalTerm(idx.ref, [&](const Value& v) {
    key = v;
    return false;
  });
  const std::vector<uint32_t>* bucket = nullptr;
  if (key.isDefined()) {
    auto it =
        std::lower_bound(idx.buckets.begin(), idx.buckets.end(), key,
                         [](const RuleIndex::Bucket& b, const Value& k) { return b.key < k; });
    if (it != idx.buckets.end() && it->key == key) bucket = &it->rules;
  }
  if (bucket == nullptr) {
    for (uint32_t o : idx.unindexed) {
      if (!f(rs.rules[o].get())) return;
    }
    return;
  }
  // Merge the two sorted ordinal lists to keep definition order.
  size_t i = 0, j = 0;
  while (i < bucket->size() || j < idx.unindexed.size()) {
    uint32_t o;
    if (j == idx.unindexed.size() || (i < bucket->size() && (*bucket)[i] < idx.unindexed[j])) {
      o = (*bucket)[i++];
    } else {
      o = idx.unindexed[j++];
    }
    if (!f(rs.rules[o].get())) return;
  }
}

bool Machine::ruleSolutions(const CRule& rule, FnRef<bool()> on_solution) {
  if (++depth_ > opts_->budget.max_depth) {
    --depth_;
    return haltAt("eval_budget_error", "evaluation exceeded the depth budget", rule.loc);
  }
  bool r;
  {
    FrameGuard frame(this, rule.nslots);
    r = evalBody(rule.body, 0, on_solution);
  }
  --depth_;
  return r;
}

// Evaluates a rule and its else chain; sets *prev to the value (checking
// conflicts with a previous value). Returns false on error or early exit.
bool Machine::ruleChainValue(const CRule& rule, Value* prev, const char* conflict_msg,
                             bool early_exit, bool* produced) {
  *produced = false;
  for (const CRule* r = &rule; r != nullptr; r = r->else_rule.get()) {
    bool got = false;
    bool ok = ruleSolutions(*r, [&]() {
      return evalTerm(r->value, [&](const Value& v) {
        if (prev->isDefined() && *prev != v) return haltAt(kConflict, conflict_msg, r->loc);
        *prev = v;
        got = true;
        return !early_exit;
      });
    });
    if (error_) return false;
    (void)ok;
    if (got) {
      *produced = true;
      return true;
    }
  }
  return true;
}

bool Machine::completeValue(const RuleNode* node, Value* out) {
  CacheKey ck{node, CacheTag::Complete};
  if (const Value* hit = cache().find(ck)) {
    *out = *hit;
    return true;
  }
  const RuleSet& rs = *node->rules;
  Value prev;
  bool failed = false;
  forEachCandidate(rs, [&](const CRule* r) {
    bool produced = false;
    if (!ruleChainValue(*r, &prev, "complete rules must not produce multiple outputs",
                        rs.early_exit, &produced)) {
      failed = true;
      return false;
    }
    return !(produced && rs.early_exit);
  });
  if (failed) return false;
  if (prev.isUndefined() && rs.default_rule) {
    bool produced = false;
    if (!ruleChainValue(*rs.default_rule, &prev, "complete rules must not produce multiple outputs",
                        false, &produced))
      return false;
  }
  prev = patchMocksBelow(node, prev);
  cache().put(ck, prev);
  *out = prev;
  return true;
}

bool Machine::multiValue(const RuleNode* node, Value* out) {
  CacheKey ck{node, CacheTag::Full};
  if (const Value* hit = cache().find(ck)) {
    *out = *hit;
    return true;
  }
  // One allocation for the usual handful of elements, not one per doubling.
  std::vector<Value> items;
  items.reserve(8);
  bool failed = false;
  forEachCandidate(*node->rules, [&](const CRule* r) {
    bool ok = ruleSolutions(*r, [&]() {
      return evalTerm(r->key, [&](const Value& v) {
        items.push_back(v);
        return true;
      });
    });
    failed = !ok || error_;
    return !failed;
  });
  if (failed) return false;
  Value v = Value::set(std::move(items));
  chargeMemory(v);
  if (error_) return false;
  cache().put(ck, v);
  *out = v;
  return true;
}

bool Machine::multiContains(const RuleNode* node, const Value& key, bool* found) {
  *found = false;
  for (const auto& r : node->rules->rules) {
    bool ok = ruleSolutions(*r, [&]() {
      return unifyValue(r->key, key, [&]() {
        *found = true;
        return false;
      });
    });
    if (error_) return false;
    (void)ok;
    if (*found) return true;
  }
  return true;
}

namespace {

// Inserts a contribution at `path` into a nested object tree under
// construction. Leaves are either values (complete) or sets (multi-value).
struct DocTree {
  struct Node {
    Value leaf;
    bool is_set = false;
    std::vector<Value> set_items;
    std::vector<std::pair<Value, std::unique_ptr<Node>>> kids;
    Node* kid(const Value& k) {
      for (auto& [key, n] : kids) {
        if (key == k) return n.get();
      }
      kids.emplace_back(k, std::make_unique<Node>());
      return kids.back().second.get();
    }
    Value build() const {
      if (is_set) return Value::set(set_items);
      if (leaf.isDefined()) return leaf;
      ObjectBuilder b;
      for (const auto& [k, n] : kids)
        b.put(k, n->build());
      return b.build();
    }
  };
  Node root;
};

}  // namespace

bool Machine::dynamicValue(const RuleNode* node, Value* out) {
  CacheKey ck{node, CacheTag::Full};
  if (const Value* hit = cache().find(ck)) {
    *out = *hit;
    return true;
  }
  const RuleSet& rs = *node->rules;
  DocTree tree;
  bool any = false;
  for (const auto& rp : rs.rules) {
    const CRule* rule = rp.get();
    for (const CRule* r = rule; r != nullptr; r = r->else_rule.get()) {
      bool got = false;
      bool ok = ruleSolutions(*r, [&]() {
        std::vector<Value> path;
        return evalItems(r->suffix, 0, path, [&]() {
          const CTerm& leaf_term = r->has_key ? r->key : r->value;
          return evalTerm(leaf_term, [&](const Value& leaf) {
            DocTree::Node* n = &tree.root;
            for (size_t i = 0; i < path.size(); ++i) {
              if (n->leaf.isDefined() || n->is_set) {
                return haltAt(kConflict, "object keys must be unique", r->loc);
              }
              n = n->kid(path[i]);
            }
            if (r->has_key) {
              if (n->leaf.isDefined() || (!n->kids.empty())) {
                return haltAt(kConflict, "object keys must be unique", r->loc);
              }
              n->is_set = true;
              n->set_items.push_back(leaf);
            } else {
              if (n->is_set || !n->kids.empty() || (n->leaf.isDefined() && n->leaf != leaf)) {
                return haltAt(kConflict, "object keys must be unique", r->loc);
              }
              n->leaf = leaf;
            }
            got = true;
            any = true;
            return !rule->else_rule;
          });
        });
      });
      if (error_) return false;
      (void)ok;
      if (got) break;
    }
  }
  Value v = any ? tree.root.build() : Value::emptyObject();
  v = patchMocksBelow(node, v);
  cache().put(ck, v);
  *out = v;
  return true;
}

bool Machine::dynamicLookup(const RuleNode* node, const Value& key, Value* out) {
  const RuleSet& rs = *node->rules;
  Value prev;
  std::vector<Value> set_items;
  bool is_set = false;
  for (const auto& rp : rs.rules) {
    const CRule* rule = rp.get();
    for (const CRule* r = rule; r != nullptr; r = r->else_rule.get()) {
      bool got = false;
      ruleSolutions(*r, [&]() {
        return unifyValue(r->suffix[0], key, [&]() {
          if (r->has_key) {
            return evalTerm(r->key, [&](const Value& v) {
              is_set = true;
              set_items.push_back(v);
              got = true;
              return true;
            });
          }
          return evalTerm(r->value, [&](const Value& v) {
            if (prev.isDefined() && prev != v)
              return haltAt(kConflict, "object keys must be unique", r->loc);
            prev = v;
            got = true;
            return !rule->else_rule;
          });
        });
      });
      if (error_) return false;
      if (got) break;
    }
  }
  if (is_set) {
    if (prev.isDefined())
      return haltAt(kConflict, "object keys must be unique", node->rules->rules[0]->loc);
    *out = Value::set(std::move(set_items));
    return true;
  }
  *out = prev;
  return true;
}

Value Machine::patchMocksBelow(const RuleNode* node, Value v) {
  (void)node;
  return v;
}

}  // namespace meshgate::rego
