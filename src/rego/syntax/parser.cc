// SPDX-License-Identifier: Apache-2.0
#include "rego/syntax/parser.h"

#include <set>

#include "rego/syntax/lexer.h"
#include "rego/value/json.h"

namespace meshgate::rego {
namespace {

constexpr const char* kParseError = "rego_parse_error";

bool isReservedV1(std::string_view s) {
  return s == "as" || s == "default" || s == "else" || s == "import" || s == "not" ||
         s == "package" || s == "some" || s == "with" || s == "in" || s == "every" || s == "if" ||
         s == "contains" || s == "true" || s == "false" || s == "null";
}

struct ParseAbort {};

class Parser {
 public:
  Parser(std::shared_ptr<SourceFile> src, const ParseOptions& opts)
      : src_(std::move(src)), opts_(opts) {
    if (opts_.version == RegoVersion::V1) {
      kw_in_ = kw_every_ = kw_if_ = kw_contains_ = true;
    }
    LexResult lr = lex(src_->text);
    toks_ = std::move(lr.tokens);
    comments_ = std::move(lr.comments);
  }

  Checked<Module> module() {
    Module m;
    m.source = src_;
    m.v1 = opts_.version == RegoVersion::V1;
    try {
      checkLexError();
      if (!isIdent("package")) fail(cur(), "unexpected " + describe(cur()) + ": expected package");
      m.loc = loc(cur());
      next();
      m.package = packagePath();
      while (isIdent("import"))
        m.imports.push_back(importDecl());
      while (cur().kind != Tok::Eof) {
        size_t before = m.rules.size();
        ruleDecl(&m.rules);
        if (m.rules.size() == before) fail(cur(), "unexpected " + describe(cur()));
      }
      collectAnnotations(&m);
    } catch (const ParseAbort&) {
      return errors_;
    }
    if (!errors_.empty()) return errors_;
    return m;
  }

  Checked<Query> query() {
    Query q;
    q.source = src_;
    try {
      checkLexError();
      q.body.loc = loc(cur());
      while (cur().kind != Tok::Eof) {
        q.body.exprs.push_back(literal());
        if (cur().kind == Tok::Semicolon) {
          next();
          continue;
        }
        if (cur().kind == Tok::Eof) break;
        if (!cur().newline_before) fail(cur(), "unexpected " + describe(cur()));
      }
      if (q.body.exprs.empty()) fail(cur(), "empty query");
    } catch (const ParseAbort&) {
      return errors_;
    }
    return q;
  }

  Checked<ParsedTerm> term() {
    ParsedTerm pt;
    pt.source = src_;
    try {
      checkLexError();
      pt.term = termIn();
      if (cur().kind != Tok::Eof) fail(cur(), "unexpected " + describe(cur()));
    } catch (const ParseAbort&) {
      return errors_;
    }
    return pt;
  }

  /// For template sub-expressions: parse a term from a token stream that
  /// belongs to the same source.
  static TermPtr subTerm(std::shared_ptr<SourceFile> src, const ParseOptions& opts,
                         std::string_view text, uint32_t line, uint32_t col, RegoErrors* errs,
                         const Parser& parent) {
    Parser p(src, opts, text, line, col);
    p.kw_in_ = parent.kw_in_;
    p.kw_every_ = parent.kw_every_;
    p.kw_if_ = parent.kw_if_;
    p.kw_contains_ = parent.kw_contains_;
    p.depth_ = parent.depth_;
    try {
      p.checkLexError();
      Location l = p.loc(p.cur());
      TermPtr t = p.termIn();
      if (p.isIdent("with")) {
        // `{x with input as y}`: the value of x under the modifiers, written as
        // a one-element comprehension that the template unwraps.
        Expr e;
        e.kind = ExprKind::Unify;
        e.loc = l;
        e.terms.push_back(Term::makeVar("__template_value__", l));
        e.terms.push_back(std::move(t));
        while (p.isIdent("with")) {
          With w;
          w.loc = p.loc(p.cur());
          p.next();
          w.target = p.termRelation();
          if (!p.isIdent("as"))
            p.fail(p.cur(), "unexpected " + p.describe(p.cur()) + ": expected as");
          p.next();
          w.value = p.termIn();
          e.withs.push_back(std::move(w));
        }
        auto c = Term::make(TermKind::ArrayCompr, l);
        c->var = "__template_with__";
        c->args.push_back(Term::makeVar("__template_value__", l));
        c->body = std::make_unique<Body>();
        c->body->loc = l;
        c->body->exprs.push_back(std::move(e));
        t = std::move(c);
      }
      if (p.cur().kind != Tok::Eof) p.fail(p.cur(), "unexpected " + p.describe(p.cur()));
      return t;
    } catch (const ParseAbort&) {
      for (auto& e : p.errors_)
        errs->push_back(std::move(e));
      return nullptr;
    }
  }

 private:
  Parser(std::shared_ptr<SourceFile> src, const ParseOptions& opts, std::string_view text,
         uint32_t line, uint32_t col)
      : src_(std::move(src)), opts_(opts) {
    LexResult lr = lex(text, line, col);
    toks_ = std::move(lr.tokens);
  }

