// SPDX-License-Identifier: Apache-2.0
// strings.render_template: Go text/template over the template variables
// (actions, pipelines, fields, variables, if/else/range/with/define/template/
// block, break/continue, and the builtin functions), as OPA runs it: values
// are JSON-like, a missing key prints "<undefined>".
#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rego/builtins/helpers.h"
#include "rego/builtins/registry.h"
#include "rego/builtins/sprintf.h"
#include "rego/value/json.h"
#include "rego/value/number.h"

namespace meshgate::rego {
namespace {

constexpr int kMaxDepth = 100;
constexpr size_t kMaxOutput = 16 << 20;

// ------------------------------------------------------------------ lexing

enum class TK {
  Text,
  LeftDelim,
  RightDelim,
  Ident,
  Field,
  Variable,
  String,
  RawString,
  Char,
  Number,
  Bool,
  Nil,
  Pipe,
  LParen,
  RParen,
  Declare,
  Assign,
  Comma,
  Dot,
  Keyword,
  Eof,
  Error
};

struct Tok {
  TK kind;
  std::string text;
  int line;
};

class Lexer {
 public:
  explicit Lexer(std::string_view in) : in_(in) {}

  std::vector<Tok> run(std::string* err) {
    std::vector<Tok> out;
    size_t pos = 0;
    bool trim_next = false;
    while (pos < in_.size()) {
      size_t open = in_.find("{{", pos);
      std::string text(
          in_.substr(pos, open == std::string_view::npos ? std::string_view::npos : open - pos));
      if (trim_next)
        text.erase(0, text.find_first_not_of(" \t\r\n") == std::string::npos
                          ? text.size()
                          : text.find_first_not_of(" \t\r\n"));
      trim_next = false;
      if (open == std::string_view::npos) {
        if (!text.empty()) out.push_back({TK::Text, text, line_});
        countLines(in_.substr(pos));
        break;
      }
      size_t inner = open + 2;
      bool trim_left = inner + 1 < in_.size() && in_[inner] == '-' && isSpace(in_[inner + 1]);
      if (trim_left) {
        size_t e = text.find_last_not_of(" \t\r\n");
        text.resize(e == std::string::npos ? 0 : e + 1);
        inner += 2;
      }
      if (!text.empty()) out.push_back({TK::Text, text, line_});
      countLines(in_.substr(pos, open - pos));
      // Comments.
      size_t p = inner;
      if (in_.substr(p, 2) == "/*") {
        size_t end = in_.find("*/", p + 2);
        if (end == std::string_view::npos) {
          *err = "unclosed comment";
          return {};
        }
        size_t q = end + 2;
        while (q < in_.size() && isSpace(in_[q]))
          ++q;
        bool trim_right = false;
        if (in_.substr(q, 3) == "-}}") {
          trim_right = true;
          q += 3;
        } else if (in_.substr(q, 2) == "}}") {
          q += 2;
        } else {
          *err = "comment ends before closing delimiter";
          return {};
        }
        countLines(in_.substr(open, q - open));
        pos = q;
        trim_next = trim_right;
        continue;
      }
      out.push_back({TK::LeftDelim, "{{", line_});
      pos = inner;
      if (!lexAction(&pos, &out, &trim_next, err)) return {};
    }
    out.push_back({TK::Eof, "", line_});
    return out;
  }

 private:
  static bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
  static bool isAlnum(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
           static_cast<unsigned char>(c) >= 0x80;
  }
  void countLines(std::string_view s) {
    line_ += static_cast<int>(std::count(s.begin(), s.end(), '\n'));
  }

