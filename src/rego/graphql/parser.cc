// SPDX-License-Identifier: Apache-2.0
// GraphQL lexer and recursive-descent parser (queries and SDL), following
// gqlparser's control flow so that errors match OPA's texts and positions.
#include "rego/graphql/parser.h"

#include <climits>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "base/strings.h"
#include "rego/value/json.h"

namespace meshgate::rego::graphql {
namespace {

enum class Tok {
  Invalid,
  Eof,
  Bang,
  Dollar,
  Amp,
  ParenL,
  ParenR,
  Spread,
  Colon,
  Equals,
  At,
  BracketL,
  BracketR,
  BraceL,
  BraceR,
  Pipe,
  Name,
  Int,
  Float,
  String,
  BlockString,
};

const char* tokName(Tok t) {
  switch (t) {
    case Tok::Invalid:
      return "<Invalid>";
    case Tok::Eof:
      return "<EOF>";
    case Tok::Bang:
      return "!";
    case Tok::Dollar:
      return "$";
    case Tok::Amp:
      return "&";
    case Tok::ParenL:
      return "(";
    case Tok::ParenR:
      return ")";
    case Tok::Spread:
      return "...";
    case Tok::Colon:
      return ":";
    case Tok::Equals:
      return "=";
    case Tok::At:
      return "@";
    case Tok::BracketL:
      return "[";
    case Tok::BracketR:
      return "]";
    case Tok::BraceL:
      return "{";
    case Tok::BraceR:
      return "}";
    case Tok::Pipe:
      return "|";
    case Tok::Name:
      return "Name";
    case Tok::Int:
      return "Int";
    case Tok::Float:
      return "Float";
    case Tok::String:
      return "String";
    case Tok::BlockString:
      return "BlockString";
  }
  return "Unknown";
}

struct Token {
  Tok kind = Tok::Invalid;
  std::string value;
  Pos pos;
  std::string str() const {
    if (!value.empty()) return std::string(tokName(kind)) + " " + quoteString(value);
    return tokName(kind);
  }
};

// Decodes one UTF-8 sequence; returns its code point and width (U+FFFD, 1 on errors).
char32_t decodeRune(std::string_view s, size_t i, size_t* width) {
  auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    *width = 1;
    return b0;
  }
  auto cont = [&](size_t k) {
    return i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
  };
  auto cb = [&](size_t k) {
    return static_cast<char32_t>(static_cast<unsigned char>(s[i + k]) & 0x3F);
  };
  if ((b0 & 0xE0) == 0xC0 && b0 >= 0xC2 && cont(1)) {
    *width = 2;
    return (static_cast<char32_t>(b0 & 0x1F) << 6) | cb(1);
  }
  if ((b0 & 0xF0) == 0xE0 && cont(1) && cont(2)) {
    char32_t cp = (static_cast<char32_t>(b0 & 0x0F) << 12) | (cb(1) << 6) | cb(2);
    if (cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF)) {
      *width = 3;
      return cp;
    }
  }
  if ((b0 & 0xF8) == 0xF0 && cont(1) && cont(2) && cont(3)) {
    char32_t cp = (static_cast<char32_t>(b0 & 0x07) << 18) | (cb(1) << 12) | (cb(2) << 6) | cb(3);
    if (cp >= 0x10000 && cp <= 0x10FFFF) {
      *width = 4;
      return cp;
    }
  }
  *width = 1;
  return 0xFFFD;
}

using base::appendRune;

std::string fmtCode(unsigned char r) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%04d", static_cast<int>(r));
  return buf;
}

size_t leadingWhitespace(const std::string& line) {
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] != ' ' && line[i] != '\t') return i;
  }
  return SIZE_MAX;
}

// The block string value algorithm of the GraphQL spec (common indentation
// removed, leading and trailing blank lines dropped).
std::string blockStringValue(const std::string& raw) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (;;) {
    size_t nl = raw.find('\n', start);
    if (nl == std::string::npos) {
      lines.push_back(raw.substr(start));
      break;
    }
    lines.push_back(raw.substr(start, nl - start));
    start = nl + 1;
  }
  size_t common = SIZE_MAX;
  for (size_t i = 1; i < lines.size(); ++i) {
    size_t indent = leadingWhitespace(lines[i]);
    if (indent < lines[i].size() && indent < common) {
      common = indent;
      if (common == 0) break;
    }
  }
  if (common != SIZE_MAX) {
    for (size_t i = 1; i < lines.size(); ++i)
      lines[i] = lines[i].size() < common ? "" : lines[i].substr(common);
  }
  size_t b = 0, e = lines.size();
  while (b < e && leadingWhitespace(lines[b]) == SIZE_MAX)
    ++b;
  while (b < e && leadingWhitespace(lines[e - 1]) == SIZE_MAX)
    --e;
  std::string out;
  for (size_t i = b; i < e; ++i) {
    if (i > b) out.push_back('\n');
    out += lines[i];
  }
  return out;
}