  // Tokens.
  const Token& cur() const { return toks_[pos_]; }
  const Token& peekTok(size_t k = 1) const {
    size_t i = pos_ + k;
    return i < toks_.size() ? toks_[i] : toks_.back();
  }
  void next() {
    if (pos_ + 1 < toks_.size()) ++pos_;
  }
  bool isIdent(std::string_view s) const { return cur().kind == Tok::Ident && cur().text == s; }
  Location loc(const Token& t) const { return Location{src_.get(), t.line, t.col}; }

  void checkLexError() {
    for (const auto& t : toks_) {
      if (t.kind == Tok::Error) fail(t, t.text);
    }
  }

  std::string describe(const Token& t) const {
    if (t.kind == Tok::Ident) {
      if (isReservedV1(t.text) && (t.text == "true" || t.text == "false" || t.text == "null"))
        return t.text + " token";
      return "ident token";
    }
    if (t.kind == Tok::Eof) return "eof token";
    if (t.kind == Tok::Number || t.kind == Tok::String || t.kind == Tok::RawString)
      return std::string(tokName(t.kind)) + " token";
    return std::string(tokName(t.kind)) + " token";
  }

  [[noreturn]] void fail(const Token& t, std::string msg) {
    errors_.push_back(RegoError{kParseError, std::move(msg), src_->name, t.line, t.col});
    throw ParseAbort{};
  }

  void expect(Tok k, const char* what) {
    if (cur().kind != k) fail(cur(), "unexpected " + describe(cur()) + ": expected " + what);
    next();
  }

  struct DepthGuard {
    explicit DepthGuard(Parser* p) : p_(p) {
      if (++p_->depth_ > p_->opts_.max_nesting) p_->fail(p_->cur(), "nesting too deep");
    }
    ~DepthGuard() { --p_->depth_; }
    Parser* p_;
  };

  bool kwIf() const { return kw_if_ && isIdent("if") && !keywordUsedAsRef(); }
  bool kwContains() const { return kw_contains_ && isIdent("contains") && !keywordUsedAsRef(); }
  bool kwIn() const { return kw_in_ && isIdent("in") && !keywordUsedAsRef(); }

  // A keyword followed directly by '.' or '[' is a reference (`as.foo`).
  bool keywordUsedAsRef() const {
    const Token& n = peekTok();
    return (n.kind == Tok::Dot || n.kind == Tok::LBrack) && !n.space_before;
  }

  // Module parts.

  TermPtr packagePath() {
    Location l = loc(cur());
    if (cur().kind != Tok::Ident) fail(cur(), "unexpected " + describe(cur()) + ": expected ident");
    auto ref = Term::make(TermKind::Ref, l);
    ref->args.push_back(Term::makeVar("data", l));
    ref->args.push_back(Term::scalar(Value::string(cur().text), loc(cur())));
    next();
    while (true) {
      if (cur().kind == Tok::Dot && !cur().space_before) {
        next();
        if (cur().kind != Tok::Ident)
          fail(cur(), "unexpected " + describe(cur()) + ": expected ident");
        ref->args.push_back(Term::scalar(Value::string(cur().text), loc(cur())));
        next();
      } else if (cur().kind == Tok::LBrack && !cur().space_before) {
        next();
        if (cur().kind != Tok::String && cur().kind != Tok::RawString)
          fail(cur(), "unexpected " + describe(cur()) + ": expected string");
        ref->args.push_back(Term::scalar(Value::string(cur().text), loc(cur())));
        next();
        expect(Tok::RBrack, "]");
      } else {
        break;
      }
    }
    return ref;
  }

  Import importDecl() {
    Import imp;
    imp.loc = loc(cur());
    next();  // import
    if (cur().kind != Tok::Ident) fail(cur(), "unexpected " + describe(cur()) + ": expected ident");
    Location l = loc(cur());
    std::string head = cur().text;
    next();
    auto ref = Term::make(TermKind::Ref, l);
    ref->args.push_back(Term::makeVar(head, l));
    std::vector<std::string> parts;
    while (true) {
      if (cur().kind == Tok::Dot && !cur().space_before) {
        next();
        if (cur().kind != Tok::Ident)
          fail(cur(), "unexpected " + describe(cur()) + ": expected ident");
        parts.push_back(cur().text);
        ref->args.push_back(Term::scalar(Value::string(cur().text), loc(cur())));
        next();
      } else if (cur().kind == Tok::LBrack && !cur().space_before) {
        next();
        if (cur().kind != Tok::String && cur().kind != Tok::RawString)
          fail(cur(), "unexpected " + describe(cur()) + ": expected string");
        parts.push_back(cur().text);
        ref->args.push_back(Term::scalar(Value::string(cur().text), loc(cur())));
        next();
        expect(Tok::RBrack, "]");
      } else {
        break;
      }
    }
    if (head != "data" && head != "input" && head != "future" && head != "rego") {
      errors_.push_back(RegoError{kParseError,
                                  "invalid import " + head + ", must begin with input or data",
                                  src_->name, imp.loc.line, imp.loc.col});
      throw ParseAbort{};
    }
    if (head == "future") {
      if (parts.empty() || parts[0] != "keywords")
        fail(toks_[pos_ - 1], "invalid import, must be future.keywords");
      if (parts.size() == 1) {
        kw_in_ = kw_every_ = kw_if_ = kw_contains_ = true;
      } else if (parts.size() == 2) {
        const std::string& k = parts[1];
        if (k == "in") {
          kw_in_ = true;
        } else if (k == "every") {
          kw_every_ = kw_in_ = true;
        } else if (k == "if") {
          kw_if_ = true;
        } else if (k == "contains") {
          kw_contains_ = true;
        } else {
          fail(toks_[pos_ - 1], "unexpected keyword, must be one of [contains every if in]");
        }
      }
    } else if (head == "rego") {
      if (parts.size() != 1 || parts[0] != "v1")
        fail(toks_[pos_ - 1], "invalid import, must be rego.v1");
      kw_in_ = kw_every_ = kw_if_ = kw_contains_ = true;
    }
    if (isIdent("as")) {
      next();
      if (cur().kind != Tok::Ident) fail(cur(), "unexpected " + describe(cur()) + ": expected var");
      imp.alias = cur().text;
      next();
    }
    imp.path = std::move(ref);
    return imp;
  }