  bool lexAction(size_t* pos, std::vector<Tok>* out, bool* trim_next, std::string* err) {
    size_t p = *pos;
    int parens = 0;
    while (true) {
      if (p >= in_.size()) {
        *err = "unclosed action";
        return false;
      }
      char c = in_[p];
      if (isSpace(c)) {
        if (in_.substr(p + 1, 3) == "-}}") {
          out->push_back({TK::RightDelim, "}}", line_});
          *trim_next = true;
          countLines(in_.substr(*pos, p + 4 - *pos));
          *pos = p + 4;
          return true;
        }
        ++p;
        continue;
      }
      if (in_.substr(p, 2) == "}}") {
        if (parens > 0) {
          *err = "unclosed left paren";
          return false;
        }
        out->push_back({TK::RightDelim, "}}", line_});
        countLines(in_.substr(*pos, p + 2 - *pos));
        *pos = p + 2;
        return true;
      }
      size_t start = p;
      if (c == '|') {
        out->push_back({TK::Pipe, "|", line_});
        ++p;
      } else if (c == '(') {
        ++parens;
        out->push_back({TK::LParen, "(", line_});
        ++p;
      } else if (c == ')') {
        if (--parens < 0) {
          *err = "unexpected right paren";
          return false;
        }
        out->push_back({TK::RParen, ")", line_});
        ++p;
      } else if (c == ',') {
        out->push_back({TK::Comma, ",", line_});
        ++p;
      } else if (c == ':' && p + 1 < in_.size() && in_[p + 1] == '=') {
        out->push_back({TK::Declare, ":=", line_});
        p += 2;
      } else if (c == '=') {
        out->push_back({TK::Assign, "=", line_});
        ++p;
      } else if (c == '"' || c == '`' || c == '\'') {
        char q = c;
        ++p;
        while (p < in_.size() && in_[p] != q) {
          if (q != '`' && in_[p] == '\\') ++p;
          if (q != '`' && in_[p] == '\n') break;
          ++p;
        }
        if (p >= in_.size() || in_[p] != q) {
          *err = "unterminated quoted string";
          return false;
        }
        ++p;
        TK kind = q == '"' ? TK::String : q == '`' ? TK::RawString : TK::Char;
        out->push_back({kind, std::string(in_.substr(start, p - start)), line_});
      } else if (c == '$') {
        ++p;
        while (p < in_.size() && isAlnum(in_[p]))
          ++p;
        out->push_back({TK::Variable, std::string(in_.substr(start, p - start)), line_});
      } else if (c == '.') {
        if (p + 1 < in_.size() && std::isdigit(static_cast<unsigned char>(in_[p + 1]))) {
          p = lexNumber(p);
          out->push_back({TK::Number, std::string(in_.substr(start, p - start)), line_});
        } else if (p + 1 < in_.size() && isAlnum(in_[p + 1])) {
          ++p;
          while (p < in_.size() && isAlnum(in_[p]))
            ++p;
          out->push_back({TK::Field, std::string(in_.substr(start, p - start)), line_});
        } else {
          out->push_back({TK::Dot, ".", line_});
          ++p;
        }
      } else if (std::isdigit(static_cast<unsigned char>(c)) ||
                 ((c == '-' || c == '+') && p + 1 < in_.size() &&
                  std::isdigit(static_cast<unsigned char>(in_[p + 1])))) {
        p = lexNumber(p);
        out->push_back({TK::Number, std::string(in_.substr(start, p - start)), line_});
      } else if (isAlnum(c)) {
        while (p < in_.size() && isAlnum(in_[p]))
          ++p;
        std::string word(in_.substr(start, p - start));
        TK kind = TK::Ident;
        if (word == "true" || word == "false") {
          kind = TK::Bool;
        } else if (word == "nil") {
          kind = TK::Nil;
        } else if (word == "if" || word == "else" || word == "end" || word == "range" ||
                   word == "with" || word == "define" || word == "template" || word == "block" ||
                   word == "break" || word == "continue") {
          kind = TK::Keyword;
        }
        out->push_back({kind, word, line_});
      } else {
        *err = std::string("unexpected \"") + c + "\" in command";
        return false;
      }
      // A field chained directly after a term: (x).a or $x.a
      while (p < in_.size() && in_[p] == '.' && p + 1 < in_.size() && isAlnum(in_[p + 1]) &&
             (out->back().kind == TK::Variable || out->back().kind == TK::Field ||
              out->back().kind == TK::RParen || out->back().kind == TK::Dot)) {
        size_t fs = p++;
        while (p < in_.size() && isAlnum(in_[p]))
          ++p;
        out->push_back({TK::Field, std::string(in_.substr(fs, p - fs)), line_});
        out->back().text.insert(0, "\x01");  // marks a chained field
      }
    }
  }

  size_t lexNumber(size_t p) const {
    if (in_[p] == '+' || in_[p] == '-') ++p;
    while (p < in_.size() &&
           (std::isalnum(static_cast<unsigned char>(in_[p])) || in_[p] == '.' || in_[p] == '_' ||
            ((in_[p] == '+' || in_[p] == '-') && (in_[p - 1] == 'e' || in_[p - 1] == 'E')))) {
      ++p;
    }
    return p;
  }