class Lexer {
 public:
  explicit Lexer(std::string_view in) : in_(in) {}

  // Reads the next token; on a lexical error returns an Invalid token and sets *err.
  Token read(std::optional<GqlError>* err) {
    for (;;) {
      ws();
      start_ = end_;
      start_runes_ = end_runes_;
      if (end_ >= in_.size()) return make(Tok::Eof);
      auto r = static_cast<unsigned char>(in_[start_]);
      ++end_;
      ++end_runes_;
      switch (r) {
        case '!':
          return makeValue(Tok::Bang, "");
        case '$':
          return makeValue(Tok::Dollar, "");
        case '&':
          return makeValue(Tok::Amp, "");
        case '(':
          return makeValue(Tok::ParenL, "");
        case ')':
          return makeValue(Tok::ParenR, "");
        case '.':
          if (in_.size() > start_ + 2 && in_.substr(start_, 3) == "...") {
            end_ += 2;
            end_runes_ += 2;
            return makeValue(Tok::Spread, "");
          }
          break;
        case ':':
          return makeValue(Tok::Colon, "");
        case '=':
          return makeValue(Tok::Equals, "");
        case '@':
          return makeValue(Tok::At, "");
        case '[':
          return makeValue(Tok::BracketL, "");
        case ']':
          return makeValue(Tok::BracketR, "");
        case '{':
          return makeValue(Tok::BraceL, "");
        case '}':
          return makeValue(Tok::BraceR, "");
        case '|':
          return makeValue(Tok::Pipe, "");
        case '#':
          readComment();
          continue;
        case '"':
          if (in_.size() > start_ + 2 && in_.substr(start_, 3) == "\"\"\"")
            return readBlockString(err);
          return readString(err);
        default:
          if (r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')) return readName();
          if (r == '-' || (r >= '0' && r <= '9')) return readNumber(err);
          break;
      }
      --end_;
      --end_runes_;
      if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') {
        return makeError(err, "Cannot contain the invalid character \"\\u" + fmtCode(r) + "\"");
      }
      if (r == '\'') {
        return makeError(
            err, "Unexpected single quote character ('), did you mean to use a double quote (\")?");
      }
      std::string ch;
      appendRune(ch, r);
      return makeError(err, "Cannot parse the unexpected character \"" + ch + "\".");
    }
  }

 private:
  Token make(Tok kind) { return makeValue(kind, std::string(in_.substr(start_, end_ - start_))); }
  Token makeValue(Tok kind, std::string value) {
    Token t;
    t.kind = kind;
    t.value = std::move(value);
    t.pos = Pos{line_, static_cast<int>(start_runes_ - line_start_runes_ + 1)};
    return t;
  }
  Token makeError(std::optional<GqlError>* err, std::string msg) {
    int col = static_cast<int>(end_runes_ - line_start_runes_ + 1);
    Token t;
    t.kind = Tok::Invalid;
    t.pos = Pos{line_, col};
    GqlError e;
    e.message = std::move(msg);
    e.pos = t.pos;
    *err = std::move(e);
    return t;
  }

  void ws() {
    while (end_ < in_.size()) {
      auto c = static_cast<unsigned char>(in_[end_]);
      if (c == '\t' || c == ' ' || c == ',') {
        ++end_;
        ++end_runes_;
      } else if (c == '\n') {
        ++end_;
        ++end_runes_;
        ++line_;
        line_start_runes_ = end_runes_;
      } else if (c == '\r') {
        ++end_;
        ++end_runes_;
        ++line_;
        line_start_runes_ = end_runes_;
        if (end_ < in_.size() && in_[end_] == '\n') {
          ++end_;
          ++end_runes_;
        }
      } else if (c == 0xEF && end_ + 2 < in_.size() &&
                 static_cast<unsigned char>(in_[end_ + 1]) == 0xBB &&
                 static_cast<unsigned char>(in_[end_ + 2]) == 0xBF) {
        end_ += 3;
        ++end_runes_;
      } else {
        return;
      }
    }
  }

  void readComment() {
    while (end_ < in_.size()) {
      size_t w;
      char32_t r = decodeRune(in_, end_, &w);
      if (r > 0x1F || r == '\t') {
        end_ += w;
        ++end_runes_;
      } else {
        break;
      }
    }
  }