  // Rules.

  void ruleDecl(std::vector<Rule>* out) {
    Rule r;
    r.loc = loc(cur());
    if (isIdent("default") && !keywordUsedAsRef()) {
      next();
      r.is_default = true;
    }
    if (cur().kind != Tok::Ident) fail(cur(), "unexpected " + describe(cur()) + ": expected ident");
    r.head = ruleHeadRef();
    if (cur().kind == Tok::LParen && !cur().space_before) {
      r.is_function = true;
      next();
      if (cur().kind != Tok::RParen) {
        while (true) {
          r.args.push_back(termIn());
          if (cur().kind == Tok::Comma) {
            next();
            continue;
          }
          break;
        }
      }
      expect(Tok::RParen, ")");
    }
    if (r.is_default) {
      if (cur().kind != Tok::Assign && cur().kind != Tok::Unify)
        fail(cur(), "default rules must use = or := operator");
      r.assign = cur().kind == Tok::Assign;
      next();
      r.value = termIn();
      r.body.loc = r.loc;
      out->push_back(std::move(r));
      return;
    }
    bool has_value = false;
    if (kwContains()) {
      next();
      r.key = termIn();
    } else if (cur().kind == Tok::Assign || cur().kind == Tok::Unify) {
      r.assign = cur().kind == Tok::Assign;
      next();
      r.value = termIn();
      has_value = true;
    }
    // v0 `p[x] { ... }`: a partial set (multi-value rule) at the prefix.
    if (opts_.version == RegoVersion::V0 && !r.key && !has_value && !r.is_function &&
        r.head->kind == TermKind::Ref && r.head->args.size() >= 2) {
      r.key = std::move(r.head->args.back());
      r.head->args.pop_back();
      if (r.head->args.size() == 1) {
        TermPtr only = std::move(r.head->args[0]);
        r.head = std::move(only);
      }
    }
    bool has_body = ruleBody(&r.body, r.loc);
    if (!has_body && !has_value && !r.key) {
      if (opts_.version == RegoVersion::V1 && !r.is_function && cur().kind != Tok::LBrace) {
        // `p` alone is not a rule in v1.
        fail(cur(), "rule must have value assignment or body");
      }
    }
    // else chain
    Rule* tail = &r;
    while (isIdent("else") && !keywordUsedAsRef()) {
      Location el = loc(cur());
      next();
      auto e = std::make_unique<Rule>();
      e->loc = el;
      e->head = r.head->clone();
      e->is_function = r.is_function;
      for (const auto& a : r.args)
        e->args.push_back(a->clone());
      if (cur().kind == Tok::Assign || cur().kind == Tok::Unify) {
        e->assign = cur().kind == Tok::Assign;
        next();
        e->value = termIn();
      }
      if (!ruleBody(&e->body, el)) {
        // `else := v` with no body: always true.
        e->body.loc = el;
      }
      tail->else_rule = std::move(e);
      tail = tail->else_rule.get();
    }
    // v0 allows several bodies: p { a } { b } defines p twice.
    std::vector<Rule> extra;
    while (opts_.version == RegoVersion::V0 && cur().kind == Tok::LBrace && !cur().newline_before) {
      Rule copy;
      copy.loc = loc(cur());
      copy.head = r.head->clone();
      copy.is_function = r.is_function;
      for (const auto& a : r.args)
        copy.args.push_back(a->clone());
      if (r.key) copy.key = r.key->clone();
      if (r.value) copy.value = r.value->clone();
      copy.assign = r.assign;
      braceBody(&copy.body);
      extra.push_back(std::move(copy));
    }
    out->push_back(std::move(r));
    for (auto& e : extra)
      out->push_back(std::move(e));
  }