  std::string_view in_;
  int line_ = 1;
};

// ------------------------------------------------------------------ parsing

struct Node;
using NodeList = std::vector<std::unique_ptr<Node>>;

struct Arg {
  enum Kind { Field, Variable, Dot, Ident, Literal, Nil, Pipe } kind;
  std::string name;                 // variable/ident name
  std::vector<std::string> fields;  // field chain after the base
  Value literal;
  std::shared_ptr<struct Pipeline> pipe;  // parenthesised pipeline
};

struct Command {
  std::vector<Arg> args;
};

struct Pipeline {
  std::vector<std::string> decls;
  bool is_assign = false;
  std::vector<Command> cmds;
};

struct Node {
  enum Kind { Text, Action, If, Range, With, Template, Break, Continue } kind;
  std::string text;
  std::shared_ptr<Pipeline> pipe;
  NodeList list, else_list;
  int line = 0;
};

class Parser {
 public:
  Parser(std::vector<Tok> toks, std::map<std::string, std::shared_ptr<NodeList>>* defs)
      : toks_(std::move(toks)), defs_(defs) {}

  std::string err;

  bool parse(NodeList* out) {
    std::string end;
    if (!parseList(out, &end)) return false;
    if (!end.empty()) return fail("unexpected {{" + end + "}}");
    return true;
  }

 private:
  const Tok& peek(size_t k = 0) const { return toks_[std::min(i_ + k, toks_.size() - 1)]; }
  const Tok& next() { return toks_[std::min(i_++, toks_.size() - 1)]; }
  bool fail(std::string m) {
    if (err.empty())
      err = "template: template:" + std::to_string(peek().line) + ": " + std::move(m);
    return false;
  }

  // Parses nodes until {{end}}/{{else ...}} or EOF; `end` receives the terminator keyword.
  bool parseList(NodeList* out, std::string* end) {
    if (++depth_ > kMaxDepth) return fail("template nested too deeply");
    while (true) {
      const Tok& t = peek();
      if (t.kind == TK::Eof) break;
      if (t.kind == TK::Text) {
        auto n = std::make_unique<Node>();
        n->kind = Node::Text;
        n->text = next().text;
        out->push_back(std::move(n));
        continue;
      }
      next();  // {{
      const Tok& k = peek();
      if (k.kind == TK::Keyword && (k.text == "end" || k.text == "else")) {
        *end = next().text;
        --depth_;
        return true;
      }
      auto n = std::make_unique<Node>();
      n->line = k.line;
      if (k.kind == TK::Keyword) {
        std::string kw = next().text;
        if (kw == "if" || kw == "range" || kw == "with") {
          if (!parseControl(kw, n.get())) return false;
        } else if (kw == "define") {
          if (!parseDefine()) return false;
          continue;
        } else if (kw == "template" || kw == "block") {
          const Tok& name = next();
          if (name.kind != TK::String && name.kind != TK::RawString)
            return fail("template name must be a string");
          n->kind = Node::Template;
          n->text = unquote(name);
          if (peek().kind != TK::RightDelim) {
            n->pipe = parsePipeline();
            if (!n->pipe) return false;
          }
          if (!expectRight()) return false;
          if (kw == "block") {
            auto body = std::make_shared<NodeList>();
            std::string e;
            if (!parseList(body.get(), &e)) return false;
            if (e != "end") return fail("unexpected EOF in block");
            if (!expectRight()) return false;
            (*defs_)[n->text] = body;
          }
        } else if (kw == "break" || kw == "continue") {
          if (range_depth_ == 0) return fail("{{" + kw + "}} outside {{range}}");
          n->kind = kw == "break" ? Node::Break : Node::Continue;
          if (!expectRight()) return false;
        } else {
          return fail("unexpected keyword " + kw);
        }
      } else {
        n->kind = Node::Action;
        n->pipe = parsePipeline();
        if (!n->pipe) return false;
        if (!expectRight()) return false;
      }
      out->push_back(std::move(n));
    }
    end->clear();
    --depth_;
    return true;
  }

  bool expectRight() {
    if (next().kind != TK::RightDelim) return fail("unexpected token in action");
    return true;
  }