  bool acceptByte(char a, char b = 0) {
    if (end_ >= in_.size()) return false;
    if (in_[end_] == a || (b != 0 && in_[end_] == b)) {
      ++end_;
      ++end_runes_;
      return true;
    }
    return false;
  }
  size_t acceptDigits() {
    size_t n = 0;
    while (end_ < in_.size() && in_[end_] >= '0' && in_[end_] <= '9') {
      ++end_;
      ++end_runes_;
      ++n;
    }
    return n;
  }
  std::string describeNext() const {
    if (end_ < in_.size()) {
      std::string s = "\"";
      appendRune(s, static_cast<unsigned char>(in_[end_]));
      return s + "\"";
    }
    return "<EOF>";
  }

  Token readNumber(std::optional<GqlError>* err) {
    bool is_float = false;
    --end_;
    --end_runes_;
    acceptByte('-');
    if (acceptByte('0')) {
      size_t consumed = acceptDigits();
      if (consumed != 0) {
        end_ -= consumed;
        end_runes_ -= consumed;
        return makeError(err, "Invalid number, unexpected digit after 0: " + describeNext() + ".");
      }
    } else if (acceptDigits() == 0) {
      return makeError(err, "Invalid number, expected digit but got: " + describeNext() + ".");
    }
    if (acceptByte('.')) {
      is_float = true;
      if (acceptDigits() == 0)
        return makeError(err, "Invalid number, expected digit but got: " + describeNext() + ".");
    }
    if (acceptByte('e', 'E')) {
      is_float = true;
      acceptByte('-', '+');
      if (acceptDigits() == 0)
        return makeError(err, "Invalid number, expected digit but got: " + describeNext() + ".");
    }
    return make(is_float ? Tok::Float : Tok::Int);
  }

  static bool unhex(std::string_view b, char32_t* out) {
    char32_t v = 0;
    for (char c : b) {
      const int d = base::hexDigitValue(c);
      if (d < 0) return false;
      v = (v << 4) | static_cast<char32_t>(d);
    }
    *out = v;
    return true;
  }

  Token readString(std::optional<GqlError>* err) {
    size_t n = in_.size();
    std::optional<std::string> buf;
    ++start_;
    ++start_runes_;
    while (end_ < n) {
      auto r = static_cast<unsigned char>(in_[end_]);
      if (r == '\n' || r == '\r') break;
      if (r < 0x20 && r != '\t')
        return makeError(err, "Invalid character within String: \"\\u" + fmtCode(r) + "\".");
      if (r == '"') {
        Token t = make(Tok::String);
        if (buf) t.value = *buf;
        ++end_;
        ++end_runes_;
        return t;
      }
      if (r == '\\') {
        if (end_ + 1 >= n) {
          ++end_;
          ++end_runes_;
          return makeError(err, "Invalid character escape sequence.");
        }
        if (!buf) buf = std::string(in_.substr(start_, end_ - start_));
        char esc = in_[end_ + 1];
        if (esc == 'u') {
          if (end_ + 6 >= n) {
            ++end_;
            ++end_runes_;
            return makeError(
                err, "Invalid character escape sequence: \\" + std::string(in_.substr(end_)) + ".");
          }
          char32_t cp;
          if (!unhex(in_.substr(end_ + 2, 4), &cp)) {
            ++end_;
            ++end_runes_;
            return makeError(err, "Invalid character escape sequence: \\" +
                                      std::string(in_.substr(end_, 5)) + ".");
          }
          appendRune(*buf, cp);
          end_ += 6;
          end_runes_ += 6;
        } else {
          switch (esc) {
            case '"':
            case '/':
            case '\\':
              buf->push_back(esc);
              break;
            case 'b':
              buf->push_back('\b');
              break;
            case 'f':
              buf->push_back('\f');
              break;
            case 'n':
              buf->push_back('\n');
              break;
            case 'r':
              buf->push_back('\r');
              break;
            case 't':
              buf->push_back('\t');
              break;
            default:
              ++end_;
              ++end_runes_;
              return makeError(err,
                               "Invalid character escape sequence: \\" + std::string(1, esc) + ".");
          }
          end_ += 2;
          end_runes_ += 2;
        }
        continue;
      }
      size_t w = 1;
      char32_t cp = r;
      if (r >= 127) cp = decodeRune(in_, end_, &w);
      end_ += w;
      ++end_runes_;
      if (buf) appendRune(*buf, cp);
    }
    return makeError(err, "Unterminated string.");
  }