  // Returns true when a body was present.
  bool ruleBody(Body* body, Location rule_loc) {
    body->loc = rule_loc;
    if (kwIf()) {
      next();
      if (cur().kind == Tok::LBrace) {
        size_t save = pos_;
        size_t nerr = errors_.size();
        try {
          braceBody(body);
          return true;
        } catch (const ParseAbort&) {
          // `if {x: y | ...}`: the body is one expression starting with a brace.
          if (errors_.size() > nerr && errors_.back().message == "found empty body") throw;
          RegoErrors body_errors(errors_.begin() + static_cast<long>(nerr), errors_.end());
          pos_ = save;
          errors_.resize(nerr);
          body->exprs.clear();
          try {
            body->loc = loc(cur());
            body->exprs.push_back(literal());
          } catch (const ParseAbort&) {
            // Neither a body nor an expression: report the body's error.
            errors_.resize(nerr);
            errors_.insert(errors_.end(), body_errors.begin(), body_errors.end());
            throw;
          }
          return true;
        }
      } else {
        body->loc = loc(cur());
        body->exprs.push_back(literal());
      }
      return true;
    }
    if (cur().kind == Tok::LBrace && !cur().newline_before) {
      if (opts_.version == RegoVersion::V1)
        fail(cur(), "`if` keyword is required before rule body");
      braceBody(body);
      return true;
    }
    if (cur().kind == Tok::LBrace && opts_.version == RegoVersion::V0) {
      braceBody(body);
      return true;
    }
    return false;
  }

  void braceBody(Body* body) {
    DepthGuard g(this);
    body->loc = loc(cur());
    expect(Tok::LBrace, "{");
    while (cur().kind != Tok::RBrace) {
      if (cur().kind == Tok::Eof) fail(cur(), "unexpected eof token: expected }");
      body->exprs.push_back(literal());
      if (cur().kind == Tok::Semicolon) {
        next();
        continue;
      }
      if (cur().kind == Tok::RBrace) break;
      if (!cur().newline_before) fail(cur(), "unexpected " + describe(cur()));
    }
    next();
    if (body->exprs.empty()) fail(toks_[pos_ - 1], "found empty body");
  }

  TermPtr ruleHeadRef() {
    Location l = loc(cur());
    std::string name = cur().text;
    next();
    TermPtr head = Term::makeVar(name, l);
    if (!((cur().kind == Tok::Dot || cur().kind == Tok::LBrack) && !cur().space_before))
      return head;
    auto ref = Term::make(TermKind::Ref, l);
    ref->args.push_back(std::move(head));
    while ((cur().kind == Tok::Dot || cur().kind == Tok::LBrack) && !cur().space_before) {
      if (cur().kind == Tok::Dot) {
        next();
        if (cur().kind != Tok::Ident)
          fail(cur(), "unexpected " + describe(cur()) + ": expected ident");
        ref->args.push_back(Term::scalar(Value::string(cur().text), loc(cur())));
        next();
      } else {
        next();
        ref->args.push_back(termIn());
        expect(Tok::RBrack, "]");
      }
    }
    return ref;
  }

  // Bodies and literals.

  Expr literal() {
    DepthGuard g(this);
    uint32_t begin = cur().offset;
    Expr e = literalInner();
    e.begin = begin;
    e.end = pos_ > 0 ? toks_[pos_ - 1].end : begin;
    return e;
  }

  Expr literalInner() {
    Expr e;
    e.loc = loc(cur());
    if (isIdent("not") && !keywordUsedAsRef()) {
      next();
      e.negated = true;
      Expr inner = exprBody();
      e.kind = inner.kind;
      e.terms = std::move(inner.terms);
      if (e.kind == ExprKind::SomeDecl || e.kind == ExprKind::SomeIn || e.kind == ExprKind::Every)
        fail(toks_[pos_ - 1], "unexpected some/every after not");
    } else if (isIdent("some") && !keywordUsedAsRef()) {
      e = someDecl();
    } else if (kw_every_ && isIdent("every") && !keywordUsedAsRef()) {
      e = everyDecl();
    } else {
      Location l = e.loc;
      e = exprBody();
      e.loc = l;
    }
    while (isIdent("with") && !keywordUsedAsRef()) {
      With w;
      w.loc = loc(cur());
      next();
      w.target = termRelation();
      if (!isIdent("as")) fail(cur(), "unexpected " + describe(cur()) + ": expected as");
      next();
      w.value = termIn();
      e.withs.push_back(std::move(w));
    }
    return e;
  }

  Expr exprBody() {
    Expr e;
    e.loc = loc(cur());
    TermPtr lhs = termInWithComma();
    if (cur().kind == Tok::Assign || cur().kind == Tok::Unify) {
      e.kind = cur().kind == Tok::Assign ? ExprKind::Assign : ExprKind::Unify;
      next();
      e.terms.push_back(std::move(lhs));
      e.terms.push_back(termIn());
      return e;
    }
    e.kind = ExprKind::Term;
    e.terms.push_back(std::move(lhs));
    return e;
  }