  bool parseControl(const std::string& kw, Node* n) {
    n->kind = kw == "if" ? Node::If : kw == "range" ? Node::Range : Node::With;
    n->pipe = parsePipeline();
    if (!n->pipe || !expectRight()) return false;
    if (n->kind == Node::Range) ++range_depth_;
    std::string end;
    bool ok = parseList(&n->list, &end);
    if (n->kind == Node::Range) --range_depth_;
    if (!ok) return false;
    if (end.empty()) return fail("unexpected EOF");
    if (end == "else") {
      // {{else if ...}} / {{else with ...}} chain into a nested node.
      if (peek().kind == TK::Keyword && (peek().text == "if" || peek().text == "with") &&
          n->kind != Node::Range) {
        std::string kw2 = next().text;
        auto nested = std::make_unique<Node>();
        nested->line = peek().line;
        if (!parseControl(kw2, nested.get())) return false;
        n->else_list.push_back(std::move(nested));
        return true;
      }
      if (!expectRight()) return false;
      if (!parseList(&n->else_list, &end)) return false;
      if (end != "end")
        return fail("expected end; found " + (end.empty() ? std::string("EOF") : end));
    }
    return expectRight();
  }

  bool parseDefine() {
    const Tok& name = next();
    if (name.kind != TK::String && name.kind != TK::RawString)
      return fail("define name must be a string");
    std::string n = unquote(name);
    if (!expectRight()) return false;
    auto body = std::make_shared<NodeList>();
    std::string end;
    if (!parseList(body.get(), &end)) return false;
    if (end != "end") return fail("unexpected EOF in define");
    if (!expectRight()) return false;
    (*defs_)[n] = body;
    return true;
  }

  static std::string unquote(const Tok& t) {
    if (t.kind == TK::RawString) return t.text.substr(1, t.text.size() - 2);
    auto v = parseJson(t.text);
    return v.ok() && v->isString() ? std::string(v->asString())
                                   : t.text.substr(1, t.text.size() - 2);
  }

  std::shared_ptr<Pipeline> parsePipeline() {
    auto p = std::make_shared<Pipeline>();
    if (++depth_ > kMaxDepth) return fail("template nested too deeply"), nullptr;
    // Declarations: $x := / $x, $y := / $x =
    if (peek().kind == TK::Variable) {
      size_t save = i_;
      std::vector<std::string> vars{next().text};
      if (peek().kind == TK::Comma) {
        next();
        if (peek().kind == TK::Variable) vars.push_back(next().text);
      }
      if (peek().kind == TK::Declare || peek().kind == TK::Assign) {
        p->is_assign = next().kind == TK::Assign;
        p->decls = vars;
      } else {
        i_ = save;
      }
    }
    while (true) {
      Command cmd;
      while (peek().kind != TK::Pipe && peek().kind != TK::RightDelim &&
             peek().kind != TK::RParen && peek().kind != TK::Eof) {
        Arg a;
        if (!parseOperand(&a)) return nullptr;
        cmd.args.push_back(std::move(a));
      }
      if (cmd.args.empty()) return fail("missing value for command"), nullptr;
      p->cmds.push_back(std::move(cmd));
      if (peek().kind != TK::Pipe) break;
      next();
    }
    --depth_;
    return p;
  }

  bool parseOperand(Arg* a) {
    const Tok& t = next();
    switch (t.kind) {
      case TK::Field:
        a->kind = Arg::Field;
        a->fields.push_back(t.text.substr(1));
        break;
      case TK::Variable:
        a->kind = Arg::Variable;
        a->name = t.text;
        break;
      case TK::Dot:
        a->kind = Arg::Dot;
        break;
      case TK::Ident:
        a->kind = Arg::Ident, a->name = t.text;
        break;
      case TK::Nil:
        a->kind = Arg::Nil;
        break;
      case TK::Bool:
        a->kind = Arg::Literal;
        a->literal = Value::boolean(t.text == "true");
        break;
      case TK::String:
      case TK::RawString:
        a->kind = Arg::Literal;
        a->literal = Value::string(unquote(t));
        break;
      case TK::Char: {
        a->kind = Arg::Literal;
        std::string inner = t.text.substr(1, t.text.size() - 2);
        a->literal = Value::integer(inner.empty() ? 0 : static_cast<unsigned char>(inner[0]));
        break;
      }
      case TK::Number: {
        a->kind = Arg::Literal;
        a->literal = Value::numberFromText(t.text);
        if (!a->literal.isNumber()) return fail("bad number syntax: " + t.text);
        break;
      }
      case TK::LParen:
        a->kind = Arg::Pipe;
        a->pipe = parsePipeline();
        if (!a->pipe) return false;
        if (next().kind != TK::RParen) return fail("unclosed left paren");
        break;
      default:
        return fail("unexpected \"" + t.text + "\" in operand");
    }
    while (peek().kind == TK::Field && !peek().text.empty() && peek().text[0] == '\x01') {
      a->fields.push_back(next().text.substr(2));
    }
    return true;
  }

