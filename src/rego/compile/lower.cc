// SPDX-License-Identifier: Apache-2.0
#include "rego/compile/lower.h"

#include <algorithm>
#include <set>
#include <unordered_set>

#include "rego/value/json.h"

namespace meshgate::rego {
namespace {

constexpr const char* kCompileError = "rego_compile_error";
constexpr const char* kUnsafeError = "rego_unsafe_var_error";
constexpr const char* kTypeError = "rego_type_error";

enum class VarKind : uint8_t { Local, Input, Data, Global };

struct Resolved {
  VarKind kind = VarKind::Local;
  int32_t slot = -1;
  const GlobalName* global = nullptr;
};

struct Scope {
  Scope* parent = nullptr;
  std::unordered_map<std::string, int32_t> names;
  std::unordered_set<std::string> declared;
  // Declared (`:=`, `some`) names become visible to nested closures only after
  // the declaring expression: index of that expression, and the index of the
  // expression being resolved now.
  std::unordered_map<std::string, size_t> decl_index;
  size_t cur_index = 0;
  std::set<int32_t> own;
  // Slots of enclosing scopes referenced from here (or nested closures).
  std::set<int32_t> captured;
};

using SlotSet = std::set<int32_t>;

bool subset(const SlotSet& a, const SlotSet& b) {
  for (int32_t x : a) {
    if (b.count(x) == 0) return false;
  }
  return true;
}

std::string dottedName(const Term& op) {
  if (op.kind == TermKind::Var) return op.var;
  if (op.kind != TermKind::Ref || op.args.empty() || op.args[0]->kind != TermKind::Var) return "";
  std::string out = op.args[0]->var;
  for (size_t i = 1; i < op.args.size(); ++i) {
    const Term& a = *op.args[i];
    if (a.kind != TermKind::Scalar || !a.value.isString()) return "";
    out += ".";
    out += a.value.asString();
  }
  return out;
}

}  // namespace

bool constRefPath(const Term& ref, std::string* root, std::vector<Value>* path) {
  path->clear();
  if (ref.kind == TermKind::Var) {
    *root = ref.var;
    return true;
  }
  if (ref.kind != TermKind::Ref || ref.args.empty() || ref.args[0]->kind != TermKind::Var)
    return false;
  *root = ref.args[0]->var;
  for (size_t i = 1; i < ref.args.size(); ++i) {
    if (ref.args[i]->kind != TermKind::Scalar) return false;
    path->push_back(ref.args[i]->value);
  }
  return true;
}

struct Lowerer::Impl {
  const ModuleScope* ms;
  const RuleNode* root;
  const BuiltinRegistry& builtins;
  RegoErrors* errors;

  std::unordered_map<const Term*, Resolved> res;
  std::vector<std::unique_ptr<Scope>> scopes;
  std::unordered_map<const Body*, Scope*> body_scope;
  std::unordered_map<const Term*, Scope*> compr_scope;
  std::vector<std::string> slot_names;
  int32_t next_slot = 0;
  Value metadata_rule = Value::emptyObject();
  Value metadata_chain = Value::emptyArray();

  Impl(const ModuleScope* m, const RuleNode* r, const BuiltinRegistry& b, RegoErrors* e)
      : ms(m), root(r), builtins(b), errors(e) {}

  void reset() {
    res.clear();
    scopes.clear();
    body_scope.clear();
    compr_scope.clear();
    slot_names.clear();
    next_slot = 0;
  }

  void error(const char* code, std::string msg, const Location& loc) {
    errors->push_back(RegoError{code, std::move(msg), loc.fileName(), loc.line, loc.col});
  }

  Scope* newScope(Scope* parent) {
    scopes.push_back(std::make_unique<Scope>());
    scopes.back()->parent = parent;
    return scopes.back().get();
  }

  int32_t newSlot(Scope* s, const std::string& name) {
    int32_t slot = next_slot++;
    slot_names.push_back(name);
    s->own.insert(slot);
    return slot;
  }

  // Finds a visible name; records captures on the way out.
  bool lookup(Scope* s, const std::string& name, int32_t* slot) {
    for (Scope* cur = s; cur != nullptr; cur = cur->parent) {
      auto it = cur->names.find(name);
      if (it != cur->names.end()) {
        if (cur != s) {
          auto d = cur->decl_index.find(name);
          if (d != cur->decl_index.end() && d->second > cur->cur_index) continue;
        }
        *slot = it->second;
        for (Scope* c = s; c != cur; c = c->parent)
          c->captured.insert(it->second);
        return true;
      }
    }
    return false;
  }

  bool isGlobal(const std::string& name) const {
    return ms != nullptr && ms->globals.count(name) != 0;
  }

  // ---- Prescan: declarations and direct variables. ----

  // Vars of a term outside closures (comprehension heads/bodies are closures).
  void directVars(const Term& t, std::vector<const Term*>* out) {
    switch (t.kind) {
      case TermKind::Var:
        out->push_back(&t);
        return;
      case TermKind::ArrayCompr:
      case TermKind::SetCompr:
      case TermKind::ObjectCompr:
        return;
      case TermKind::Call:
        // The operator is a function name, not a variable.
        for (size_t i = 1; i < t.args.size(); ++i)
          directVars(*t.args[i], out);
        return;
      default:
        for (const auto& a : t.args) {
          if (a) directVars(*a, out);
        }
        return;
    }
  }