  Expr someDecl() {
    Expr e;
    e.loc = loc(cur());
    next();  // some
    TermPtr first = termRelation();
    TermPtr second;
    if (cur().kind == Tok::Comma) {
      // Either `some k, v in xs` or `some a, b, c`.
      size_t save = pos_;
      next();
      second = termRelation();
      if (!kwIn()) {
        pos_ = save;
        second.reset();
      }
    }
    if (kwIn()) {
      next();
      e.kind = ExprKind::SomeIn;
      TermPtr coll = termRelation();
      if (second) {
        e.terms.push_back(std::move(first));
        e.terms.push_back(std::move(second));
      } else {
        e.terms.push_back(nullptr);
        e.terms.push_back(std::move(first));
      }
      e.terms.push_back(std::move(coll));
      return e;
    }
    e.kind = ExprKind::SomeDecl;
    if (first->kind != TermKind::Var) fail(toks_[pos_ - 1], "expected var");
    e.terms.push_back(std::move(first));
    while (cur().kind == Tok::Comma) {
      next();
      if (cur().kind != Tok::Ident) fail(cur(), "unexpected " + describe(cur()) + ": expected var");
      e.terms.push_back(Term::makeVar(cur().text, loc(cur())));
      next();
    }
    return e;
  }

  Expr everyDecl() {
    Expr e;
    e.loc = loc(cur());
    e.kind = ExprKind::Every;
    next();  // every
    if (cur().kind != Tok::Ident) fail(cur(), "unexpected " + describe(cur()) + ": expected ident");
    TermPtr first = Term::makeVar(cur().text, loc(cur()));
    next();
    TermPtr second;
    if (cur().kind == Tok::Comma) {
      next();
      if (cur().kind != Tok::Ident)
        fail(cur(), "unexpected " + describe(cur()) + ": expected ident");
      second = Term::makeVar(cur().text, loc(cur()));
      next();
    }
    if (!kwIn()) fail(cur(), "unexpected " + describe(cur()) + ": expected in");
    next();
    TermPtr domain = termRelation();
    if (second) {
      e.terms.push_back(std::move(first));
      e.terms.push_back(std::move(second));
    } else {
      e.terms.push_back(nullptr);
      e.terms.push_back(std::move(first));
    }
    e.terms.push_back(std::move(domain));
    e.body = std::make_unique<Body>();
    braceBody(e.body.get());
    return e;
  }

  // Terms, by precedence: in < relations < | < & < + - < * / % < unary.

  TermPtr call(const char* op, TermPtr a, TermPtr b, Location l) {
    auto c = Term::make(TermKind::Call, l);
    auto opref = Term::makeVar(op, l);
    c->args.push_back(std::move(opref));
    c->args.push_back(std::move(a));
    c->args.push_back(std::move(b));
    return c;
  }
  TermPtr call3(const char* op, TermPtr a, TermPtr b, TermPtr d, Location l) {
    auto c = Term::make(TermKind::Call, l);
    c->args.push_back(Term::makeVar(op, l));
    c->args.push_back(std::move(a));
    c->args.push_back(std::move(b));
    c->args.push_back(std::move(d));
    return c;
  }

  // `k, v in xs` is only allowed where a comma cannot mean anything else.
  TermPtr termInWithComma() {
    Location l = loc(cur());
    TermPtr lhs = termRelation();
    if (cur().kind == Tok::Comma && kw_in_) {
      size_t save = pos_;
      next();
      TermPtr second = termRelation();
      if (kwIn()) {
        next();
        TermPtr coll = termRelation();
        TermPtr t =
            call3("internal.member_3", std::move(lhs), std::move(second), std::move(coll), l);
        return termInRest(std::move(t), l);
      }
      pos_ = save;
    }
    return termInRest(std::move(lhs), l);
  }

  TermPtr termIn() {
    Location l = loc(cur());
    TermPtr lhs = termRelation();
    return termInRest(std::move(lhs), l);
  }

  TermPtr termInRest(TermPtr lhs, Location l) {
    while (kwIn()) {
      next();
      TermPtr rhs = termRelation();
      lhs = call("internal.member_2", std::move(lhs), std::move(rhs), l);
    }
    return lhs;
  }

  TermPtr termRelation() {
    Location l = loc(cur());
    TermPtr lhs = termOr();
    while (true) {
      const char* op = nullptr;
      switch (cur().kind) {
        case Tok::Eq:
          op = "equal";
          break;
        case Tok::Neq:
          op = "neq";
          break;
        case Tok::Lt:
          op = "lt";
          break;
        case Tok::Lte:
          op = "lte";
          break;
        case Tok::Gt:
          op = "gt";
          break;
        case Tok::Gte:
          op = "gte";
          break;
        default:
          break;
      }
      if (op == nullptr) return lhs;
      next();
      TermPtr rhs = termOr();
      lhs = call(op, std::move(lhs), std::move(rhs), l);
    }
  }

  TermPtr termOr() {
    Location l = loc(cur());
    TermPtr lhs = termAnd();
    while (cur().kind == Tok::Pipe && !stop_at_pipe_) {
      next();
      lhs = call("or", std::move(lhs), termAnd(), l);
    }
    return lhs;
  }

  TermPtr termAnd() {
    Location l = loc(cur());
    TermPtr lhs = termArith();
    while (cur().kind == Tok::Amp) {
      next();
      lhs = call("and", std::move(lhs), termArith(), l);
    }
    return lhs;
  }