  std::vector<Tok> toks_;
  size_t i_ = 0;
  int depth_ = 0;
  int range_depth_ = 0;
  std::map<std::string, std::shared_ptr<NodeList>>* defs_;
};

// ---------------------------------------------------------------- execution

// A template value: a Rego value, or Go's "no value" (missing map key).
struct TVal {
  Value v;
  bool missing = false;
};

bool truth(const TVal& t) {
  if (t.missing) return false;
  const Value& v = t.v;
  switch (v.kind()) {
    case Kind::Null:
      return false;
    case Kind::Bool:
      return v.asBool();
    case Kind::Number:
      return compare(v, Value::integer(0)) != 0;
    case Kind::String:
    case Kind::Array:
    case Kind::Set:
    case Kind::Object:
      return v.size() > 0;
    default:
      return false;
  }
}

// fmt's %v of the Go value OPA hands to the template.
void printValue(std::string& out, const Value& v) {
  switch (v.kind()) {
    case Kind::Null:
      out += "<nil>";
      return;
    case Kind::Bool:
      out += v.asBool() ? "true" : "false";
      return;
    case Kind::Number:
      out += formatNumber(v);
      return;
    case Kind::String:
      out += v.asString();
      return;
    case Kind::Array:
    case Kind::Set: {
      out += "[";
      bool first = true;
      for (const auto& item : v.items()) {
        if (!first) out += " ";
        first = false;
        printValue(out, item);
      }
      out += "]";
      return;
    }
    case Kind::Object: {
      out += "map[";
      bool first = true;
      for (const auto& e : v.entries()) {
        if (!first) out += " ";
        first = false;
        printValue(out, e.key);
        out += ":";
        printValue(out, e.value);
      }
      out += "]";
      return;
    }
    default:
      out += "<no value>";
      return;
  }
}

std::string printed(const TVal& t) {
  if (t.missing) return "<no value>";
  std::string out;
  printValue(out, t.v);
  return out;
}

class Exec {
 public:
  Exec(const std::map<std::string, std::shared_ptr<NodeList>>& defs) : defs_(defs) {}

  std::string out;
  std::string err;

  bool run(const NodeList& list, const TVal& dot) {
    vars_.push_back({"$", dot});
    return walkList(list, dot);
  }

 private:
  enum class Flow { Normal, Break, Continue };

  bool fail(std::string m) {
    if (err.empty()) err = "template: template: " + std::move(m);
    return false;
  }

  bool walkList(const NodeList& list, const TVal& dot) {
    for (const auto& n : list) {
      if (!walk(*n, dot)) return false;
      if (flow_ != Flow::Normal) return true;
    }
    return true;
  }

  bool walk(const Node& n, const TVal& dot) {
    if (++depth_ > kMaxDepth) return fail("exceeded maximum template depth");
    if (out.size() > kMaxOutput) return fail("output too large");
    bool ok = true;
    switch (n.kind) {
      case Node::Text:
        out += n.text;
        break;
      case Node::Action: {
        TVal v;
        ok = evalPipeline(*n.pipe, dot, &v);
        if (ok && n.pipe->decls.empty()) out += printed(v);
        break;
      }
      case Node::If:
      case Node::With: {
        size_t mark = vars_.size();
        TVal v;
        ok = evalPipeline(*n.pipe, dot, &v);
        if (ok) {
          if (truth(v)) {
            ok = walkList(n.list, n.kind == Node::With ? v : dot);
          } else {
            ok = walkList(n.else_list, dot);
          }
        }
        vars_.resize(mark);
        break;
      }
      case Node::Range:
        ok = walkRange(n, dot);
        break;
      case Node::Template: {
        auto it = defs_.find(n.text);
        if (it == defs_.end()) {
          ok = fail("no such template \"" + n.text + "\"");
          break;
        }
        TVal v;
        if (n.pipe) ok = evalPipeline(*n.pipe, dot, &v);
        if (ok) {
          auto saved = std::move(vars_);
          vars_ = {{"$", v}};
          ok = walkList(*it->second, v);
          vars_ = std::move(saved);
        }
        break;
      }
      case Node::Break:
        flow_ = Flow::Break;
        break;
      case Node::Continue:
        flow_ = Flow::Continue;
        break;
    }
    --depth_;
    return ok;
  }