  void declare(Scope* s, const Term& var, bool assign) {
    if (var.var == "_") return;
    if (s->declared.count(var.var) != 0) {
      error(kCompileError,
            std::string("var ") + var.var + (assign ? " assigned above" : " declared above"),
            var.loc);
      return;
    }
    if (s->names.count(var.var) != 0) {
      error(kCompileError, "var " + var.var + " referenced above", var.loc);
      return;
    }
    s->declared.insert(var.var);
    s->names[var.var] = newSlot(s, var.var);
    s->decl_index[var.var] = s->cur_index;
  }

  void declarePattern(Scope* s, const Term& t, bool assign) {
    std::vector<const Term*> vars;
    directVars(t, &vars);
    std::unordered_set<std::string> seen;
    for (const Term* v : vars) {
      if (v->var == "_" || seen.count(v->var) != 0) continue;
      seen.insert(v->var);
      declare(s, *v, assign);
    }
  }

  void registerUse(Scope* s, const Term& var) {
    const std::string& n = var.var;
    if (n == "_" || n == "input" || n == "data") return;
    int32_t slot;
    if (lookup(s, n, &slot)) return;
    if (isGlobal(n)) return;
    s->names[n] = newSlot(s, n);
  }

  void prescanBody(const Body& body, Scope* s) {
    body_scope[&body] = s;
    // Pass 1: declarations and direct uses, in order.
    for (size_t ei = 0; ei < body.exprs.size(); ++ei) {
      const Expr& e = body.exprs[ei];
      s->cur_index = ei;
      std::vector<const Term*> uses;
      switch (e.kind) {
        case ExprKind::SomeDecl:
          for (const auto& v : e.terms)
            declare(s, *v, false);
          break;
        case ExprKind::SomeIn:
          directVars(*e.terms[2], &uses);
          for (const Term* u : uses)
            registerUse(s, *u);
          uses.clear();
          if (e.terms[0]) declarePattern(s, *e.terms[0], false);
          declarePattern(s, *e.terms[1], false);
          break;
        case ExprKind::Assign:
          directVars(*e.terms[1], &uses);
          for (const Term* u : uses)
            registerUse(s, *u);
          uses.clear();
          declarePattern(s, *e.terms[0], true);
          break;
        case ExprKind::Every:
          directVars(*e.terms[2], &uses);
          break;
        default:
          for (const auto& t : e.terms)
            directVars(*t, &uses);
          break;
      }
      for (const auto& w : e.withs) {
        if (namesFunction(*w.value, s)) continue;
        directVars(*w.value, &uses);
      }
      for (const Term* u : uses)
        registerUse(s, *u);
    }
    // Pass 2: resolve every occurrence, descending into closures.
    for (size_t ei = 0; ei < body.exprs.size(); ++ei) {
      const Expr& e = body.exprs[ei];
      s->cur_index = ei;
      switch (e.kind) {
        case ExprKind::SomeDecl:
          for (const auto& v : e.terms)
            resolveTerm(*v, s);
          break;
        case ExprKind::Every: {
          resolveTerm(*e.terms[2], s);
          Scope* inner = newScope(s);
          if (e.terms[0]) declare(inner, *e.terms[0], false);
          declare(inner, *e.terms[1], false);
          resolveTerm(*e.terms[1], inner);
          if (e.terms[0]) resolveTerm(*e.terms[0], inner);
          prescanBody(*e.body, inner);
          break;
        }
        default:
          for (const auto& t : e.terms) {
            if (t) resolveTerm(*t, s);
          }
          break;
      }
      for (const auto& w : e.withs) {
        resolveWithTarget(*w.target);
        if (namesFunction(*w.value, s)) {
          resolveWithTarget(*w.value);
        } else {
          resolveTerm(*w.value, s);
        }
      }
    }
    s->cur_index = body.exprs.size();
  }

  // A `with` value that names a builtin (count, time.now_ns) rather than a
  // variable or a rule.
  bool namesFunction(const Term& v, Scope* s) {
    std::string root;
    std::vector<Value> path;
    if (!constRefPath(v, &root, &path)) return false;
    int32_t slot;
    if (lookup(s, root, &slot) || isGlobal(root) || root == "input" || root == "data") return false;
    return builtins.find(dottedName(v)) != nullptr;
  }

  void resolveWithTarget(const Term& t) {
    // Targets are names (input, data..., functions), never locals.
    std::vector<const Term*> vars;
    if (t.kind == TermKind::Var) vars.push_back(&t);
    if (t.kind == TermKind::Ref && !t.args.empty() && t.args[0]->kind == TermKind::Var)
      vars.push_back(t.args[0].get());
    for (const Term* v : vars)
      res[v] = resolveName(v->var, nullptr);
  }

  Resolved resolveName(const std::string& n, Scope* s) {
    Resolved r;
    if (n == "input") {
      r.kind = VarKind::Input;
      return r;
    }
    if (n == "data") {
      r.kind = VarKind::Data;
      return r;
    }
    int32_t slot;
    if (s != nullptr && n != "_" && lookup(s, n, &slot)) {
      r.kind = VarKind::Local;
      r.slot = slot;
      return r;
    }
    if (ms != nullptr) {
      auto it = ms->globals.find(n);
      if (it != ms->globals.end()) {
        r.kind = VarKind::Global;
        r.global = &it->second;
        return r;
      }
    }
    r.kind = VarKind::Local;
    r.slot = -1;
    return r;
  }