  Token readBlockString(std::optional<GqlError>* err) {
    size_t n = in_.size();
    std::string buf;
    start_ += 3;
    start_runes_ += 3;
    end_ += 2;
    end_runes_ += 2;
    while (end_ < n) {
      auto r = static_cast<unsigned char>(in_[end_]);
      if (r == '"' && end_ + 3 <= n && in_.substr(end_, 3) == "\"\"\"") {
        Token t = makeValue(Tok::BlockString, blockStringValue(buf));
        end_ += 3;
        end_runes_ += 3;
        return t;
      }
      if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') {
        return makeError(err, "Invalid character within String: \"\\u" + fmtCode(r) + "\".");
      }
      if (r == '\\' && end_ + 4 <= n && in_.substr(end_, 4) == "\\\"\"\"") {
        buf += "\"\"\"";
        end_ += 4;
        end_runes_ += 4;
      } else if (r == '\r') {
        if (end_ + 1 < n && in_[end_ + 1] == '\n') {
          ++end_;
          ++end_runes_;
        }
        buf.push_back('\n');
        ++end_;
        ++end_runes_;
        ++line_;
        line_start_runes_ = end_runes_;
      } else {
        size_t w = 1;
        char32_t cp = r;
        if (r >= 127) cp = decodeRune(in_, end_, &w);
        end_ += w;
        ++end_runes_;
        appendRune(buf, cp);
        if (r == '\n') {
          ++line_;
          line_start_runes_ = end_runes_;
        }
      }
    }
    return makeError(err, "Unterminated string.");
  }

  Token readName() {
    while (end_ < in_.size()) {
      char c = in_[end_];
      if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_') {
        ++end_;
        ++end_runes_;
      } else {
        break;
      }
    }
    return make(Tok::Name);
  }

  std::string_view in_;
  size_t start_ = 0, end_ = 0;
  int64_t start_runes_ = 0, end_runes_ = 0, line_start_runes_ = 0;
  int line_ = 1;
};

class Parser {
 public:
  explicit Parser(std::string_view src) : lexer_(src) {}

  std::optional<GqlError> err;

  // ---- token plumbing (gqlparser's parser.go) ----
  const Token& peek() {
    if (err) return prev_;
    if (!peeked_) {
      peek_err_.reset();
      peek_tok_ = lexer_.read(&peek_err_);
      peeked_ = true;
    }
    return peek_tok_;
  }
  Pos peekPos() {
    if (err) return Pos{};
    return peek().pos;
  }
  void error(const Token& tok, std::string msg) {
    if (err) return;
    GqlError e;
    e.message = std::move(msg);
    e.pos = tok.pos;
    err = std::move(e);
  }
  const Token& next() {
    if (err) return prev_;
    if (peeked_) {
      peeked_ = false;
      prev_ = peek_tok_;
      if (peek_err_) err = peek_err_;
    } else {
      std::optional<GqlError> e;
      prev_ = lexer_.read(&e);
      if (e) err = e;
    }
    return prev_;
  }
  Token expectKeyword(const std::string& value) {
    Token tok = peek();
    if (tok.kind == Tok::Name && tok.value == value) return next();
    error(tok, "Expected " + quoteString(value) + ", found " + tok.str());
    return tok;
  }
  Token expect(Tok kind) {
    Token tok = peek();
    if (tok.kind == kind) return next();
    error(tok, std::string("Expected ") + tokName(kind) + ", found " + tokName(tok.kind));
    return tok;
  }
  bool skip(Tok kind) {
    if (err) return false;
    if (peek().kind != kind) return false;
    next();
    return true;
  }
  void unexpectedError() { unexpectedToken(peek()); }
  void unexpectedToken(const Token& tok) { error(tok, "Unexpected " + tok.str()); }

  template <typename F>
  void many(Tok start, Tok end, F cb) {
    if (!skip(start)) return;
    while (peek().kind != end && !err)
      cb();
    next();
  }
  template <typename F>
  void some(Tok start, Tok end, F cb) {
    if (!skip(start)) return;
    bool called = false;
    while (peek().kind != end && !err) {
      called = true;
      cb();
    }
    if (!called) {
      Token tok = peek();
      error(tok, std::string("expected at least one definition, found ") + tokName(tok.kind));
      return;
    }
    next();
  }

  // Depth guard for recursive constructs.
  bool enter() {
    if (++depth_ > kMaxNesting) {
      Token tok = peek();
      error(tok, "document is nested too deeply");
      return false;
    }
    return true;
  }
  void leave() { --depth_; }