  bool walkRange(const Node& n, const TVal& dot) {
    size_t mark = vars_.size();
    TVal v;
    Pipeline p = *n.pipe;
    std::vector<std::string> decls = p.decls;
    p.decls.clear();
    if (!evalPipeline(p, dot, &v)) return false;
    auto iterate = [&](const Value& key, const Value& elem) {
      if (decls.size() == 1) {
        vars_.push_back({decls[0], {elem}});
      } else if (decls.size() == 2) {
        vars_.push_back({decls[0], {key}});
        vars_.push_back({decls[1], {elem}});
      }
      bool ok = walkList(n.list, {elem});
      vars_.resize(mark);
      return ok;
    };
    bool any = false;
    if (!v.missing && (v.v.isArray() || v.v.isSet())) {
      int64_t i = 0;
      for (const auto& item : v.v.items()) {
        any = true;
        if (!iterate(Value::integer(i++), item)) return false;
        if (flow_ == Flow::Break) {
          flow_ = Flow::Normal;
          break;
        }
        flow_ = Flow::Normal;
      }
    } else if (!v.missing && v.v.isObject()) {
      for (const auto& e : v.v.entries()) {
        any = true;
        if (!iterate(e.key, e.value)) return false;
        if (flow_ == Flow::Break) {
          flow_ = Flow::Normal;
          break;
        }
        flow_ = Flow::Normal;
      }
    } else if (!v.missing && v.v.isNumber() && v.v.isIntegral()) {
      int64_t count = 0;
      v.v.toInt64(&count);
      for (int64_t i = 0; i < count && i < 1000000; ++i) {
        any = true;
        if (!iterate(Value::integer(i), Value::integer(i))) return false;
        if (flow_ == Flow::Break) {
          flow_ = Flow::Normal;
          break;
        }
        flow_ = Flow::Normal;
      }
    } else if (!v.missing && !v.v.isNull()) {
      return fail("range can't iterate over " + printed(v));
    }
    if (!any) return walkList(n.else_list, dot);
    return true;
  }

  bool evalPipeline(const Pipeline& p, const TVal& dot, TVal* result) {
    TVal cur;
    bool have = false;
    for (const auto& cmd : p.cmds) {
      if (!evalCommand(cmd, dot, have ? &cur : nullptr, &cur)) return false;
      have = true;
    }
    for (size_t i = 0; i < p.decls.size(); ++i) {
      if (p.is_assign) {
        bool found = false;
        for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
          if (it->first == p.decls[i]) {
            it->second = cur;
            found = true;
            break;
          }
        }
        if (!found) return fail("undefined variable: " + p.decls[i]);
      } else {
        vars_.push_back({p.decls[i], cur});
      }
    }
    *result = cur;
    return true;
  }

  bool lookupVar(const std::string& name, TVal* out) {
    for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
      if (it->first == name) {
        *out = it->second;
        return true;
      }
    }
    return fail("undefined variable: " + name);
  }

  bool applyFields(TVal v, const std::vector<std::string>& fields, TVal* out) {
    for (const auto& f : fields) {
      if (v.missing) return fail("nil pointer evaluating interface {}." + f);
      if (v.v.isObject()) {
        const Value* x = v.v.field(f);
        if (x) {
          v = {*x};
        } else {
          v = {Value(), true};
        }
      } else if (v.v.isNull()) {
        return fail("nil pointer evaluating interface {}." + f);
      } else {
        return fail("can't evaluate field " + f + " in type " + goType(v.v));
      }
    }
    *out = v;
    return true;
  }

  static std::string goType(const Value& v) {
    switch (v.kind()) {
      case Kind::String:
        return "string";
      case Kind::Number:
        return "json.Number";
      case Kind::Bool:
        return "bool";
      case Kind::Array:
      case Kind::Set:
        return "[]interface {}";
      default:
        return "interface {}";
    }
  }

  bool evalArg(const Arg& a, const TVal& dot, TVal* out) {
    TVal base;
    switch (a.kind) {
      case Arg::Field:
        base = dot;
        break;
      case Arg::Dot:
        base = dot;
        break;
      case Arg::Variable:
        if (!lookupVar(a.name, &base)) return false;
        break;
      case Arg::Literal:
        base = {a.literal};
        break;
      case Arg::Nil:
        base = {Value::null()};
        break;
      case Arg::Pipe:
        if (!evalPipeline(*a.pipe, dot, &base)) return false;
        break;
      case Arg::Ident:
        return evalCall(a.name, {}, dot, nullptr, out);
    }
    return applyFields(base, a.fields, out);
  }