  void resolveTerm(const Term& t, Scope* s) {
    switch (t.kind) {
      case TermKind::Var: {
        if (t.var == "_") {
          Resolved r;
          r.kind = VarKind::Local;
          r.slot = newSlot(s, "_");
          res[&t] = r;
          return;
        }
        Resolved r = resolveName(t.var, s);
        if (r.kind == VarKind::Local && r.slot < 0) {
          // First seen here (e.g. inside a closure): a local of this scope.
          s->names[t.var] = newSlot(s, t.var);
          r.slot = s->names[t.var];
        }
        res[&t] = r;
        return;
      }
      case TermKind::ArrayCompr:
      case TermKind::SetCompr:
      case TermKind::ObjectCompr: {
        Scope* inner = newScope(s);
        compr_scope[&t] = inner;
        prescanBody(*t.body, inner);
        for (const auto& a : t.args)
          resolveTerm(*a, inner);
        return;
      }
      case TermKind::Call: {
        // The operator: a function name, resolved when lowering.
        const Term& op = *t.args[0];
        if (op.kind == TermKind::Var) {
          res[&op] = resolveName(op.var, nullptr);
        } else if (op.kind == TermKind::Ref) {
          const Term& head = *op.args[0];
          // Any other head (f(x).g(y): a call, a comprehension) is a term like
          // the arguments, and its comprehensions need their scopes.
          if (head.kind == TermKind::Var) {
            res[&head] = resolveName(head.var, s);
          } else {
            resolveTerm(head, s);
          }
          for (size_t i = 1; i < op.args.size(); ++i)
            resolveTerm(*op.args[i], s);
        }
        for (size_t i = 1; i < t.args.size(); ++i)
          resolveTerm(*t.args[i], s);
        return;
      }
      default:
        for (const auto& a : t.args) {
          if (a) resolveTerm(*a, s);
        }
        return;
    }
  }

  // ---- Safety. ----

  int32_t localSlot(const Term& v) const {
    auto it = res.find(&v);
    if (it == res.end() || it->second.kind != VarKind::Local) return -1;
    return it->second.slot;
  }

  // Every local slot referenced by t (closures contribute their captures).
  void allVars(const Term& t, SlotSet* out) const {
    switch (t.kind) {
      case TermKind::Var: {
        int32_t s = localSlot(t);
        if (s >= 0) out->insert(s);
        return;
      }
      case TermKind::ArrayCompr:
      case TermKind::SetCompr:
      case TermKind::ObjectCompr: {
        auto it = compr_scope.find(&t);
        if (it != compr_scope.end())
          out->insert(it->second->captured.begin(), it->second->captured.end());
        return;
      }
      case TermKind::Call:
        for (size_t i = 0; i < t.args.size(); ++i) {
          if (i == 0 && t.args[0]->kind == TermKind::Var) continue;
          allVars(*t.args[i], out);
        }
        return;
      default:
        for (const auto& a : t.args) {
          if (a) allVars(*a, out);
        }
        return;
    }
  }

  bool headSafe(const Term& head, const SlotSet& safe) const {
    if (head.kind == TermKind::Var) {
      int32_t s = localSlot(head);
      return s < 0 || safe.count(s) != 0;
    }
    SlotSet need;
    allVars(head, &need);
    SlotSet outs;
    refOutputs(head, safe, &outs);
    SlotSet avail = safe;
    avail.insert(outs.begin(), outs.end());
    return subset(need, avail);
  }

  // Variables bound by iterating refs in t, given the safe set.
  void refOutputs(const Term& t, const SlotSet& safe, SlotSet* out) const {
    switch (t.kind) {
      case TermKind::Ref: {
        const Term& head = *t.args[0];
        if (head.kind != TermKind::Var) refOutputs(head, safe, out);
        SlotSet cur = safe;
        cur.insert(out->begin(), out->end());
        if (!headSafe(head, cur)) return;
        for (size_t i = 1; i < t.args.size(); ++i) {
          const Term& op = *t.args[i];
          if (op.kind == TermKind::Var) {
            int32_t s = localSlot(op);
            if (s >= 0) out->insert(s);
          } else if (op.kind == TermKind::Array || op.kind == TermKind::Object) {
            SlotSet pv;
            allVars(op, &pv);
            out->insert(pv.begin(), pv.end());
          } else {
            refOutputs(op, cur, out);
          }
        }
        return;
      }
      case TermKind::ArrayCompr:
      case TermKind::SetCompr:
      case TermKind::ObjectCompr:
        return;
      case TermKind::Call:
        for (size_t i = 1; i < t.args.size(); ++i)
          refOutputs(*t.args[i], safe, out);
        return;
      default:
        for (const auto& a : t.args) {
          if (a) refOutputs(*a, safe, out);
        }
        return;
    }
  }

  bool evaluable(const Term& t, const SlotSet& safe) const {
    SlotSet need;
    allVars(t, &need);
    SlotSet outs;
    refOutputs(t, safe, &outs);
    for (int32_t s : need) {
      if (safe.count(s) == 0 && outs.count(s) == 0) return false;
    }
    return true;
  }

  void unifyOutputs(const Term& a, const Term& b, const SlotSet& safe, SlotSet* out) const {
    std::vector<std::pair<const Term*, const Term*>> pending{{&a, &b}};
    bool changed = true;
    while (changed && !pending.empty()) {
      changed = false;
      std::vector<std::pair<const Term*, const Term*>> next;
      for (auto [x, y] : pending) {
        SlotSet s = safe;
        s.insert(out->begin(), out->end());
        if (evaluable(*y, s)) {
          refOutputs(*y, s, out);
          allVars(*x, out);
          changed = true;
        } else if (evaluable(*x, s)) {
          refOutputs(*x, s, out);
          allVars(*y, out);
          changed = true;
        } else if (x->kind == TermKind::Array && y->kind == TermKind::Array &&
                   x->args.size() == y->args.size()) {
          for (size_t i = 0; i < x->args.size(); ++i)
            next.push_back({x->args[i].get(), y->args[i].get()});
          changed = true;
        } else if (x->kind == TermKind::Object && y->kind == TermKind::Object &&
                   x->args.size() == y->args.size()) {
          for (size_t i = 0; i + 1 < x->args.size(); i += 2) {
            for (size_t j = 0; j + 1 < y->args.size(); j += 2) {
              Value kx = x->args[i]->kind == TermKind::Scalar ? x->args[i]->value : Value();
              Value ky = y->args[j]->kind == TermKind::Scalar ? y->args[j]->value : Value();
              if (kx.isDefined() && kx == ky)
                next.push_back({x->args[i + 1].get(), y->args[j + 1].get()});
            }
          }
          changed = true;
        } else {
          next.push_back({x, y});
        }
      }
      pending = std::move(next);
    }
  }