  // ---- query documents (query.go) ----
  void parseQueryDocument(QueryDocument* doc) {
    while (peek().kind != Tok::Eof) {
      if (err) return;
      const Token& t = peek();
      if (t.kind == Tok::Name) {
        if (t.value == "query" || t.value == "mutation" || t.value == "subscription") {
          doc->operations.push_back(parseOperationDefinition());
        } else if (t.value == "fragment") {
          doc->fragments.push_back(parseFragmentDefinition());
        } else {
          unexpectedError();
        }
      } else if (t.kind == Tok::BraceL) {
        doc->operations.push_back(parseOperationDefinition());
      } else {
        unexpectedError();
      }
    }
  }

  OperationDefinition parseOperationDefinition() {
    OperationDefinition od;
    if (peek().kind == Tok::BraceL) {
      od.pos = peekPos();
      od.operation = "query";
      od.selection_set = parseRequiredSelectionSet();
      return od;
    }
    od.pos = peekPos();
    od.operation = parseOperationType();
    if (peek().kind == Tok::Name) od.name = next().value;
    od.variable_definitions = parseVariableDefinitions();
    od.directives = parseDirectives(false);
    od.selection_set = parseRequiredSelectionSet();
    return od;
  }

  std::string parseOperationType() {
    Token tok = next();
    if (tok.value == "query" || tok.value == "mutation" || tok.value == "subscription")
      return tok.value;
    unexpectedToken(tok);
    return "";
  }

  std::vector<VariableDefinition> parseVariableDefinitions() {
    std::vector<VariableDefinition> defs;
    many(Tok::ParenL, Tok::ParenR, [&] { defs.push_back(parseVariableDefinition()); });
    return defs;
  }

  VariableDefinition parseVariableDefinition() {
    VariableDefinition def;
    def.pos = peekPos();
    def.variable = parseVariable();
    expect(Tok::Colon);
    def.type = parseTypeReference();
    if (skip(Tok::Equals)) def.default_value = parseValueLiteral(true);
    def.directives = parseDirectives(false);
    return def;
  }

  std::string parseVariable() {
    expect(Tok::Dollar);
    return parseName();
  }

  std::vector<Selection> parseOptionalSelectionSet() {
    std::vector<Selection> sels;
    if (!enter()) return sels;
    some(Tok::BraceL, Tok::BraceR, [&] { sels.push_back(parseSelection()); });
    leave();
    return sels;
  }

  std::vector<Selection> parseRequiredSelectionSet() {
    std::vector<Selection> sels;
    if (peek().kind != Tok::BraceL) {
      Token tok = peek();
      error(tok, std::string("Expected {, found ") + tokName(tok.kind));
      return sels;
    }
    if (!enter()) return sels;
    some(Tok::BraceL, Tok::BraceR, [&] { sels.push_back(parseSelection()); });
    leave();
    return sels;
  }

  Selection parseSelection() {
    if (peek().kind == Tok::Spread) return parseFragment();
    return parseField();
  }

  Selection parseField() {
    Selection f;
    f.kind = SelectionKind::Field;
    f.pos = peekPos();
    f.alias = parseName();
    if (skip(Tok::Colon)) {
      f.name = parseName();
    } else {
      f.name = f.alias;
    }
    f.arguments = parseArguments(false);
    f.directives = parseDirectives(false);
    if (peek().kind == Tok::BraceL) f.selection_set = parseOptionalSelectionSet();
    return f;
  }

  std::vector<Argument> parseArguments(bool is_const) {
    std::vector<Argument> args;
    many(Tok::ParenL, Tok::ParenR, [&] {
      Argument a;
      a.pos = peekPos();
      a.name = parseName();
      expect(Tok::Colon);
      a.value = parseValueLiteral(is_const);
      args.push_back(std::move(a));
    });
    return args;
  }

  Selection parseFragment() {
    expect(Tok::Spread);
    Selection s;
    const Token& pk = peek();
    if (pk.kind == Tok::Name && pk.value != "on") {
      s.kind = SelectionKind::FragmentSpread;
      s.pos = peekPos();
      s.name = parseFragmentName();
      s.directives = parseDirectives(false);
      return s;
    }
    s.kind = SelectionKind::InlineFragment;
    s.pos = peekPos();
    if (peek().value == "on") {
      next();
      s.type_condition = parseName();
    }
    s.directives = parseDirectives(false);
    s.selection_set = parseRequiredSelectionSet();
    return s;
  }

  FragmentDefinition parseFragmentDefinition() {
    FragmentDefinition def;
    def.pos = peekPos();
    expectKeyword("fragment");
    def.name = parseFragmentName();
    def.variable_definition = parseVariableDefinitions();
    expectKeyword("on");
    def.type_condition = parseName();
    def.directives = parseDirectives(false);
    def.selection_set = parseRequiredSelectionSet();
    return def;
  }

