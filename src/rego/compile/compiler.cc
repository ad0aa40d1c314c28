// SPDX-License-Identifier: Apache-2.0
#include "rego/compile/compiler.h"

#include <algorithm>
#include <map>

#include "rego/compile/lower.h"
#include "rego/value/json.h"
#include "rego/value/number.h"

namespace meshgate::rego {
namespace {

constexpr const char* kTypeError = "rego_type_error";
constexpr const char* kCompileError = "rego_compile_error";

std::string pathString(const std::vector<Value>& path) {
  std::string out = "data";
  for (const auto& k : path) {
    if (k.isString()) {
      out += ".";
      out += k.asString();
    } else {
      out += "[" + toRegoString(k) + "]";
    }
  }
  return out;
}

RuleNode* ensureChild(RuleNode* n, const Value& key, uint32_t* counter) {
  auto it = std::lower_bound(n->children.begin(), n->children.end(), key,
                             [](const auto& e, const Value& k) { return compare(e.first, k) < 0; });
  if (it != n->children.end() && it->first == key) return it->second.get();
  auto child = std::make_unique<RuleNode>();
  child->key = key;
  child->path = n->path;
  child->path.push_back(key);
  child->path_str = pathString(child->path);
  child->id = (*counter)++;
  RuleNode* raw = child.get();
  n->children.insert(it, {key, std::move(child)});
  return raw;
}

struct PendingRule {
  const Module* module;
  size_t module_index;
  const Rule* rule;
  RuleNode* node;
  std::vector<const Term*> suffix;
  RuleSetKind kind;
};

void markHasRules(RuleNode* n) {
  bool any = static_cast<bool>(n->rules) || n->is_package;
  for (auto& [k, c] : n->children) {
    markHasRules(c.get());
    any = any || c->has_rules;
  }
  n->has_rules = any;
}

bool hasDescendantRules(const RuleNode* n) {
  for (const auto& [k, c] : n->children) {
    if (c->has_rules) return true;
  }
  return false;
}

// `<input ref> == <const>` or `<input ref> = <const>`: the ref and the constant.
bool indexableExpr(const CExpr& e, const CTerm** ref, const Value** key) {
  if (!e.withs.empty()) return false;
  const CTerm* a = nullptr;
  const CTerm* b = nullptr;
  if (e.kind == EKind::Unify) {
    a = &e.a;
    b = &e.b;
  } else if (e.kind == EKind::Truth && e.a.kind == TKind::Call && e.a.builtin != nullptr &&
             e.a.name == "equal" && e.a.items.size() == 2) {
    a = &e.a.items[0];
    b = &e.a.items[1];
  } else {
    return false;
  }
  auto groundInputRef = [](const CTerm* t) {
    if (t->kind != TKind::Ref || t->items.empty() || t->items[0].kind != TKind::Input) return false;
    for (size_t i = 1; i < t->items.size(); ++i) {
      if (!t->items[i].isConst()) return false;
    }
    return true;
  };
  if (groundInputRef(a) && b->isConst()) {
    *ref = a;
    *key = &b->value;
    return true;
  }
  if (groundInputRef(b) && a->isConst()) {
    *ref = b;
    *key = &a->value;
    return true;
  }
  return false;
}

bool sameRef(const CTerm& a, const CTerm& b) {
  if (a.items.size() != b.items.size()) return false;
  for (size_t i = 1; i < a.items.size(); ++i) {
    if (a.items[i].value != b.items[i].value) return false;
  }
  return true;
}

void buildIndex(RuleSet* rs) {
  if (rs->kind != RuleSetKind::Complete && rs->kind != RuleSetKind::Multi) return;
  if (rs->rules.size() < 4) return;
  // Pick the ref tested by the most rules.
  std::vector<const CTerm*> candidates;
  std::vector<size_t> counts;
  for (const auto& r : rs->rules) {
    if (r->else_rule) continue;
    for (const auto& e : r->body.exprs) {
      const CTerm* ref;
      const Value* key;
      if (!indexableExpr(e, &ref, &key)) continue;
      bool found = false;
      for (size_t i = 0; i < candidates.size(); ++i) {
        if (sameRef(*candidates[i], *ref)) {
          ++counts[i];
          found = true;
          break;
        }
      }
      if (!found) {
        candidates.push_back(ref);
        counts.push_back(1);
      }
      break;  // one per rule is enough to rank
    }
  }
  if (candidates.empty()) return;
  size_t best =
      static_cast<size_t>(std::max_element(counts.begin(), counts.end()) - counts.begin());
  if (counts[best] < 4) return;
  auto index = std::make_unique<RuleIndex>();
  index->ref = *candidates[best];
  std::map<Value, std::vector<uint32_t>, bool (*)(const Value&, const Value&)> buckets(
      [](const Value& a, const Value& b) { return a < b; });
  for (const auto& r : rs->rules) {
    bool placed = false;
    if (!r->else_rule) {
      for (const auto& e : r->body.exprs) {
        const CTerm* ref;
        const Value* key;
        if (indexableExpr(e, &ref, &key) && sameRef(*ref, index->ref)) {
          buckets[*key].push_back(r->ordinal);
          placed = true;
          break;
        }
      }
    }
    if (!placed) index->unindexed.push_back(r->ordinal);
  }
  for (auto& [k, v] : buckets)
    index->buckets.push_back({k, std::move(v)});
  rs->index = std::move(index);
}

void finishRuleSet(RuleSet* rs) {
  uint32_t ordinal = 0;
  for (auto& r : rs->rules)
    r->ordinal = ordinal++;
  if (rs->kind == RuleSetKind::Complete && !rs->rules.empty()) {
    bool all_same = true;
    const Value* first = nullptr;
    for (const auto& r : rs->rules) {
      if (r->else_rule || !r->value.isConst()) {
        all_same = false;
        break;
      }
      if (first == nullptr) {
        first = &r->value.value;
      } else if (*first != r->value.value) {
        all_same = false;
        break;
      }
    }
    rs->early_exit = all_same;
  }
  buildIndex(rs);
}

// Annotation blocks: YAML → the object OPA returns (authors and related
// resources normalised, scope defaulted).
Value normalizeAnnotation(const Value& raw, const char* default_scope) {
  ObjectBuilder b;
  if (raw.isObject()) {
    for (const auto& e : raw.entries()) {
      std::string_view k = e.key.isString() ? e.key.asString() : "";
      if (k == "authors" && e.value.isArray()) {
        std::vector<Value> authors;
        for (const auto& a : e.value.items()) {
          if (!a.isString()) {
            authors.push_back(a);
            continue;
          }
          std::string_view s = a.asString();
          size_t lt = s.find('<');
          if (lt != std::string_view::npos && s.back() == '>') {
            std::string_view name = s.substr(0, lt);
            while (!name.empty() && name.back() == ' ')
              name.remove_suffix(1);
            std::vector<ObjectEntry> es;
            if (!name.empty()) es.push_back({Value::string("name"), Value::string(name)});
            es.push_back(
                {Value::string("email"), Value::string(s.substr(lt + 1, s.size() - lt - 2))});
            authors.push_back(Value::object(std::move(es)));
          } else {
            authors.push_back(Value::object({{Value::string("name"), a}}));
          }
        }
        b.put(e.key, Value::array(std::move(authors)));
      } else if (k == "related_resources" && e.value.isArray()) {
        std::vector<Value> out;
        for (const auto& r : e.value.items()) {
          out.push_back(r.isString() ? Value::object({{Value::string("ref"), r}}) : r);
        }
        b.put(e.key, Value::array(std::move(out)));
      } else {
        b.put(e.key, e.value);
      }
    }
  }
  if (b.find(Value::string("scope")) == nullptr)
    b.put(Value::string("scope"), Value::string(default_scope));
  return b.build();
}

Value pathValue(const std::vector<Value>& path) {
  return Value::array(path);
}

// Follows the constant operands of a data ref down the rule tree and the base
// documents, as Machine::evalData does at each step, and records where that
// walk ends, so evaluation does not repeat it for every reference.
void resolveDataRef(const Plan& plan, CTerm* ref) {
  const RuleNode* node = plan.root.get();
  Value base = plan.data;
  size_t pos = 1;
  while (pos < ref->items.size() && ref->items[pos].kind == TKind::Const && node != nullptr &&
         node->has_rules && !node->rules) {
    const Value& key = ref->items[pos].value;
    const RuleNode* child = node->child(key);
    const Value* b = base.get(key);
    if (b == nullptr && key.isNumber() && base.isObject()) b = base.field(formatNumber(key));
    if (child == nullptr && b == nullptr) break;  // undefined: let evaluation say so
    node = child;
    base = b != nullptr ? *b : Value();
    ++pos;
  }
  ref->ref_pos = static_cast<uint32_t>(pos);
  ref->ref_node = node;
  ref->ref_base = std::move(base);
}

void resolveBody(const Plan& plan, CBody* body);

void resolveTerm(const Plan& plan, CTerm* t) {
  if (t->kind == TKind::Ref && !t->items.empty() && t->items[0].kind == TKind::Data &&
      t->ref_pos == 0) {
    resolveDataRef(plan, t);
  }
  for (CTerm& i : t->items)
    resolveTerm(plan, &i);
  if (t->body) resolveBody(plan, t->body.get());
  if (t->dispatch) resolveTerm(plan, t->dispatch.get());
}

void resolveBody(const Plan& plan, CBody* body) {
  for (CExpr& e : body->exprs) {
    resolveTerm(plan, &e.a);
    resolveTerm(plan, &e.b);
    resolveTerm(plan, &e.c);
    if (e.body) resolveBody(plan, e.body.get());
    for (CWith& w : e.withs)
      resolveTerm(plan, &w.value);
  }
}

void resolveRule(const Plan& plan, CRule* r) {
  for (; r != nullptr; r = r->else_rule.get()) {
    for (CTerm& t : r->suffix)
      resolveTerm(plan, &t);
    resolveTerm(plan, &r->key);
    resolveTerm(plan, &r->value);
    for (CTerm& t : r->args)
      resolveTerm(plan, &t);
    resolveBody(plan, &r->body);
  }
}

}  // namespace

const RuleNode* RuleNode::child(const Value& k) const {
  auto it =
      std::lower_bound(children.begin(), children.end(), k,
                       [](const auto& e, const Value& key) { return compare(e.first, key) < 0; });
  if (it != children.end() && it->first == k) return it->second.get();
  return nullptr;
}

RuleNode* RuleNode::childMutable(const Value& k) {
  return const_cast<RuleNode*>(child(k));
}

Checked<std::shared_ptr<const Plan>> compilePlan(std::vector<std::shared_ptr<const Module>> modules,
                                                 Value data, const CompileOptions& options) {
  RegoErrors errors;
  auto plan = std::make_shared<Plan>();
  plan->root = std::make_unique<RuleNode>();
  plan->root->path_str = "data";
  uint32_t counter = 1;
  plan->data = data.isDefined() ? data : Value::emptyObject();
  plan->modules = modules;
  for (const auto& m : modules)
    plan->sources.push_back(m->source);

  auto error = [&](const char* code, std::string msg, const Location& loc) {
    errors.push_back(RegoError{code, std::move(msg), loc.fileName(), loc.line, loc.col});
  };

  // 1. Module scopes: package paths, rule names and imports.
  std::vector<ModuleScope> scopes(modules.size());
  for (size_t mi = 0; mi < modules.size(); ++mi) {
    const Module& m = *modules[mi];
    ModuleScope& ms = scopes[mi];
    ms.module = &m;
    for (size_t i = 1; i < m.package->args.size(); ++i)
      ms.package_path.push_back(m.package->args[i]->value);
    for (const auto& imp : m.imports) {
      std::string root;
      std::vector<Value> path;
      if (!constRefPath(*imp.path, &root, &path)) continue;
      if (root == "future" || root == "rego") continue;
      std::string alias = imp.alias;
      if (alias.empty()) {
        if (path.empty()) {
          alias = root;
        } else if (path.back().isString()) {
          alias = std::string(path.back().asString());
        }
      }
      if (alias.empty()) continue;
      GlobalName g;
      g.input = root == "input";
      g.path = path;
      ms.globals[alias] = std::move(g);
    }
    for (const auto& r : m.rules) {
      std::string name = r.name();
      if (name.empty()) continue;
      GlobalName g;
      g.path = ms.package_path;
      g.path.push_back(Value::string(name));
      ms.globals[name] = std::move(g);
    }
  }

  // 2. The rule tree.
  std::vector<PendingRule> pending;
  for (size_t mi = 0; mi < modules.size(); ++mi) {
    const Module& m = *modules[mi];
    RuleNode* pkg = plan->root.get();
    for (const auto& k : scopes[mi].package_path)
      pkg = ensureChild(pkg, k, &counter);
    pkg->is_package = true;
    for (const auto& r : m.rules) {
      // Head ref components: the name, then its operands.
      std::vector<const Term*> comps;
      if (r.head->kind == TermKind::Var) {
        comps.push_back(r.head.get());
      } else {
        for (const auto& a : r.head->args)
          comps.push_back(a.get());
      }
      RuleNode* node = pkg;
      size_t i = 0;
      for (; i < comps.size(); ++i) {
        Value key;
        if (i == 0) {
          key = Value::string(comps[0]->var);
        } else if (comps[i]->kind == TermKind::Scalar) {
          key = comps[i]->value;
        } else {
          break;
        }
        node = ensureChild(node, key, &counter);
      }
      PendingRule p;
      p.module = &m;
      p.module_index = mi;
      p.rule = &r;
      p.node = node;
      for (size_t j = i; j < comps.size(); ++j)
        p.suffix.push_back(comps[j]);
      if (r.is_function) {
        p.kind = RuleSetKind::Function;
        if (!p.suffix.empty()) error(kCompileError, "function heads must be ground refs", r.loc);
      } else if (!p.suffix.empty()) {
        p.kind = RuleSetKind::Dynamic;
      } else if (r.key) {
        p.kind = RuleSetKind::Multi;
      } else {
        p.kind = RuleSetKind::Complete;
      }
      if (!node->rules) {
        node->rules = std::make_unique<RuleSet>();
        node->rules->kind = p.kind;
        node->rules->arity = r.args.size();
      } else if (node->rules->kind != p.kind) {
        error(kTypeError, "conflicting rules " + node->path_str + " found", r.loc);
        continue;
      } else if (p.kind == RuleSetKind::Function && node->rules->arity != r.args.size()) {
        error(kTypeError, "conflicting rules " + node->path_str + " found", r.loc);
        continue;
      }
      if (r.is_default && p.kind == RuleSetKind::Dynamic) {
        error(kTypeError, "default rules must have a ground ref head", r.loc);
        continue;
      }
      pending.push_back(std::move(p));
    }
  }
  markHasRules(plan->root.get());

  // Rules may not sit above other rules (p := 1 and p.q := 2).
  std::vector<const RuleNode*> stack{plan->root.get()};
  while (!stack.empty()) {
    const RuleNode* n = stack.back();
    stack.pop_back();
    if (n->rules && n->rules->kind != RuleSetKind::Dynamic && hasDescendantRules(n)) {
      errors.push_back(RegoError{
          kTypeError, "rule " + n->path_str + " conflicts with rules below it", "", 0, 0});
    }
    for (const auto& [k, c] : n->children)
      stack.push_back(c.get());
  }
  if (!errors.empty()) return errors;

  // Annotations: per rule (scope rule/document) and per package (scope
  // package/subpackages), for rego.metadata.rule() and chain().
  std::map<const Rule*, Value> rule_annotations;
  std::map<std::string, std::vector<Value>> document_annotations;  // by rule path
  std::map<std::string, Value> package_annotations;                // by package path
  std::map<std::string, Value> subpackage_annotations;
  auto pathKey = [](const std::vector<Value>& p) { return toJson(Value::array(p)); };
  std::map<const Rule*, std::vector<Value>> rule_paths;
  for (const auto& p : pending) {
    std::vector<Value> path = scopes[p.module_index].package_path;
    if (p.rule->head->kind == TermKind::Var) {
      path.push_back(Value::string(p.rule->head->var));
    } else {
      for (size_t i = 0; i < p.rule->head->args.size(); ++i) {
        const Term& t = *p.rule->head->args[i];
        if (i == 0) {
          path.push_back(Value::string(t.var));
        } else if (t.kind == TermKind::Scalar) {
          path.push_back(t.value);
        } else {
          break;
        }
      }
    }
    rule_paths[p.rule] = path;
  }
  for (size_t mi = 0; mi < modules.size(); ++mi) {
    const Module& m = *modules[mi];
    for (const auto& a : m.annotations) {
      auto y = parseYaml(a.yaml);
      if (!y.ok()) {
        error(kCompileError, "invalid METADATA block: " + y.error().message, a.loc);
        continue;
      }
      if (a.rule_index < 0) {
        Value ann = normalizeAnnotation(*y, "package");
        std::string scope(ann.field("scope")->asString());
        if (scope == "subpackages") {
          subpackage_annotations[pathKey(scopes[mi].package_path)] = ann;
        } else {
          package_annotations[pathKey(scopes[mi].package_path)] = ann;
        }
        continue;
      }
      const Rule* r = &m.rules[static_cast<size_t>(a.rule_index)];
      Value ann = normalizeAnnotation(*y, "rule");
      if (ann.field("scope")->asString() == "document") {
        document_annotations[pathKey(rule_paths[r])].push_back(ann);
      } else {
        rule_annotations[r] = ann;
      }
    }
  }
  if (!errors.empty()) return errors;
  auto metadataFor = [&](const PendingRule& p, Value* rule_ann, Value* chain) {
    std::vector<Value> entries;
    const std::vector<Value>& path = rule_paths[p.rule];
    auto it = rule_annotations.find(p.rule);
    *rule_ann = it != rule_annotations.end() ? it->second : Value::emptyObject();
    std::vector<ObjectEntry> first = {{Value::string("path"), pathValue(path)}};
    if (it != rule_annotations.end()) first.push_back({Value::string("annotations"), it->second});
    entries.push_back(Value::object(std::move(first)));
    for (const auto& d : document_annotations[pathKey(path)]) {
      entries.push_back(Value::object(
          {{Value::string("annotations"), d}, {Value::string("path"), pathValue(path)}}));
    }
    std::vector<Value> pkg = scopes[p.module_index].package_path;
    auto pa = package_annotations.find(pathKey(pkg));
    if (pa != package_annotations.end()) {
      entries.push_back(Value::object(
          {{Value::string("annotations"), pa->second}, {Value::string("path"), pathValue(pkg)}}));
    }
    for (std::vector<Value> anc = pkg; !anc.empty(); anc.pop_back()) {
      auto sa = subpackage_annotations.find(pathKey(anc));
      if (sa != subpackage_annotations.end()) {
        entries.push_back(Value::object(
            {{Value::string("annotations"), sa->second}, {Value::string("path"), pathValue(anc)}}));
      }
    }
    *chain = Value::array(std::move(entries));
  };

  // 3. Lower every rule (the tree is complete, so function calls resolve).
  for (const auto& p : pending) {
    Lowerer lowerer(&scopes[p.module_index], plan->root.get(), *options.builtins, &errors);
    {
      Value rule_ann, chain;
      metadataFor(p, &rule_ann, &chain);
      lowerer.setMetadata(rule_ann, chain);
    }
    auto lowerChain = [&](const Rule& r) {
      std::unique_ptr<CRule> head = lowerer.lowerRule(r, p.suffix);
      CRule* tail = head.get();
      for (const Rule* e = r.else_rule.get(); e != nullptr; e = e->else_rule.get()) {
        tail->else_rule = lowerer.lowerRule(*e, p.suffix);
        tail = tail->else_rule.get();
      }
      return head;
    };
    std::unique_ptr<CRule> cr = lowerChain(*p.rule);
    RuleSet* rs = p.node->rules.get();
    if (p.rule->is_default) {
      if (rs->default_rule) {
        error(kTypeError, "multiple default rules " + p.node->path_str + " found", p.rule->loc);
        continue;
      }
      if (!cr->value.isConst() && cr->value.kind != TKind::Array &&
          cr->value.kind != TKind::Object && cr->value.kind != TKind::Set) {
        // OPA requires default values without variables or references.
      }
      rs->default_rule = std::move(cr);
    } else {
      rs->rules.push_back(std::move(cr));
    }
  }
  if (!errors.empty()) return errors;

  // 4. Finish: ordinals, early exit, indices.
  stack.push_back(plan->root.get());
  while (!stack.empty()) {
    RuleNode* n = const_cast<RuleNode*>(stack.back());
    stack.pop_back();
    if (n->rules) finishRuleSet(n->rules.get());
    for (auto& [k, c] : n->children)
      stack.push_back(c.get());
  }

  // 5. Resolve the constant prefixes of data refs against the finished tree.
  stack.push_back(plan->root.get());
  while (!stack.empty()) {
    RuleNode* n = const_cast<RuleNode*>(stack.back());
    stack.pop_back();
    if (RuleSet* rs = n->rules.get()) {
      for (auto& r : rs->rules)
        resolveRule(*plan, r.get());
      if (rs->default_rule) resolveRule(*plan, rs->default_rule.get());
      if (rs->index) resolveTerm(*plan, &rs->index->ref);
    }
    for (auto& [k, c] : n->children)
      stack.push_back(c.get());
  }
  plan->node_count = counter;
  return std::shared_ptr<const Plan>(std::move(plan));
}

Checked<std::shared_ptr<const CompiledQuery>> compileQuery(std::shared_ptr<const Plan> plan,
                                                           const Query& query,
                                                           const CompileOptions& options) {
  RegoErrors errors;
  auto cq = std::make_shared<CompiledQuery>();
  cq->source = query.source;
  Lowerer lowerer(nullptr, plan->root.get(), *options.builtins, &errors);
  std::vector<int32_t> capture_slots;
  lowerer.lowerQuery(query.body, &cq->body, &cq->nslots, &cq->outputs,
                     options.capture_expressions ? &capture_slots : nullptr);
  if (!errors.empty()) return errors;
  if (options.capture_expressions) {
    for (size_t i = 0; i < query.body.exprs.size(); ++i) {
      const Expr& e = query.body.exprs[i];
      QueryExpression qe;
      if (query.source && e.end > e.begin && e.end <= query.source->text.size()) {
        qe.text = query.source->text.substr(e.begin, e.end - e.begin);
      }
      qe.line = e.loc.line;
      qe.col = e.loc.col;
      qe.slot = i < capture_slots.size() ? capture_slots[i] : -1;
      cq->expressions.push_back(std::move(qe));
    }
  }
  resolveBody(*plan, &cq->body);
  cq->plan = std::move(plan);
  return std::shared_ptr<const CompiledQuery>(std::move(cq));
}

}  // namespace meshgate::rego