  bool callHasOutput(const Term& call) const {
    int arity = calleeArity(call);
    return arity >= 0 && static_cast<int>(call.args.size()) - 1 == arity + 1;
  }

  void exprVars(const Expr& e, SlotSet* out) const {
    switch (e.kind) {
      case ExprKind::SomeDecl:
        break;
      case ExprKind::Every: {
        allVars(*e.terms[2], out);
        auto it = body_scope.find(e.body.get());
        if (it != body_scope.end()) {
          Scope* inner = it->second;
          for (int32_t c : inner->captured)
            out->insert(c);
        }
        break;
      }
      default:
        for (const auto& t : e.terms) {
          if (t) allVars(*t, out);
        }
    }
    for (const auto& w : e.withs)
      allVars(*w.value, out);
  }

  void exprOutputs(const Expr& e, const SlotSet& safe, SlotSet* out) const {
    if (e.negated) return;
    switch (e.kind) {
      case ExprKind::Term: {
        const Term& t = *e.terms[0];
        if (t.kind == TermKind::Call && callHasOutput(t)) {
          SlotSet in;
          for (size_t i = 1; i + 1 < t.args.size(); ++i)
            refOutputs(*t.args[i], safe, out);
          SlotSet s = safe;
          s.insert(out->begin(), out->end());
          bool ready = true;
          for (size_t i = 1; i + 1 < t.args.size(); ++i) {
            if (!evaluable(*t.args[i], s)) ready = false;
          }
          if (ready) allVars(*t.args.back(), out);
          return;
        }
        refOutputs(t, safe, out);
        return;
      }
      case ExprKind::Unify:
      case ExprKind::Assign:
        unifyOutputs(*e.terms[0], *e.terms[1], safe, out);
        return;
      case ExprKind::SomeIn: {
        refOutputs(*e.terms[2], safe, out);
        SlotSet s = safe;
        s.insert(out->begin(), out->end());
        if (evaluable(*e.terms[2], s)) {
          if (e.terms[0]) allVars(*e.terms[0], out);
          allVars(*e.terms[1], out);
        }
        return;
      }
      case ExprKind::Every:
        refOutputs(*e.terms[2], safe, out);
        return;
      case ExprKind::SomeDecl:
        return;
    }
  }

  // Reorders `body` so each expression's variables are bound first. Returns the
  // order (indices); reports unsafe variables.
  std::vector<size_t> reorder(const Body& body, SlotSet safe, Scope* s) {
    std::vector<size_t> order;
    std::vector<bool> done(body.exprs.size(), false);
    bool progress = true;
    while (progress) {
      progress = false;
      for (size_t i = 0; i < body.exprs.size(); ++i) {
        if (done[i]) continue;
        const Expr& e = body.exprs[i];
        SlotSet need;
        exprVars(e, &need);
        SlotSet outs;
        exprOutputs(e, safe, &outs);
        bool ready = true;
        for (int32_t v : need) {
          if (safe.count(v) == 0 && outs.count(v) == 0) {
            ready = false;
            break;
          }
        }
        // Closures and negations need their inputs bound beforehand.
        if (ready) {
          done[i] = true;
          order.push_back(i);
          safe.insert(outs.begin(), outs.end());
          safe.insert(need.begin(), need.end());
          progress = true;
        }
      }
    }
    for (size_t i = 0; i < body.exprs.size(); ++i) {
      if (done[i]) continue;
      const Expr& e = body.exprs[i];
      SlotSet need;
      exprVars(e, &need);
      std::set<std::string> reported;
      for (int32_t v : need) {
        if (safe.count(v) != 0) continue;
        const std::string& name = slot_names[static_cast<size_t>(v)];
        if (name == "_" || !reported.insert(name).second) continue;
        error(kUnsafeError, "var " + name + " is unsafe", e.loc);
      }
      order.push_back(i);
    }
    (void)s;
    return order;
  }

  // ---- Lowering. ----

  int calleeArity(const Term& call) const {
    const Term& op = *call.args[0];
    CTerm tmp;
    std::string name;
    const BuiltinDef* bi = nullptr;
    const RuleNode* fn = nullptr;
    if (!resolveCallee(op, &bi, &fn, &name)) return -1;
    if (bi != nullptr) return (bi->flags & kVariadic) ? -1 : bi->arity;
    if (fn != nullptr && fn->rules) return static_cast<int>(fn->rules->arity);
    return -1;
  }

  const RuleNode* findNode(bool input, const std::vector<Value>& path) const {
    if (input) return nullptr;
    const RuleNode* n = root;
    for (const Value& k : path) {
      if (n == nullptr) return nullptr;
      n = n->child(k);
    }
    return n;
  }