  std::string parseFragmentName() {
    if (peek().value == "on") {
      unexpectedError();
      return "";
    }
    return parseName();
  }

  std::shared_ptr<GValue> parseValueLiteral(bool is_const) {
    Token token = peek();
    ValueKind kind;
    switch (token.kind) {
      case Tok::BracketL:
        return parseList(is_const);
      case Tok::BraceL:
        return parseObject(is_const);
      case Tok::Dollar: {
        if (is_const) {
          unexpectedError();
          return nullptr;
        }
        auto v = std::make_shared<GValue>();
        v->pos = token.pos;
        v->raw = parseVariable();
        v->kind = ValueKind::Variable;
        return v;
      }
      case Tok::Int:
        kind = ValueKind::Int;
        break;
      case Tok::Float:
        kind = ValueKind::Float;
        break;
      case Tok::String:
        kind = ValueKind::String;
        break;
      case Tok::BlockString:
        kind = ValueKind::Block;
        break;
      case Tok::Name:
        if (token.value == "true" || token.value == "false") {
          kind = ValueKind::Boolean;
        } else if (token.value == "null") {
          kind = ValueKind::Null;
        } else {
          kind = ValueKind::Enum;
        }
        break;
      default:
        unexpectedError();
        return nullptr;
    }
    next();
    auto v = std::make_shared<GValue>();
    v->pos = token.pos;
    v->raw = token.value;
    v->kind = kind;
    return v;
  }

  std::shared_ptr<GValue> parseList(bool is_const) {
    auto v = std::make_shared<GValue>();
    v->kind = ValueKind::List;
    v->pos = peekPos();
    if (!enter()) return v;
    many(Tok::BracketL, Tok::BracketR, [&] {
      ChildValue c;
      c.value = parseValueLiteral(is_const);
      v->children.push_back(std::move(c));
    });
    leave();
    return v;
  }

  std::shared_ptr<GValue> parseObject(bool is_const) {
    auto v = std::make_shared<GValue>();
    v->kind = ValueKind::Object;
    v->pos = peekPos();
    if (!enter()) return v;
    many(Tok::BraceL, Tok::BraceR, [&] {
      ChildValue c;
      c.pos = peekPos();
      c.name = parseName();
      expect(Tok::Colon);
      c.value = parseValueLiteral(is_const);
      v->children.push_back(std::move(c));
    });
    leave();
    return v;
  }

  std::vector<Directive> parseDirectives(bool is_const) {
    std::vector<Directive> dirs;
    while (peek().kind == Tok::At) {
      if (err) break;
      expect(Tok::At);
      Directive d;
      d.pos = peekPos();
      d.name = parseName();
      d.arguments = parseArguments(is_const);
      dirs.push_back(std::move(d));
    }
    return dirs;
  }

  std::shared_ptr<Type> parseTypeReference() {
    auto t = std::make_shared<Type>();
    if (!enter()) return t;
    if (skip(Tok::BracketL)) {
      t->pos = peekPos();
      t->elem = parseTypeReference();
      expect(Tok::BracketR);
    } else {
      t->pos = peekPos();
      t->named = parseName();
    }
    if (skip(Tok::Bang)) {
      t->pos = peekPos();
      t->non_null = true;
    }
    leave();
    return t;
  }

  std::string parseName() { return expect(Tok::Name).value; }

  // ---- schema documents (schema.go) ----
  bool parseSchemaDocument(SchemaDocument* doc) {
    while (peek().kind != Tok::Eof) {
      if (err) return false;
      std::string description;
      if (peek().kind == Tok::BlockString || peek().kind == Tok::String)
        description = parseDescription();
      if (peek().kind != Tok::Name) {
        unexpectedError();
        break;
      }
      const std::string v = peek().value;
      if (v == "scalar" || v == "type" || v == "interface" || v == "union" || v == "enum" ||
          v == "input") {
        doc->definitions.push_back(parseTypeSystemDefinition(description));
      } else if (v == "schema") {
        doc->schema.push_back(parseSchemaDefinition(description));
      } else if (v == "directive") {
        doc->directives.push_back(parseDirectiveDefinition(description));
      } else if (v == "extend") {
        if (!description.empty()) unexpectedToken(prev_);
        parseTypeSystemExtension(doc);
      } else {
        unexpectedError();
        return false;
      }
    }
    return true;
  }

  std::string parseDescription() {
    const Token& t = peek();
    if (t.kind != Tok::BlockString && t.kind != Tok::String) return "";
    return next().value;
  }