  TermPtr termArith() {
    Location l = loc(cur());
    TermPtr lhs = termFactor();
    while (cur().kind == Tok::Plus || cur().kind == Tok::Minus) {
      const char* op = cur().kind == Tok::Plus ? "plus" : "minus";
      next();
      lhs = call(op, std::move(lhs), termFactor(), l);
    }
    return lhs;
  }

  TermPtr termFactor() {
    Location l = loc(cur());
    TermPtr lhs = primary();
    while (cur().kind == Tok::Star || cur().kind == Tok::Slash || cur().kind == Tok::Percent) {
      const char* op = cur().kind == Tok::Star ? "mul" : (cur().kind == Tok::Slash ? "div" : "rem");
      next();
      lhs = call(op, std::move(lhs), primary(), l);
    }
    return lhs;
  }

  // A comprehension head ends at '|' (OPA prefers comprehensions over `or`);
  // nested brackets reset that.
  struct PipeGuard {
    PipeGuard(Parser* p, bool stop) : p_(p), saved_(p->stop_at_pipe_) { p->stop_at_pipe_ = stop; }
    ~PipeGuard() { p_->stop_at_pipe_ = saved_; }
    Parser* p_;
    bool saved_;
  };

  TermPtr primary() {
    DepthGuard g(this);
    PipeGuard pg(this, false);
    const Token& t = cur();
    Location l = loc(t);
    TermPtr term;
    switch (t.kind) {
      case Tok::Number: {
        Value v = Value::numberFromText(t.text);
        if (v.isUndefined()) fail(t, "invalid number");
        term = Term::scalar(std::move(v), l);
        next();
        break;
      }
      case Tok::Minus: {
        const Token& n = peekTok();
        if (n.kind == Tok::Number && !n.space_before) {
          Value v = Value::numberFromText("-" + n.text);
          if (v.isUndefined()) fail(n, "invalid number");
          next();
          next();
          term = Term::scalar(std::move(v), l);
          break;
        }
        next();
        TermPtr operand = primary();
        term = call("minus", Term::scalar(Value::integer(0), l), std::move(operand), l);
        return term;
      }
      case Tok::String:
      case Tok::RawString:
        term = Term::scalar(Value::string(t.text), l);
        next();
        break;
      case Tok::Template:
      case Tok::RawTemplate:
        term = templateTerm(t);
        next();
        break;
      case Tok::LBrack:
        term = arrayOrCompr();
        break;
      case Tok::LBrace:
        term = objectSetOrCompr();
        break;
      case Tok::LParen: {
        next();
        term = termInWithComma();
        expect(Tok::RParen, ")");
        break;
      }
      case Tok::Ident: {
        if (t.text == "true" || t.text == "false") {
          if (keywordUsedAsRef()) {
            term = Term::makeVar(t.text, l);
          } else {
            term = Term::scalar(Value::boolean(t.text == "true"), l);
          }
          next();
          break;
        }
        if (t.text == "null") {
          term = keywordUsedAsRef() ? Term::makeVar("null", l) : Term::scalar(Value::null(), l);
          next();
          break;
        }
        if (t.text == "set" && peekTok().kind == Tok::LParen && !peekTok().space_before &&
            peekTok(2).kind == Tok::RParen) {
          next();
          next();
          next();
          term = Term::make(TermKind::Set, l);
          break;
        }
        if (opts_.version == RegoVersion::V1 && isReservedV1(t.text) && !keywordUsedAsRef() &&
            !(peekTok().kind == Tok::LParen && !peekTok().space_before)) {
          fail(t, "unexpected " + t.text + " keyword");
        }
        term = Term::makeVar(t.text, l);
        next();
        break;
      }
      case Tok::Eof:
        fail(t, "unexpected eof token");
      default:
        fail(t, "unexpected " + describe(t));
    }
    return refRest(std::move(term));
  }

  // Ref operands and calls that follow a term: x.y, x[y], f(x).
  TermPtr refRest(TermPtr term) {
    while (true) {
      const Token& t = cur();
      if (t.space_before && t.newline_before) return term;
      if (t.kind == Tok::Dot && !t.space_before) {
        next();
        if (cur().kind != Tok::Ident)
          fail(cur(), "unexpected " + describe(cur()) + ": expected ident");
        auto key = Term::scalar(Value::string(cur().text), loc(cur()));
        next();
        term = appendRef(std::move(term), std::move(key));
      } else if (t.kind == Tok::LBrack && !t.space_before) {
        next();
        TermPtr key = termIn();
        expect(Tok::RBrack, "]");
        term = appendRef(std::move(term), std::move(key));
      } else if (t.kind == Tok::LParen && !t.space_before &&
                 (term->kind == TermKind::Var || term->kind == TermKind::Ref)) {
        Location l = term->loc;
        next();
        auto c = Term::make(TermKind::Call, l);
        c->args.push_back(std::move(term));
        if (cur().kind != Tok::RParen) {
          while (true) {
            c->args.push_back(termIn());
            if (cur().kind == Tok::Comma) {
              next();
              if (cur().kind == Tok::RParen) break;  // trailing comma
              continue;
            }
            break;
          }
        }
        expect(Tok::RParen, ")");
        term = std::move(c);
      } else {
        return term;
      }
    }
  }