  // Resolves a call operator. False when it names nothing callable.
  bool resolveCallee(const Term& op, const BuiltinDef** bi, const RuleNode** fn,
                     std::string* name) const {
    std::string root_name;
    std::vector<Value> path;
    if (!constRefPath(op, &root_name, &path)) return false;
    const Term& head = op.kind == TermKind::Var ? op : *op.args[0];
    auto it = res.find(&head);
    VarKind kind = it != res.end() ? it->second.kind : VarKind::Local;
    if (kind == VarKind::Local && it != res.end() && it->second.slot >= 0) return false;
    std::vector<Value> full;
    bool is_data = false;
    if (kind == VarKind::Data) {
      full = path;
      is_data = true;
    } else if (kind == VarKind::Global && !it->second.global->input) {
      full = it->second.global->path;
      full.insert(full.end(), path.begin(), path.end());
      is_data = true;
    }
    if (is_data) {
      const RuleNode* n = findNode(false, full);
      std::string nm = "data";
      for (const auto& k : full)
        nm += "." + std::string(k.isString() ? k.asString() : toRegoString(k));
      *name = nm;
      if (n != nullptr && n->rules && n->rules->kind == RuleSetKind::Function) {
        *fn = n;
        return true;
      }
      return false;
    }
    std::string dotted = dottedName(op);
    if (dotted.empty()) return false;
    *name = dotted;
    const BuiltinDef* d = builtins.find(dotted);
    if (d == nullptr) return false;
    *bi = d;
    return true;
  }

  CTerm makeConst(Value v, const Location& loc) {
    CTerm t;
    t.kind = TKind::Const;
    t.value = std::move(v);
    t.loc = loc;
    return t;
  }

  CTerm rootRef(const Resolved& r, const Location& loc) {
    CTerm ref;
    ref.kind = TKind::Ref;
    ref.loc = loc;
    CTerm head;
    head.loc = loc;
    if (r.kind == VarKind::Input || (r.kind == VarKind::Global && r.global->input)) {
      head.kind = TKind::Input;
    } else {
      head.kind = TKind::Data;
    }
    ref.items.push_back(std::move(head));
    if (r.kind == VarKind::Global) {
      for (const auto& k : r.global->path)
        ref.items.push_back(makeConst(k, loc));
    }
    return ref;
  }

  CTerm lowerVar(const Term& t) {
    auto it = res.find(&t);
    Resolved r = it != res.end() ? it->second : Resolved{};
    switch (r.kind) {
      case VarKind::Local: {
        CTerm v;
        v.kind = TKind::Var;
        v.slot = r.slot;
        v.loc = t.loc;
        if (r.slot < 0) error(kCompileError, "var " + t.var + " is undefined", t.loc);
        return v;
      }
      case VarKind::Input: {
        CTerm v;
        v.kind = TKind::Input;
        v.loc = t.loc;
        return v;
      }
      case VarKind::Data:
      case VarKind::Global: {
        CTerm ref = rootRef(r, t.loc);
        if (ref.items.size() == 1 && ref.items[0].kind == TKind::Input)
          return std::move(ref.items[0]);
        return ref;
      }
    }
    return CTerm{};
  }

  static bool allConst(const std::vector<CTerm>& items) {
    for (const auto& i : items) {
      if (!i.isConst()) return false;
    }
    return true;
  }

  CTerm lowerTerm(const Term& t) {
    switch (t.kind) {
      case TermKind::Scalar:
        return makeConst(t.value, t.loc);
      case TermKind::Var:
        return lowerVar(t);
      case TermKind::Ref: {
        CTerm ref;
        const Term& head = *t.args[0];
        if (head.kind == TermKind::Var) {
          ref = lowerVar(head);
          if (ref.kind != TKind::Ref) {
            CTerm wrap;
            wrap.kind = TKind::Ref;
            wrap.loc = t.loc;
            wrap.items.push_back(std::move(ref));
            ref = std::move(wrap);
          }
        } else {
          ref.kind = TKind::Ref;
          ref.items.push_back(lowerTerm(head));
        }
        ref.loc = t.loc;
        for (size_t i = 1; i < t.args.size(); ++i)
          ref.items.push_back(lowerTerm(*t.args[i]));
        return ref;
      }
      case TermKind::Array:
      case TermKind::Set:
      case TermKind::Object: {
        CTerm c;
        c.kind = t.kind == TermKind::Array ? TKind::Array
                                           : (t.kind == TermKind::Set ? TKind::Set : TKind::Object);
        c.loc = t.loc;
        for (const auto& a : t.args)
          c.items.push_back(lowerTerm(*a));
        if (allConst(c.items)) {
          if (c.kind == TKind::Array) {
            std::vector<Value> vs;
            for (auto& i : c.items)
              vs.push_back(i.value);
            return makeConst(Value::array(std::move(vs)), t.loc);
          }
          if (c.kind == TKind::Set) {
            std::vector<Value> vs;
            for (auto& i : c.items)
              vs.push_back(i.value);
            return makeConst(Value::set(std::move(vs)), t.loc);
          }
          std::vector<ObjectEntry> es;
          for (size_t i = 0; i + 1 < c.items.size(); i += 2)
            es.push_back({c.items[i].value, c.items[i + 1].value});
          return makeConst(Value::object(std::move(es)), t.loc);
        }
        return c;
      }
      case TermKind::ArrayCompr:
      case TermKind::SetCompr:
      case TermKind::ObjectCompr: {
        CTerm c;
        c.kind = t.kind == TermKind::ArrayCompr
                     ? TKind::ArrayCompr
                     : (t.kind == TermKind::SetCompr ? TKind::SetCompr : TKind::ObjectCompr);
        c.loc = t.loc;
        Scope* inner = compr_scope[&t];
        c.body = lowerBody(*t.body, inner, headVars(t));
        for (const auto& a : t.args)
          c.items.push_back(lowerTerm(*a));
        if (t.var == "__template_with__") c.name = t.var;
        return c;
      }
      case TermKind::Call:
        return lowerCall(t, false);
      case TermKind::Template: {
        CTerm c;
        c.kind = TKind::Template;
        c.loc = t.loc;
        for (const auto& a : t.args)
          c.items.push_back(lowerTerm(*a));
        return c;
      }
    }
    return CTerm{};
  }