  Definition parseTypeSystemDefinition(const std::string& description) {
    const std::string v = peek().value;
    if (v == "scalar") {
      expectKeyword("scalar");
      Definition def = start("SCALAR", description);
      def.directives = parseDirectives(true);
      return def;
    }
    if (v == "type" || v == "interface") {
      expectKeyword(v);
      Definition def = start(v == "type" ? "OBJECT" : "INTERFACE", description);
      def.interfaces = parseImplementsInterfaces();
      def.directives = parseDirectives(true);
      def.fields = parseFieldsDefinition();
      return def;
    }
    if (v == "union") {
      expectKeyword("union");
      Definition def = start("UNION", description);
      def.directives = parseDirectives(true);
      def.types = parseUnionMemberTypes();
      return def;
    }
    if (v == "enum") {
      expectKeyword("enum");
      Definition def = start("ENUM", description);
      def.directives = parseDirectives(true);
      def.enum_values = parseEnumValuesDefinition();
      return def;
    }
    expectKeyword("input");
    Definition def = start("INPUT_OBJECT", description);
    def.directives = parseDirectives(true);
    def.fields = parseInputFieldsDefinition();
    return def;
  }

  Definition start(const char* kind, const std::string& description) {
    Definition def;
    def.pos = peekPos();
    def.kind = kind;
    def.description = description;
    def.name = parseName();
    return def;
  }

  SchemaDefinition parseSchemaDefinition(const std::string& description) {
    expectKeyword("schema");
    SchemaDefinition def;
    def.pos = peekPos();
    def.description = description;
    def.directives = parseDirectives(true);
    some(Tok::BraceL, Tok::BraceR,
         [&] { def.operation_types.push_back(parseOperationTypeDefinition()); });
    return def;
  }

  OperationTypeDefinition parseOperationTypeDefinition() {
    OperationTypeDefinition op;
    op.pos = peekPos();
    op.operation = parseOperationType();
    expect(Tok::Colon);
    op.type = parseName();
    return op;
  }

  std::vector<std::string> parseImplementsInterfaces() {
    std::vector<std::string> types;
    if (peek().value == "implements") {
      next();
      skip(Tok::Amp);
      types.push_back(parseName());
      while (skip(Tok::Amp) && !err)
        types.push_back(parseName());
    }
    return types;
  }

  std::vector<FieldDefinition> parseFieldsDefinition() {
    std::vector<FieldDefinition> defs;
    some(Tok::BraceL, Tok::BraceR, [&] {
      FieldDefinition def;
      def.pos = peekPos();
      def.description = parseDescription();
      def.name = parseName();
      def.arguments = parseArgumentDefs();
      expect(Tok::Colon);
      def.type = parseTypeReference();
      def.directives = parseDirectives(true);
      defs.push_back(std::move(def));
    });
    return defs;
  }

  std::vector<FieldDefinition> parseArgumentDefs() {
    std::vector<FieldDefinition> args;
    some(Tok::ParenL, Tok::ParenR, [&] { args.push_back(parseInputValueDef()); });
    return args;
  }

  FieldDefinition parseInputValueDef() {
    FieldDefinition def;
    def.pos = peekPos();
    def.description = parseDescription();
    def.name = parseName();
    expect(Tok::Colon);
    def.type = parseTypeReference();
    if (skip(Tok::Equals)) def.default_value = parseValueLiteral(true);
    def.directives = parseDirectives(true);
    return def;
  }

  std::vector<std::string> parseUnionMemberTypes() {
    std::vector<std::string> types;
    if (skip(Tok::Equals)) {
      skip(Tok::Pipe);
      types.push_back(parseName());
      while (skip(Tok::Pipe) && !err)
        types.push_back(parseName());
    }
    return types;
  }

  std::vector<EnumValueDefinition> parseEnumValuesDefinition() {
    std::vector<EnumValueDefinition> values;
    some(Tok::BraceL, Tok::BraceR, [&] {
      EnumValueDefinition v;
      v.pos = peekPos();
      v.description = parseDescription();
      v.name = parseName();
      v.directives = parseDirectives(true);
      values.push_back(std::move(v));
    });
    return values;
  }

  std::vector<FieldDefinition> parseInputFieldsDefinition() {
    std::vector<FieldDefinition> values;
    some(Tok::BraceL, Tok::BraceR, [&] { values.push_back(parseInputValueDef()); });
    return values;
  }