  TermPtr appendRef(TermPtr term, TermPtr key) {
    if (term->kind == TermKind::Ref) {
      term->args.push_back(std::move(key));
      return term;
    }
    auto ref = Term::make(TermKind::Ref, term->loc);
    ref->args.push_back(std::move(term));
    ref->args.push_back(std::move(key));
    return ref;
  }

  TermPtr arrayOrCompr() {
    Location l = loc(cur());
    next();  // [
    if (cur().kind == Tok::RBrack) {
      next();
      return Term::make(TermKind::Array, l);
    }
    TermPtr first;
    {
      PipeGuard pg(this, true);
      first = termIn();
    }
    if (cur().kind == Tok::Pipe) {
      next();
      auto c = Term::make(TermKind::ArrayCompr, l);
      c->args.push_back(std::move(first));
      c->body = comprBody(Tok::RBrack);
      return c;
    }
    auto arr = Term::make(TermKind::Array, l);
    arr->args.push_back(std::move(first));
    while (cur().kind == Tok::Comma) {
      next();
      if (cur().kind == Tok::RBrack) break;
      arr->args.push_back(termIn());
    }
    expect(Tok::RBrack, "]");
    return arr;
  }

  TermPtr objectSetOrCompr() {
    Location l = loc(cur());
    next();  // {
    if (cur().kind == Tok::RBrace) {
      next();
      return Term::make(TermKind::Object, l);
    }
    TermPtr first;
    {
      PipeGuard pg(this, true);
      first = termIn();
    }
    if (cur().kind == Tok::Colon) {
      next();
      TermPtr val;
      {
        PipeGuard pg(this, true);
        val = termIn();
      }
      if (cur().kind == Tok::Pipe) {
        next();
        auto c = Term::make(TermKind::ObjectCompr, l);
        c->args.push_back(std::move(first));
        c->args.push_back(std::move(val));
        c->body = comprBody(Tok::RBrace);
        return c;
      }
      auto obj = Term::make(TermKind::Object, l);
      obj->args.push_back(std::move(first));
      obj->args.push_back(std::move(val));
      while (cur().kind == Tok::Comma) {
        next();
        if (cur().kind == Tok::RBrace) break;
        obj->args.push_back(termIn());
        expect(Tok::Colon, ":");
        obj->args.push_back(termIn());
      }
      expect(Tok::RBrace, "}");
      return obj;
    }
    if (cur().kind == Tok::Pipe) {
      next();
      auto c = Term::make(TermKind::SetCompr, l);
      c->args.push_back(std::move(first));
      c->body = comprBody(Tok::RBrace);
      return c;
    }
    auto set = Term::make(TermKind::Set, l);
    set->args.push_back(std::move(first));
    while (cur().kind == Tok::Comma) {
      next();
      if (cur().kind == Tok::RBrace) break;
      set->args.push_back(termIn());
    }
    expect(Tok::RBrace, "}");
    return set;
  }

  std::unique_ptr<Body> comprBody(Tok close) {
    auto body = std::make_unique<Body>();
    body->loc = loc(cur());
    while (true) {
      if (cur().kind == Tok::Eof) fail(cur(), "unexpected eof token");
      body->exprs.push_back(literal());
      if (cur().kind == Tok::Semicolon) {
        next();
        continue;
      }
      if (cur().kind == close) break;
      if (!cur().newline_before) fail(cur(), "unexpected " + describe(cur()));
    }
    next();
    return body;
  }

  TermPtr templateTerm(const Token& t) {
    Location l = loc(t);
    auto out = Term::make(TermKind::Template, l);
    bool raw = t.kind == Tok::RawTemplate;
    const std::string& body = t.text;
    std::string lit;
    auto flush = [&] {
      if (!lit.empty()) {
        out->args.push_back(Term::scalar(Value::string(lit), l));
        lit.clear();
      }
    };
    size_t i = 0;
    while (i < body.size()) {
      char c = body[i];
      if (c == '\\' && i + 1 < body.size() && body[i + 1] == '{') {
        lit.push_back('{');
        i += 2;
        continue;
      }
      if (!raw && c == '\\') {
        // A standard escape: find its extent and decode it.
        size_t len = 2;
        if (i + 1 < body.size() && body[i + 1] == 'u') len = 6;
        std::string dec;
        if (i + len > body.size() || !unescapeString(body.substr(i, len), &dec))
          fail(t, "illegal escape sequence in template string");
        lit += dec;
        i += len;
        continue;
      }
      if (c == '{') {
        // Find the matching brace (strings and nested templates skipped).
        size_t start = i + 1;
        size_t end = matchBrace(body, start);
        if (end == std::string::npos) fail(t, "unterminated template expression");
        flush();
        RegoErrors errs;
        // Columns are approximate for multi-line raw templates.
        TermPtr expr = subTerm(src_, opts_, std::string_view(body).substr(start, end - start),
                               t.line, t.col + 2 + static_cast<uint32_t>(start), &errs, *this);
        if (!expr) {
          for (auto& e : errs)
            errors_.push_back(std::move(e));
          throw ParseAbort{};
        }
        out->args.push_back(std::move(expr));
        i = end + 1;
        continue;
      }
      lit.push_back(c);
      ++i;
    }
    flush();
    return out;
  }