  SlotSet headVars(const Term& compr) const {
    (void)compr;
    return {};
  }

  CTerm lowerCall(const Term& t, bool allow_output) {
    CTerm c;
    c.kind = TKind::Call;
    c.loc = t.loc;
    const Term& op = *t.args[0];
    std::string dotted = dottedName(op);
    if (t.args.size() == 1 && (dotted == "rego.metadata.rule" || dotted == "rego.metadata.chain")) {
      auto it = res.find(op.kind == TermKind::Var ? &op : op.args[0].get());
      if (it == res.end() || it->second.kind != VarKind::Global) {
        return makeConst(dotted == "rego.metadata.rule" ? metadata_rule : metadata_chain, t.loc);
      }
    }
    const BuiltinDef* bi = nullptr;
    const RuleNode* fn = nullptr;
    std::string name;
    if (!resolveCallee(op, &bi, &fn, &name)) {
      // Dynamic dispatch (data.x[y](z)) or an unknown function.
      if (op.kind == TermKind::Ref && !name.empty() && name.rfind("data", 0) == 0) {
        error(kTypeError, "undefined function " + name, t.loc);
      } else if (op.kind == TermKind::Ref && dottedName(op).empty()) {
        c.dispatch = std::make_shared<CTerm>(lowerTerm(op));
        c.name = "dynamic";
      } else {
        std::string n = name.empty() ? dottedName(op) : name;
        error(kTypeError, "undefined function " + n, t.loc);
      }
    }
    c.builtin = bi;
    c.func = fn;
    c.name = name.empty() ? c.name : name;
    size_t nargs = t.args.size() - 1;
    int arity = bi != nullptr ? ((bi->flags & kVariadic) ? -1 : bi->arity)
                              : (fn != nullptr ? static_cast<int>(fn->rules->arity) : -1);
    if (arity >= 0) {
      bool ok = static_cast<int>(nargs) == arity ||
                (allow_output && static_cast<int>(nargs) == arity + 1);
      if (!ok) {
        error(kTypeError, name + ": arity mismatch", t.loc);
      }
    }
    for (size_t i = 1; i < t.args.size(); ++i)
      c.items.push_back(lowerTerm(*t.args[i]));
    return c;
  }

  CExpr lowerExpr(const Expr& e) {
    CExpr out;
    out.loc = e.loc;
    switch (e.kind) {
      case ExprKind::Term: {
        const Term& t = *e.terms[0];
        auto cap = capture.find(&e);
        if (cap != capture.end() && t.kind != TermKind::Call) {
          out.kind = EKind::Unify;
          out.a.kind = TKind::Var;
          out.a.slot = cap->second;
          out.a.loc = e.loc;
          out.b = lowerTerm(t);
          break;
        }
        if (t.kind == TermKind::Call) {
          CTerm call = lowerCall(t, true);
          int arity = call.builtin != nullptr
                          ? ((call.builtin->flags & kVariadic) ? -1 : call.builtin->arity)
                          : (call.func != nullptr ? static_cast<int>(call.func->rules->arity) : -1);
          if (arity >= 0 && static_cast<int>(call.items.size()) == arity + 1) {
            out.kind = EKind::Unify;
            out.a = std::move(call.items.back());
            call.items.pop_back();
            out.b = std::move(call);
          } else {
            out.kind = EKind::Truth;
            out.a = std::move(call);
            if (auto cap = capture.find(&e); cap != capture.end()) {
              out.b.kind = TKind::Var;
              out.b.slot = cap->second;
              out.b.loc = e.loc;
            }
          }
        } else {
          out.kind = EKind::Truth;
          out.a = lowerTerm(t);
        }
        break;
      }
      case ExprKind::Unify:
      case ExprKind::Assign:
        out.kind = EKind::Unify;
        out.a = lowerTerm(*e.terms[0]);
        out.b = lowerTerm(*e.terms[1]);
        break;
      case ExprKind::SomeDecl:
        out.kind = EKind::Nop;
        break;
      case ExprKind::SomeIn:
        out.kind = EKind::SomeIn;
        out.has_key = e.terms[0] != nullptr;
        if (out.has_key) out.a = lowerTerm(*e.terms[0]);
        out.b = lowerTerm(*e.terms[1]);
        out.c = lowerTerm(*e.terms[2]);
        break;
      case ExprKind::Every: {
        out.kind = EKind::Every;
        out.has_key = e.terms[0] != nullptr;
        if (out.has_key) out.a = lowerTerm(*e.terms[0]);
        out.b = lowerTerm(*e.terms[1]);
        out.c = lowerTerm(*e.terms[2]);
        Scope* inner = body_scope[e.body.get()];
        SlotSet init;
        if (e.terms[0]) init.insert(localSlot(*e.terms[0]));
        init.insert(localSlot(*e.terms[1]));
        out.body = lowerBody(*e.body, inner, init);
        break;
      }
    }
    if (e.negated) {
      CExpr neg;
      neg.kind = EKind::Not;
      neg.loc = e.loc;
      neg.body = std::make_shared<CBody>();
      neg.body->exprs.push_back(std::move(out));
      out = std::move(neg);
    }
    for (const auto& w : e.withs)
      out.withs.push_back(lowerWith(w));
    return out;
  }