  void parseTypeSystemExtension(SchemaDocument* doc) {
    expectKeyword("extend");
    const std::string v = peek().value;
    if (v == "schema") {
      expectKeyword("schema");
      SchemaDefinition def;
      def.pos = peekPos();
      def.directives = parseDirectives(true);
      some(Tok::BraceL, Tok::BraceR,
           [&] { def.operation_types.push_back(parseOperationTypeDefinition()); });
      if (def.directives.empty() && def.operation_types.empty()) unexpectedError();
      doc->schema_extension.push_back(std::move(def));
      return;
    }
    if (v == "scalar") {
      expectKeyword("scalar");
      Definition def = start("SCALAR", "");
      def.directives = parseDirectives(true);
      if (def.directives.empty()) unexpectedError();
      doc->extensions.push_back(std::move(def));
    } else if (v == "type") {
      expectKeyword("type");
      Definition def = start("OBJECT", "");
      def.interfaces = parseImplementsInterfaces();
      def.directives = parseDirectives(true);
      def.fields = parseFieldsDefinition();
      if (def.interfaces.empty() && def.directives.empty() && def.fields.empty()) unexpectedError();
      doc->extensions.push_back(std::move(def));
    } else if (v == "interface") {
      expectKeyword("interface");
      Definition def = start("INTERFACE", "");
      def.directives = parseDirectives(true);
      def.fields = parseFieldsDefinition();
      if (def.directives.empty() && def.fields.empty()) unexpectedError();
      doc->extensions.push_back(std::move(def));
    } else if (v == "union") {
      expectKeyword("union");
      Definition def = start("UNION", "");
      def.directives = parseDirectives(true);
      def.types = parseUnionMemberTypes();
      if (def.directives.empty() && def.types.empty()) unexpectedError();
      doc->extensions.push_back(std::move(def));
    } else if (v == "enum") {
      expectKeyword("enum");
      Definition def = start("ENUM", "");
      def.directives = parseDirectives(true);
      def.enum_values = parseEnumValuesDefinition();
      if (def.directives.empty() && def.enum_values.empty()) unexpectedError();
      doc->extensions.push_back(std::move(def));
    } else if (v == "input") {
      expectKeyword("input");
      Definition def = start("INPUT_OBJECT", "");
      def.directives = parseDirectives(false);
      def.fields = parseInputFieldsDefinition();
      if (def.directives.empty() && def.fields.empty()) unexpectedError();
      doc->extensions.push_back(std::move(def));
    } else {
      unexpectedError();
    }
  }

  DirectiveDefinition parseDirectiveDefinition(const std::string& description) {
    expectKeyword("directive");
    expect(Tok::At);
    DirectiveDefinition def;
    def.pos = peekPos();
    def.description = description;
    def.name = parseName();
    def.arguments = parseArgumentDefs();
    const Token& pk = peek();
    if (pk.kind == Tok::Name && pk.value == "repeatable") {
      def.is_repeatable = true;
      skip(Tok::Name);
    }
    expectKeyword("on");
    skip(Tok::Pipe);
    def.locations.push_back(parseDirectiveLocation());
    while (skip(Tok::Pipe) && !err)
      def.locations.push_back(parseDirectiveLocation());
    return def;
  }

  std::string parseDirectiveLocation() {
    static const char* kLocations[] = {"QUERY",
                                       "MUTATION",
                                       "SUBSCRIPTION",
                                       "FIELD",
                                       "FRAGMENT_DEFINITION",
                                       "FRAGMENT_SPREAD",
                                       "INLINE_FRAGMENT",
                                       "VARIABLE_DEFINITION",
                                       "SCHEMA",
                                       "SCALAR",
                                       "OBJECT",
                                       "FIELD_DEFINITION",
                                       "ARGUMENT_DEFINITION",
                                       "INTERFACE",
                                       "UNION",
                                       "ENUM",
                                       "ENUM_VALUE",
                                       "INPUT_OBJECT",
                                       "INPUT_FIELD_DEFINITION"};
    Token name = expect(Tok::Name);
    for (const char* loc : kLocations) {
      if (name.value == loc) return name.value;
    }
    unexpectedToken(name);
    return "";
  }

 private:
  Lexer lexer_;
  bool peeked_ = false;
  Token peek_tok_;
  std::optional<GqlError> peek_err_;
  Token prev_;
  int depth_ = 0;
};

}  // namespace

bool parseQuery(std::string_view src, QueryDocument* out, GqlError* err) {
  Parser p(src);
  p.parseQueryDocument(out);
  if (p.err) {
    *err = *p.err;
    return false;
  }
  return true;
}

bool parseSchema(std::string_view src, SchemaDocument* out, GqlError* err, bool built_in) {
  Parser p(src);
  p.parseSchemaDocument(out);
  if (p.err) {
    *err = *p.err;
    return false;
  }
  for (auto& d : out->definitions)
    d.built_in = built_in;
  for (auto& d : out->extensions)
    d.built_in = built_in;
  return true;
}

}  // namespace meshgate::rego::graphql