  static size_t matchBrace(const std::string& s, size_t i) {
    int depth = 1;
    while (i < s.size()) {
      char c = s[i];
      if (c == '"') {
        ++i;
        while (i < s.size() && s[i] != '"') {
          if (s[i] == '\\') ++i;
          ++i;
        }
        ++i;
        continue;
      }
      if (c == '`') {
        ++i;
        while (i < s.size() && s[i] != '`')
          ++i;
        ++i;
        continue;
      }
      if (c == '$' && i + 1 < s.size() && (s[i + 1] == '"' || s[i + 1] == '`')) {
        char q = s[i + 1];
        i += 2;
        // nested template body: skip with brace awareness
        while (i < s.size() && s[i] != q) {
          if (q == '"' && s[i] == '\\') {
            i += 2;
            continue;
          }
          if (s[i] == '{') {
            size_t e = matchBrace(s, i + 1);
            if (e == std::string::npos) return e;
            i = e + 1;
            continue;
          }
          ++i;
        }
        ++i;
        continue;
      }
      if (c == '{') ++depth;
      if (c == '}') {
        if (--depth == 0) return i;
      }
      ++i;
    }
    return std::string::npos;
  }

  void collectAnnotations(Module* m) {
    // A METADATA block is a run of comment lines starting with "# METADATA",
    // annotating the package or rule that starts on the next line.
    for (size_t i = 0; i < comments_.size(); ++i) {
      std::string_view text = comments_[i].text;
      while (!text.empty() && text.front() == ' ')
        text.remove_prefix(1);
      if (text != "METADATA") continue;
      Annotation a;
      a.loc = Location{src_.get(), comments_[i].line, comments_[i].col};
      uint32_t last_line = comments_[i].line;
      size_t j = i + 1;
      for (; j < comments_.size() && comments_[j].line == last_line + 1 &&
             comments_[j].col == comments_[i].col;
           ++j) {
        std::string line = comments_[j].text;
        if (!line.empty() && line[0] == ' ') line.erase(0, 1);
        a.yaml += line;
        a.yaml += "\n";
        last_line = comments_[j].line;
      }
      i = j - 1;
      uint32_t target_line = last_line + 1;
      a.rule_index = -1;
      for (size_t r = 0; r < m->rules.size(); ++r) {
        if (m->rules[r].loc.line >= target_line) {
          if (m->rules[r].loc.line == target_line) a.rule_index = static_cast<int>(r);
          break;
        }
      }
      if (a.rule_index < 0 && m->loc.line != target_line) continue;
      m->annotations.push_back(std::move(a));
    }
  }

  std::shared_ptr<SourceFile> src_;
  ParseOptions opts_;
  std::vector<Token> toks_;
  std::vector<Comment> comments_;
  size_t pos_ = 0;
  int depth_ = 0;
  RegoErrors errors_;
  bool kw_in_ = false;
  bool stop_at_pipe_ = false;
  bool kw_every_ = false;
  bool kw_if_ = false;
  bool kw_contains_ = false;
};

}  // namespace

Checked<Module> parseModule(std::string filename, std::string text, const ParseOptions& options) {
  auto src = std::make_shared<SourceFile>();
  src->name = std::move(filename);
  src->text = std::move(text);
  if (src->text.size() > options.max_source_bytes) {
    return RegoErrors{RegoError{kParseError, "module too large", src->name, 0, 0}};
  }
  Parser p(src, options);
  return p.module();
}

Checked<Query> parseQuery(std::string text, const ParseOptions& options, std::string filename) {
  auto src = std::make_shared<SourceFile>();
  src->name = std::move(filename);
  src->text = std::move(text);
  Parser p(src, options);
  return p.query();
}

Checked<ParsedTerm> parseTermText(std::string text, const ParseOptions& options) {
  auto src = std::make_shared<SourceFile>();
  src->text = std::move(text);
  Parser p(src, options);
  return p.term();
}

Value termToValue(const Term& t) {
  switch (t.kind) {
    case TermKind::Scalar:
      return t.value;
    case TermKind::Array: {
      std::vector<Value> items;
      for (const auto& a : t.args) {
        Value v = termToValue(*a);
        if (v.isUndefined()) return Value();
        items.push_back(std::move(v));
      }
      return Value::array(std::move(items));
    }
    case TermKind::Set: {
      std::vector<Value> items;
      for (const auto& a : t.args) {
        Value v = termToValue(*a);
        if (v.isUndefined()) return Value();
        items.push_back(std::move(v));
      }
      return Value::set(std::move(items));
    }
    case TermKind::Object: {
      std::vector<ObjectEntry> entries;
      for (size_t i = 0; i + 1 < t.args.size(); i += 2) {
        Value k = termToValue(*t.args[i]);
        Value v = termToValue(*t.args[i + 1]);
        if (k.isUndefined() || v.isUndefined()) return Value();
        entries.push_back({std::move(k), std::move(v)});
      }
      return Value::object(std::move(entries));
    }
    default:
      return Value();
  }
}

}  // namespace meshgate::rego