  bool evalCommand(const Command& cmd, const TVal& dot, const TVal* piped, TVal* out) {
    const Arg& first = cmd.args[0];
    if (first.kind == Arg::Ident) {
      std::vector<TVal> args;
      for (size_t i = 1; i < cmd.args.size(); ++i) {
        TVal v;
        if (!evalArg(cmd.args[i], dot, &v)) return false;
        args.push_back(v);
      }
      if (piped) args.push_back(*piped);
      TVal r;
      if (!evalCall(first.name, args, dot, nullptr, &r)) return false;
      return applyFields(r, first.fields, out);
    }
    if (cmd.args.size() > 1 || piped) return fail("can't give argument to non-function");
    return evalArg(first, dot, out);
  }

  static bool numeric(const TVal& v) { return !v.missing && v.v.isNumber(); }

  bool basicCompare(const TVal& a, const TVal& b, int* cmp) {
    if (a.missing || b.missing) return fail("incompatible types for comparison");
    if (a.v.kind() != b.v.kind()) return fail("incompatible types for comparison");
    if (!(a.v.isNumber() || a.v.isString() || a.v.isBool() || a.v.isNull())) {
      return fail("invalid type for comparison");
    }
    *cmp = compare(a.v, b.v);
    return true;
  }

  bool evalCall(const std::string& fn, const std::vector<TVal>& args, const TVal& dot, const TVal*,
                TVal* out) {
    auto arity = [&](size_t n) {
      if (args.size() != n) {
        return fail("wrong number of args for " + fn + ": want " + std::to_string(n) + " got " +
                    std::to_string(args.size()));
      }
      return true;
    };
    if (fn == "and" || fn == "or") {
      if (args.empty()) return fail("wrong number of args for " + fn);
      for (const auto& a : args) {
        *out = a;
        if (truth(a) == (fn == "or")) return true;
      }
      return true;
    }
    if (fn == "not") {
      if (!arity(1)) return false;
      *out = {Value::boolean(!truth(args[0]))};
      return true;
    }
    if (fn == "len") {
      if (!arity(1)) return false;
      const Value& v = args[0].v;
      if (args[0].missing || !(v.isString() || v.isCollection()))
        return fail("error calling len: len of type");
      *out = {Value::integer(static_cast<int64_t>(v.size()))};
      return true;
    }
    if (fn == "index") {
      if (args.empty()) return fail("wrong number of args for index");
      TVal cur = args[0];
      for (size_t i = 1; i < args.size(); ++i) {
        if (cur.v.isArray() && numeric(args[i])) {
          int64_t k;
          if (!args[i].v.toInt64(&k) || k < 0 || static_cast<size_t>(k) >= cur.v.size()) {
            return fail("error calling index: index out of range");
          }
          cur = {cur.v.items()[static_cast<size_t>(k)]};
        } else if (cur.v.isObject()) {
          const Value* x = cur.v.get(args[i].v);
          cur = x ? TVal{*x} : TVal{Value(), true};
        } else {
          return fail("error calling index: cannot index");
        }
      }
      *out = cur;
      return true;
    }
    if (fn == "slice") {
      if (args.empty() || args.size() > 3) return fail("wrong number of args for slice");
      const Value& v = args[0].v;
      int64_t lo = 0, hi = static_cast<int64_t>(v.size());
      if (args.size() > 1 && !args[1].v.toInt64(&lo)) return fail("error calling slice: bad index");
      if (args.size() > 2 && !args[2].v.toInt64(&hi)) return fail("error calling slice: bad index");
      if (lo < 0 || hi < lo || hi > static_cast<int64_t>(v.size()))
        return fail("error calling slice: out of range");
      if (v.isString()) {
        *out = {Value::string(
            v.asString().substr(static_cast<size_t>(lo), static_cast<size_t>(hi - lo)))};
      } else if (v.isArray()) {
        std::vector<Value> items(v.items().begin() + lo, v.items().begin() + hi);
        *out = {Value::array(std::move(items))};
      } else {
        return fail("error calling slice: can't slice item");
      }
      return true;
    }
    if (fn == "print" || fn == "println") {
      std::string s;
      for (size_t i = 0; i < args.size(); ++i) {
        bool is_str = !args[i].missing && args[i].v.isString();
        bool prev_str = i > 0 && !args[i - 1].missing && args[i - 1].v.isString();
        if (i > 0 && (fn == "println" || (!is_str && !prev_str))) s += " ";
        s += printed(args[i]);
      }
      if (fn == "println") s += "\n";
      *out = {Value::string(s)};
      return true;
    }
    if (fn == "printf") {
      if (args.empty() || args[0].v.kind() != Kind::String)
        return fail("wrong type for printf format");
      std::vector<Value> rest;
      for (size_t i = 1; i < args.size(); ++i)
        rest.push_back(args[i].missing ? Value::null() : args[i].v);
      *out = {Value::string(goSprintf(args[0].v.asString(), rest))};
      return true;
    }
    if (fn == "eq") {
      if (args.size() < 2) return fail("missing argument for comparison");
      for (size_t i = 1; i < args.size(); ++i) {
        int c;
        if (!basicCompare(args[0], args[i], &c)) return false;
        if (c == 0) {
          *out = {Value::boolean(true)};
          return true;
        }
      }
      *out = {Value::boolean(false)};
      return true;
    }
    if (fn == "ne" || fn == "lt" || fn == "le" || fn == "gt" || fn == "ge") {
      if (!arity(2)) return false;
      int c;
      if (!basicCompare(args[0], args[1], &c)) return false;
      bool r = fn == "ne"   ? c != 0
               : fn == "lt" ? c < 0
               : fn == "le" ? c <= 0
               : fn == "gt" ? c > 0
                            : c >= 0;
      *out = {Value::boolean(r)};
      return true;
    }
    if (fn == "html" || fn == "js" || fn == "urlquery") {
      std::string s;
      for (size_t i = 0; i < args.size(); ++i)
        s += printed(args[i]);
      *out = {Value::string(escape(fn, s))};
      return true;
    }
    (void)dot;
    return fail("function \"" + fn + "\" not defined");
  }