  CWith lowerWith(const With& w) {
    CWith cw;
    cw.loc = w.loc;
    const Term& target = *w.target;
    std::string root_name;
    std::vector<Value> path;
    if (!constRefPath(target, &root_name, &path)) {
      error(kTypeError, "with keyword target must reference existing input, data, or a function",
            w.loc);
      return cw;
    }
    const Term& head = target.kind == TermKind::Var ? target : *target.args[0];
    auto it = res.find(&head);
    Resolved r = it != res.end() ? it->second : Resolved{};
    bool is_input = r.kind == VarKind::Input || (r.kind == VarKind::Global && r.global->input);
    bool is_data = r.kind == VarKind::Data || (r.kind == VarKind::Global && !r.global->input);
    if (is_input) {
      cw.target = CWith::Target::Input;
      if (r.kind == VarKind::Global) {
        std::vector<Value> full = r.global->path;
        full.insert(full.end(), path.begin(), path.end());
        path = std::move(full);
      }
      cw.path = std::move(path);
    } else if (is_data) {
      std::vector<Value> full;
      if (r.kind == VarKind::Global) full = r.global->path;
      full.insert(full.end(), path.begin(), path.end());
      const RuleNode* n = findNode(false, full);
      if (n != nullptr && n->rules && n->rules->kind == RuleSetKind::Function) {
        cw.target = CWith::Target::Function;
        std::string nm = "data";
        for (const auto& k : full)
          nm += "." + std::string(k.asString());
        cw.fn_name = nm;
      } else {
        cw.target = CWith::Target::Data;
        cw.path = std::move(full);
      }
    } else {
      std::string dotted = dottedName(target);
      if (builtins.find(dotted) == nullptr) {
        error(kTypeError, "with keyword target must reference existing input, data, or a function",
              w.loc);
        return cw;
      }
      cw.target = CWith::Target::Function;
      cw.fn_name = dotted;
    }
    if (cw.target == CWith::Target::Function) {
      // The replacement may be another function (or builtin), or a value.
      const Term& v = *w.value;
      const BuiltinDef* bi = nullptr;
      const RuleNode* fn = nullptr;
      std::string name;
      if ((v.kind == TermKind::Var || v.kind == TermKind::Ref) &&
          resolveCallee(v, &bi, &fn, &name)) {
        cw.repl_builtin = bi;
        cw.repl_func = fn;
        cw.repl_name = name;
        return cw;
      }
    }
    cw.value = lowerTerm(*w.value);
    return cw;
  }

  std::shared_ptr<CBody> lowerBody(const Body& body, Scope* s, SlotSet initial) {
    SlotSet safe = std::move(initial);
    for (Scope* p = s->parent; p != nullptr; p = p->parent)
      safe.insert(p->own.begin(), p->own.end());
    std::vector<size_t> order = reorder(body, safe, s);
    auto out = std::make_shared<CBody>();
    for (size_t i : order) {
      if (body.exprs[i].kind == ExprKind::SomeDecl && body.exprs[i].withs.empty()) continue;
      out->exprs.push_back(lowerExpr(body.exprs[i]));
    }
    return out;
  }

  // Checks that head terms use only variables bound by the body.
  void checkHeadSafety(const Term& t, const SlotSet& bound, const Location& loc) {
    SlotSet vars;
    allVars(t, &vars);
    // Variables in ref operands of the head (`p := xs[_]`) are bound by it.
    SlotSet outs;
    refOutputs(t, bound, &outs);
    for (int32_t v : vars) {
      if (bound.count(v) == 0 && outs.count(v) == 0) {
        error(kUnsafeError, "var " + slot_names[static_cast<size_t>(v)] + " is unsafe", loc);
      }
    }
  }

  // Variables bound once the body succeeds: those its expressions mention
  // (all of them are bound after a safe body), plus the parameters.
  SlotSet boundBy(const Body& body, Scope* s, SlotSet safe) {
    (void)s;
    for (const Expr& e : body.exprs) {
      exprVars(e, &safe);
      SlotSet outs;
      exprOutputs(e, safe, &outs);
      safe.insert(outs.begin(), outs.end());
      if (e.kind == ExprKind::SomeIn || e.kind == ExprKind::Assign || e.kind == ExprKind::Unify) {
        for (const auto& t : e.terms) {
          if (t) allVars(*t, &safe);
        }
      }
    }
    return safe;
  }

  static bool isPattern(const Term& t) {
    switch (t.kind) {
      case TermKind::Scalar:
      case TermKind::Var:
        return true;
      case TermKind::Array:
      case TermKind::Object:
      case TermKind::Set:
        for (const auto& a : t.args) {
          if (!isPattern(*a)) return false;
        }
        return true;
      default:
        return false;
    }
  }

