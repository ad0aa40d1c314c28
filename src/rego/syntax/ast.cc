// SPDX-License-Identifier: Apache-2.0
#include "rego/syntax/ast.h"

namespace meshgate::rego {

std::string Location::str() const {
  if (file == nullptr) return std::to_string(line) + ":" + std::to_string(col);
  return file->name + ":" + std::to_string(line);
}

TermPtr Term::scalar(Value v, Location loc) {
  auto t = std::make_unique<Term>();
  t->kind = TermKind::Scalar;
  t->value = std::move(v);
  t->loc = loc;
  return t;
}

TermPtr Term::makeVar(std::string name, Location loc) {
  auto t = std::make_unique<Term>();
  t->kind = TermKind::Var;
  t->var = std::move(name);
  t->loc = loc;
  return t;
}

TermPtr Term::make(TermKind kind, Location loc) {
  auto t = std::make_unique<Term>();
  t->kind = kind;
  t->loc = loc;
  return t;
}

TermPtr Term::clone() const {
  auto t = std::make_unique<Term>();
  t->kind = kind;
  t->loc = loc;
  t->value = value;
  t->var = var;
  t->args.reserve(args.size());
  for (const auto& a : args)
    t->args.push_back(a ? a->clone() : nullptr);
  if (body) t->body = body->clone();
  return t;
}

bool Term::isGround() const {
  switch (kind) {
    case TermKind::Scalar:
      return true;
    case TermKind::Var:
    case TermKind::Ref:
    case TermKind::ArrayCompr:
    case TermKind::SetCompr:
    case TermKind::ObjectCompr:
    case TermKind::Call:
    case TermKind::Template:
      return false;
    case TermKind::Array:
    case TermKind::Object:
    case TermKind::Set:
      for (const auto& a : args) {
        if (!a->isGround()) return false;
      }
      return true;
  }
  return false;
}

With With::clone() const {
  With w;
  w.loc = loc;
  w.target = target->clone();
  w.value = value->clone();
  return w;
}

Expr Expr::clone() const {
  Expr e;
  e.kind = kind;
  e.loc = loc;
  e.negated = negated;
  e.begin = begin;
  e.end = end;
  for (const auto& t : terms)
    e.terms.push_back(t ? t->clone() : nullptr);
  if (body) e.body = body->clone();
  for (const auto& w : withs)
    e.withs.push_back(w.clone());
  return e;
}

std::unique_ptr<Body> Body::clone() const {
  auto b = std::make_unique<Body>();
  b->loc = loc;
  for (const auto& e : exprs)
    b->exprs.push_back(e.clone());
  return b;
}

std::string Rule::name() const {
  if (!head) return "";
  if (head->kind == TermKind::Var) return head->var;
  if (head->kind == TermKind::Ref && !head->args.empty() && head->args[0]->kind == TermKind::Var)
    return head->args[0]->var;
  return "";
}

}  // namespace meshgate::rego