  static std::string escape(const std::string& fn, const std::string& s) {
    std::string out;
    static const char* kHex = "0123456789ABCDEF";
    for (unsigned char c : s) {
      if (fn == "html") {
        switch (c) {
          case '<':
            out += "&lt;";
            break;
          case '>':
            out += "&gt;";
            break;
          case '&':
            out += "&amp;";
            break;
          case '\'':
            out += "&#39;";
            break;
          case '"':
            out += "&#34;";
            break;
          case 0:
            out += "\xEF\xBF\xBD";
            break;
          default:
            out.push_back(static_cast<char>(c));
        }
      } else if (fn == "js") {
        switch (c) {
          case '\\':
            out += "\\\\";
            break;
          case '\'':
            out += "\\'";
            break;
          case '"':
            out += "\\\"";
            break;
          case '<':
            out += "\\u003C";
            break;
          case '>':
            out += "\\u003E";
            break;
          case '&':
            out += "\\u0026";
            break;
          case '=':
            out += "\\u003D";
            break;
          case '\n':
            out += "\\n";
            break;
          case '\r':
            out += "\\r";
            break;
          case '\t':
            out += "\\t";
            break;
          default:
            out.push_back(static_cast<char>(c));
        }
      } else {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
          out.push_back(static_cast<char>(c));
        } else if (c == ' ') {
          out.push_back('+');
        } else {
          out.push_back('%');
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 15]);
        }
      }
    }
    return out;
  }

  const std::map<std::string, std::shared_ptr<NodeList>>& defs_;
  std::vector<std::pair<std::string, TVal>> vars_;
  Flow flow_ = Flow::Normal;
  int depth_ = 0;
};

Value renderTemplate(BuiltinContext& c, Args a) {
  std::string_view src;
  if (!argString(c, a, 0, &src) || !argObject(c, a, 1)) return Value::undefined();
  std::string err;
  std::vector<Tok> toks = Lexer(src).run(&err);
  if (!err.empty()) {
    c.builtinError("template: template:1: " + err);
    return Value::undefined();
  }
  std::map<std::string, std::shared_ptr<NodeList>> defs;
  NodeList root;
  Parser p(std::move(toks), &defs);
  if (!p.parse(&root)) {
    c.builtinError(p.err);
    return Value::undefined();
  }
  Exec ex(defs);
  if (!ex.run(root, TVal{a[1]})) {
    c.builtinError(ex.err);
    return Value::undefined();
  }
  // OPA replaces Go's "<no value>" for missing keys.
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t k = ex.out.find("<no value>", pos);
    out.append(ex.out, pos, k == std::string::npos ? std::string::npos : k - pos);
    if (k == std::string::npos) break;
    out += "<undefined>";
    pos = k + 10;
  }
  return Value::string(out);
}

}  // namespace

void registerTemplate(BuiltinRegistry& r) {
  r.add("strings.render_template", 2, renderTemplate);
}

}  // namespace meshgate::rego