  std::unique_ptr<CRule> lowerRule(const Rule& original, const std::vector<const Term*>& suffix) {
    // Function parameters that are not patterns (a template string, a call)
    // are compared after the body, as OPA rewrites them: f(<t>) → f(p) if { ...; p = <t> }.
    std::unique_ptr<Rule> rewritten;
    for (size_t i = 0; i < original.args.size(); ++i) {
      if (isPattern(*original.args[i])) continue;
      if (!rewritten) {
        rewritten = std::make_unique<Rule>();
        rewritten->loc = original.loc;
        rewritten->is_default = original.is_default;
        rewritten->head = original.head->clone();
        rewritten->is_function = original.is_function;
        for (const auto& a : original.args)
          rewritten->args.push_back(a->clone());
        if (original.key) rewritten->key = original.key->clone();
        if (original.value) rewritten->value = original.value->clone();
        rewritten->assign = original.assign;
        rewritten->body = std::move(*original.body.clone());
      }
      std::string name = "__arg" + std::to_string(i) + "__";
      Location l = original.args[i]->loc;
      Expr eq;
      eq.kind = ExprKind::Unify;
      eq.loc = l;
      eq.terms.push_back(Term::makeVar(name, l));
      eq.terms.push_back(std::move(rewritten->args[i]));
      rewritten->args[i] = Term::makeVar(name, l);
      rewritten->body.exprs.push_back(std::move(eq));
    }
    const Rule& rule = rewritten ? *rewritten : original;
    reset();
    auto cr = std::make_unique<CRule>();
    cr->loc = rule.loc;
    cr->is_default = rule.is_default;
    Scope* s = newScope(nullptr);
    // Function parameters are bound on entry.
    SlotSet initial;
    for (const auto& a : rule.args) {
      std::vector<const Term*> vars;
      directVars(*a, &vars);
      for (const Term* v : vars) {
        if (v->var == "_") continue;
        int32_t slot;
        if (!lookup(s, v->var, &slot)) s->names[v->var] = newSlot(s, v->var);
      }
    }
    for (const auto& a : rule.args)
      resolveTerm(*a, s);
    for (const auto& a : rule.args)
      allVars(*a, &initial);
    prescanBody(rule.body, s);
    // Head terms: resolved in the body's scope.
    for (const Term* t : suffix)
      resolveHeadTerm(*t, s);
    if (rule.key) resolveHeadTerm(*rule.key, s);
    if (rule.value) resolveHeadTerm(*rule.value, s);
    auto body = lowerBody(rule.body, s, initial);
    cr->body = std::move(*body);
    SlotSet bound = boundBy(rule.body, s, initial);
    for (const Term* t : suffix) {
      checkHeadSafety(*t, bound, rule.loc);
      cr->suffix.push_back(lowerTerm(*t));
    }
    if (rule.key) {
      checkHeadSafety(*rule.key, bound, rule.loc);
      cr->key = lowerTerm(*rule.key);
      cr->has_key = true;
    }
    if (rule.value) {
      checkHeadSafety(*rule.value, bound, rule.loc);
      cr->value = lowerTerm(*rule.value);
    } else {
      cr->value = makeConst(Value::boolean(true), rule.loc);
    }
    for (const auto& a : rule.args)
      cr->args.push_back(lowerTerm(*a));
    cr->nslots = static_cast<uint32_t>(next_slot);
    cr->slot_names = slot_names;
    return cr;
  }

  // Head terms may introduce comprehensions and use body variables; variables
  // that are not in the body stay unresolved (and are reported as unsafe).
  void resolveHeadTerm(const Term& t, Scope* s) {
    std::vector<const Term*> vars;
    directVars(t, &vars);
    for (const Term* v : vars)
      registerUse(s, *v);
    resolveTerm(t, s);
  }

  std::unordered_map<const Expr*, int32_t> capture;

  bool lowerQuery(const Body& body, CBody* out, uint32_t* nslots,
                  std::vector<std::pair<std::string, int32_t>>* outputs,
                  std::vector<int32_t>* capture_slots) {
    reset();
    capture.clear();
    size_t before = errors->size();
    Scope* s = newScope(nullptr);
    prescanBody(body, s);
    if (capture_slots != nullptr) {
      capture_slots->clear();
      for (const Expr& e : body.exprs) {
        int32_t slot = -1;
        if (e.kind == ExprKind::Term && !e.negated) {
          slot = newSlot(s, "__expr__");
          capture[&e] = slot;
        }
        capture_slots->push_back(slot);
      }
    }
    auto b = lowerBody(body, s, {});
    *out = std::move(*b);
    *nslots = static_cast<uint32_t>(next_slot);
    std::vector<std::pair<std::string, int32_t>> outs;
    for (const auto& [name, slot] : s->names) {
      if (name == "_" || name.rfind("__", 0) == 0) continue;
      outs.emplace_back(name, slot);
    }
    std::sort(outs.begin(), outs.end());
    if (capture_slots != nullptr) {
      for (int32_t slot : *capture_slots) {
        if (slot >= 0) outs.emplace_back("__expr__", slot);
      }
    }
    *outputs = std::move(outs);
    return errors->size() == before;
  }
};

Lowerer::Lowerer(const ModuleScope* ms, const RuleNode* root, const BuiltinRegistry& builtins,
                 RegoErrors* errors)
    : impl_(std::make_unique<Impl>(ms, root, builtins, errors)) {}
Lowerer::~Lowerer() = default;

std::unique_ptr<CRule> Lowerer::lowerRule(const Rule& rule,
                                          const std::vector<const Term*>& suffix) {
  return impl_->lowerRule(rule, suffix);
}

void Lowerer::setMetadata(Value rule_annotations, Value chain) {
  impl_->metadata_rule = std::move(rule_annotations);
  impl_->metadata_chain = std::move(chain);
}

bool Lowerer::lowerQuery(const Body& body, CBody* out, uint32_t* nslots,
                         std::vector<std::pair<std::string, int32_t>>* outputs,
                         std::vector<int32_t>* capture_slots) {
  return impl_->lowerQuery(body, out, nslots, outputs, capture_slots);
}

}  // namespace meshgate::rego
