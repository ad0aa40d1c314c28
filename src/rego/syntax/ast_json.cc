// SPDX-License-Identifier: Apache-2.0
// Module → OPA AST JSON value (see ast_json.h).
#include "rego/syntax/ast_json.h"

#include <string>
#include <vector>

namespace meshgate::rego {
namespace {

Value str(std::string_view s) {
  return Value::string(s);
}

Value obj(std::vector<ObjectEntry> entries) {
  return Value::object(std::move(entries));
}

Value typed(std::string_view type, Value value) {
  return obj({{str("type"), str(type)}, {str("value"), std::move(value)}});
}

Value bodyValue(const Body& body);

Value termValue(const Term& t) {
  switch (t.kind) {
    case TermKind::Scalar:
      switch (t.value.kind()) {
        case Kind::Null:
          return typed("null", Value::null());
        case Kind::Bool:
          return typed("boolean", t.value);
        case Kind::Number:
          return typed("number", t.value);
        case Kind::String:
          return typed("string", t.value);
        default:
          return typed("string", t.value);
      }
    case TermKind::Var:
      return typed("var", str(t.var));
    case TermKind::Ref:
    case TermKind::Array:
    case TermKind::Set:
    case TermKind::Call: {
      std::vector<Value> items;
      for (const auto& a : t.args)
        items.push_back(termValue(*a));
      const char* type = t.kind == TermKind::Ref     ? "ref"
                         : t.kind == TermKind::Array ? "array"
                         : t.kind == TermKind::Set   ? "set"
                                                     : "call";
      return typed(type, Value::array(std::move(items)));
    }
    case TermKind::Object: {
      std::vector<Value> pairs;
      for (size_t i = 0; i + 1 < t.args.size(); i += 2) {
        pairs.push_back(Value::array({termValue(*t.args[i]), termValue(*t.args[i + 1])}));
      }
      return typed("object", Value::array(std::move(pairs)));
    }
    case TermKind::ArrayCompr:
    case TermKind::SetCompr: {
      Value body = t.body ? bodyValue(*t.body) : Value::emptyArray();
      return typed(t.kind == TermKind::ArrayCompr ? "arraycomprehension" : "setcomprehension",
                   obj({{str("body"), body}, {str("term"), termValue(*t.args[0])}}));
    }
    case TermKind::ObjectCompr: {
      Value body = t.body ? bodyValue(*t.body) : Value::emptyArray();
      return typed("objectcomprehension", obj({{str("body"), body},
                                               {str("key"), termValue(*t.args[0])},
                                               {str("value"), termValue(*t.args[1])}}));
    }
    case TermKind::Template: {
      std::vector<Value> parts;
      for (const auto& a : t.args)
        parts.push_back(termValue(*a));
      return typed("templatestring", Value::array(std::move(parts)));
    }
  }
  return typed("null", Value::null());
}

Value opRef(std::string_view name) {
  return typed("ref", Value::array({typed("var", str(name))}));
}

Value exprValue(const Expr& e, size_t index) {
  std::vector<ObjectEntry> out;
  out.push_back({str("index"), Value::integer(static_cast<int64_t>(index))});
  if (e.negated) out.push_back({str("negated"), Value::boolean(true)});
  Value terms;
  switch (e.kind) {
    case ExprKind::Term: {
      const Term& t = *e.terms[0];
      if (t.kind == TermKind::Call) {
        std::vector<Value> items;
        for (const auto& a : t.args) {
          items.push_back(a.get() == t.args[0].get() && a->kind == TermKind::Var ? opRef(a->var)
                                                                                 : termValue(*a));
        }
        terms = Value::array(std::move(items));
      } else {
        terms = termValue(t);
      }
      break;
    }
    case ExprKind::Unify:
    case ExprKind::Assign:
      terms = Value::array({opRef(e.kind == ExprKind::Unify ? "eq" : "assign"),
                            termValue(*e.terms[0]), termValue(*e.terms[1])});
      break;
    case ExprKind::SomeDecl: {
      std::vector<Value> symbols;
      for (const auto& t : e.terms)
        symbols.push_back(termValue(*t));
      terms = obj({{str("symbols"), Value::array(std::move(symbols))}});
      break;
    }
    case ExprKind::SomeIn: {
      std::vector<Value> args;
      if (e.terms[0]) args.push_back(termValue(*e.terms[0]));
      args.push_back(termValue(*e.terms[1]));
      args.push_back(termValue(*e.terms[2]));
      std::vector<Value> call{
          typed("ref", Value::array({typed("var", str("internal")),
                                     typed("string", str(e.terms[0] ? "member_3" : "member_2"))}))};
      for (auto& a : args)
        call.push_back(std::move(a));
      terms = obj({{str("symbols"), Value::array({typed("call", Value::array(std::move(call)))})}});
      break;
    }
    case ExprKind::Every: {
      std::vector<ObjectEntry> ev;
      ev.push_back({str("body"), e.body ? bodyValue(*e.body) : Value::emptyArray()});
      ev.push_back({str("domain"), termValue(*e.terms[2])});
      if (e.terms[0]) ev.push_back({str("key"), termValue(*e.terms[0])});
      ev.push_back({str("value"), termValue(*e.terms[1])});
      terms = obj(std::move(ev));
      break;
    }
  }
  out.push_back({str("terms"), terms});
  if (!e.withs.empty()) {
    std::vector<Value> withs;
    for (const auto& w : e.withs) {
      withs.push_back(
          obj({{str("target"), termValue(*w.target)}, {str("value"), termValue(*w.value)}}));
    }
    out.push_back({str("with"), Value::array(std::move(withs))});
  }
  return obj(std::move(out));
}

Value bodyValue(const Body& body) {
  std::vector<Value> exprs;
  for (size_t i = 0; i < body.exprs.size(); ++i)
    exprs.push_back(exprValue(body.exprs[i], i));
  if (exprs.empty())
    exprs.push_back(obj({{str("index"), Value::integer(0)},
                         {str("terms"), typed("boolean", Value::boolean(true))}}));
  return Value::array(std::move(exprs));
}

Value ruleValue(const Rule& r) {
  std::vector<ObjectEntry> head;
  head.push_back({str("name"), str(r.name())});
  std::vector<Value> ref;
  if (r.head->kind == TermKind::Ref) {
    for (const auto& a : r.head->args)
      ref.push_back(termValue(*a));
  } else {
    ref.push_back(termValue(*r.head));
  }
  head.push_back({str("ref"), Value::array(std::move(ref))});
  if (r.is_function) {
    std::vector<Value> args;
    for (const auto& a : r.args)
      args.push_back(termValue(*a));
    head.push_back({str("args"), Value::array(std::move(args))});
  }
  if (r.key) head.push_back({str("key"), termValue(*r.key)});
  if (r.value) {
    head.push_back({str("value"), termValue(*r.value)});
  } else if (!r.key) {
    head.push_back({str("value"), typed("boolean", Value::boolean(true))});
  }
  if (r.assign) head.push_back({str("assign"), Value::boolean(true)});
  std::vector<ObjectEntry> out;
  out.push_back({str("body"), bodyValue(r.body)});
  if (r.is_default) out.push_back({str("default"), Value::boolean(true)});
  if (r.else_rule) out.push_back({str("else"), ruleValue(*r.else_rule)});
  out.push_back({str("head"), obj(std::move(head))});
  return obj(std::move(out));
}

}  // namespace

Value moduleToValue(const Module& module) {
  std::vector<ObjectEntry> out;
  std::vector<Value> path;
  if (module.package) {
    for (const auto& a : module.package->args)
      path.push_back(termValue(*a));
  }
  out.push_back({str("package"), obj({{str("path"), Value::array(std::move(path))}})});
  if (!module.imports.empty()) {
    std::vector<Value> imports;
    for (const auto& imp : module.imports) {
      std::vector<ObjectEntry> i;
      if (!imp.alias.empty()) i.push_back({str("alias"), str(imp.alias)});
      i.push_back({str("path"), termValue(*imp.path)});
      imports.push_back(obj(std::move(i)));
    }
    out.push_back({str("imports"), Value::array(std::move(imports))});
  }
  if (!module.rules.empty()) {
    std::vector<Value> rules;
    for (const auto& r : module.rules)
      rules.push_back(ruleValue(r));
    out.push_back({str("rules"), Value::array(std::move(rules))});
  }
  return obj(std::move(out));
}

}  // namespace meshgate::rego
