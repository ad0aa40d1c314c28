// SPDX-License-Identifier: Apache-2.0
#include "rego/syntax/lexer.h"

#include "base/strings.h"

namespace meshgate::rego {
namespace {

bool isIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool isIdentChar(char c) {
  return isIdentStart(c) || (c >= '0' && c <= '9');
}
bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

class Lexer {
 public:
  Lexer(std::string_view src, uint32_t line, uint32_t col) : src_(src), line_(line), col_(col) {}

  LexResult run() {
    LexResult out;
    bool newline = false;
    bool space = false;
    while (true) {
      // Skip whitespace and comments.
      while (pos_ < src_.size()) {
        char c = src_[pos_];
        if (c == '\n') {
          newline = true;
          space = true;
          advance();
        } else if (c == ' ' || c == '\t' || c == '\r') {
          space = true;
          advance();
        } else if (c == '#') {
          Comment cm{"", line_, col_};
          advance();
          size_t start = pos_;
          while (pos_ < src_.size() && src_[pos_] != '\n')
            advance();
          cm.text = std::string(src_.substr(start, pos_ - start));
          if (!cm.text.empty() && cm.text.back() == '\r') cm.text.pop_back();
          out.comments.push_back(std::move(cm));
          space = true;
        } else {
          break;
        }
      }
      Token t;
      t.line = line_;
      t.col = col_;
      t.offset = static_cast<uint32_t>(pos_);
      t.newline_before = newline;
      t.space_before = space;
      newline = false;
      space = false;
      if (pos_ >= src_.size()) {
        t.kind = Tok::Eof;
        t.end = t.offset;
        out.tokens.push_back(std::move(t));
        return out;
      }
      scan(&t);
      t.end = static_cast<uint32_t>(pos_);
      bool stop = t.kind == Tok::Error;
      out.tokens.push_back(std::move(t));
      if (stop) return out;
    }
  }

 private:
  void advance() {
    if (src_[pos_] == '\n') {
      ++line_;
      col_ = 1;
    } else if ((static_cast<unsigned char>(src_[pos_]) & 0xC0) != 0x80) {
      ++col_;
    }
    ++pos_;
  }
  char peek(size_t k = 0) const { return pos_ + k < src_.size() ? src_[pos_ + k] : '\0'; }

  void error(Token* t, std::string msg) {
    t->kind = Tok::Error;
    t->text = std::move(msg);
  }

  void scan(Token* t) {
    char c = peek();
    if (isIdentStart(c)) {
      size_t start = pos_;
      while (pos_ < src_.size() && isIdentChar(src_[pos_]))
        advance();
      t->kind = Tok::Ident;
      t->text = std::string(src_.substr(start, pos_ - start));
      return;
    }
    if (isDigit(c)) return scanNumber(t);
    switch (c) {
      case '"':
        return scanString(t);
      case '`':
        return scanRawString(t);
      case '$':
        if (peek(1) == '"' || peek(1) == '`') return scanTemplate(t);
        advance();
        return error(t, "illegal token");
      case '.':
        advance();
        t->kind = Tok::Dot;
        return;
      case ',':
        advance();
        t->kind = Tok::Comma;
        return;
      case ';':
        advance();
        t->kind = Tok::Semicolon;
        return;
      case ':':
        advance();
        if (peek() == '=') {
          advance();
          t->kind = Tok::Assign;
          return;
        }
        t->kind = Tok::Colon;
        return;
      case '[':
        advance();
        t->kind = Tok::LBrack;
        return;
      case ']':
        advance();
        t->kind = Tok::RBrack;
        return;
      case '{':
        advance();
        t->kind = Tok::LBrace;
        return;
      case '}':
        advance();
        t->kind = Tok::RBrace;
        return;
      case '(':
        advance();
        t->kind = Tok::LParen;
        return;
      case ')':
        advance();
        t->kind = Tok::RParen;
        return;
      case '=':
        advance();
        if (peek() == '=') {
          advance();
          t->kind = Tok::Eq;
          return;
        }
        t->kind = Tok::Unify;
        return;
      case '!':
        advance();
        if (peek() == '=') {
          advance();
          t->kind = Tok::Neq;
          return;
        }
        return error(t, "illegal ! character");
      case '<':
        advance();
        if (peek() == '=') {
          advance();
          t->kind = Tok::Lte;
          return;
        }
        t->kind = Tok::Lt;
        return;
      case '>':
        advance();
        if (peek() == '=') {
          advance();
          t->kind = Tok::Gte;
          return;
        }
        t->kind = Tok::Gt;
        return;
      case '+':
        advance();
        t->kind = Tok::Plus;
        return;
      case '-':
        advance();
        t->kind = Tok::Minus;
        return;
      case '*':
        advance();
        t->kind = Tok::Star;
        return;
      case '/':
        advance();
        t->kind = Tok::Slash;
        return;
      case '%':
        advance();
        t->kind = Tok::Percent;
        return;
      case '&':
        advance();
        t->kind = Tok::Amp;
        return;
      case '|':
        advance();
        t->kind = Tok::Pipe;
        return;
      default:
        break;
    }
    advance();
    while (pos_ < src_.size() && (static_cast<unsigned char>(src_[pos_]) & 0xC0) == 0x80)
      advance();
    error(t, "illegal token");
  }

  void scanNumber(Token* t) {
    size_t start = pos_;
    while (isDigit(peek()))
      advance();
    if (peek() == '.' && isDigit(peek(1))) {
      advance();
      while (isDigit(peek()))
        advance();
    }
    if (peek() == 'e' || peek() == 'E') {
      size_t save_pos = pos_;
      uint32_t save_line = line_, save_col = col_;
      advance();
      if (peek() == '+' || peek() == '-') advance();
      if (!isDigit(peek())) {
        pos_ = save_pos;
        line_ = save_line;
        col_ = save_col;
      } else {
        while (isDigit(peek()))
          advance();
      }
    }
    if (isIdentStart(peek())) {
      // "1a" or "1.a": OPA reports an illegal number.
      advance();
      return error(t, "illegal number format");
    }
    t->kind = Tok::Number;
    t->text = std::string(src_.substr(start, pos_ - start));
  }

  void scanString(Token* t) {
    advance();  // opening quote
    size_t start = pos_;
    while (true) {
      if (pos_ >= src_.size() || peek() == '\n') return error(t, "non-terminated string");
      char c = peek();
      if (c == '\\') {
        advance();
        if (pos_ >= src_.size()) return error(t, "non-terminated string");
        advance();
        continue;
      }
      if (c == '"') break;
      advance();
    }
    std::string_view body = src_.substr(start, pos_ - start);
    advance();  // closing quote
    t->kind = Tok::String;
    if (!unescapeString(body, &t->text)) return error(t, "illegal escape sequence in string");
  }

  void scanRawString(Token* t) {
    advance();
    size_t start = pos_;
    while (true) {
      if (pos_ >= src_.size()) return error(t, "non-terminated raw string");
      if (peek() == '`') break;
      advance();
    }
    t->kind = Tok::RawString;
    t->text = std::string(src_.substr(start, pos_ - start));
    advance();
  }

  // $"..." and $`...`: the body may hold {expressions} that themselves contain
  // strings, braces and nested templates.
  void scanTemplate(Token* t) {
    advance();  // $
    char quote = peek();
    advance();
    size_t start = pos_;
    if (!skipTemplateBody(quote)) return error(t, "non-terminated template string");
    t->kind = quote == '"' ? Tok::Template : Tok::RawTemplate;
    t->text = std::string(src_.substr(start, pos_ - start));
    advance();  // closing quote
  }

  // Leaves pos_ at the closing quote.
  bool skipTemplateBody(char quote) {
    while (pos_ < src_.size()) {
      char c = peek();
      if (c == quote) return true;
      if (quote == '"' && c == '\n') return false;
      if (c == '\\' && (quote == '"' || peek(1) == '{')) {
        advance();
        if (pos_ >= src_.size()) return false;
        advance();
        continue;
      }
      if (c == '{') {
        advance();
        if (!skipExpression()) return false;
        continue;
      }
      advance();
    }
    return false;
  }

  // Skips a balanced {...} expression (the '{' already consumed).
  bool skipExpression() {
    int depth = 1;
    while (pos_ < src_.size()) {
      char c = peek();
      if (c == '"') {
        advance();
        while (pos_ < src_.size() && peek() != '"') {
          if (peek() == '\n') return false;
          if (peek() == '\\') advance();
          if (pos_ < src_.size()) advance();
        }
        if (pos_ >= src_.size()) return false;
        advance();
        continue;
      }
      if (c == '`') {
        advance();
        while (pos_ < src_.size() && peek() != '`')
          advance();
        if (pos_ >= src_.size()) return false;
        advance();
        continue;
      }
      if (c == '$' && (peek(1) == '"' || peek(1) == '`')) {
        advance();
        char q = peek();
        advance();
        if (!skipTemplateBody(q)) return false;
        advance();
        continue;
      }
      if (c == '{') ++depth;
      if (c == '}') {
        --depth;
        if (depth == 0) {
          advance();
          return true;
        }
      }
      advance();
    }
    return false;
  }

  std::string_view src_;
  size_t pos_ = 0;
  uint32_t line_;
  uint32_t col_;
};

}  // namespace

bool unescapeString(std::string_view body, std::string* out) {
  out->clear();
  out->reserve(body.size());
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c != '\\') {
      out->push_back(c);
      continue;
    }
    if (++i >= body.size()) return false;
    switch (body[i]) {
      case '"':
        out->push_back('"');
        break;
      case '\\':
        out->push_back('\\');
        break;
      case '/':
        out->push_back('/');
        break;
      case 'b':
        out->push_back('\b');
        break;
      case 'f':
        out->push_back('\f');
        break;
      case 'n':
        out->push_back('\n');
        break;
      case 'r':
        out->push_back('\r');
        break;
      case 't':
        out->push_back('\t');
        break;
      case 'u': {
        auto read4 = [&](size_t at, uint32_t* v) {
          if (at + 4 > body.size()) return false;
          uint32_t r = 0;
          for (size_t k = 0; k < 4; ++k) {
            int h = base::hexDigitValue(body[at + k]);
            if (h < 0) return false;
            r = r * 16 + static_cast<uint32_t>(h);
          }
          *v = r;
          return true;
        };
        uint32_t cp;
        if (!read4(i + 1, &cp)) return false;
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 2 < body.size() && body[i + 1] == '\\' &&
            body[i + 2] == 'u') {
          uint32_t lo;
          if (read4(i + 3, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            i += 6;
          }
        }
        if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;
        base::appendUtf8(*out, cp);
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

LexResult lex(std::string_view src, uint32_t first_line, uint32_t first_col) {
  return Lexer(src, first_line, first_col).run();
}

std::string_view tokName(Tok t) {
  switch (t) {
    case Tok::Eof:
      return "eof";
    case Tok::Ident:
      return "ident";
    case Tok::Number:
      return "number";
    case Tok::String:
    case Tok::RawString:
      return "string";
    case Tok::Template:
    case Tok::RawTemplate:
      return "template string";
    case Tok::Dot:
      return ".";
    case Tok::Comma:
      return ",";
    case Tok::Semicolon:
      return ";";
    case Tok::Colon:
      return ":";
    case Tok::LBrack:
      return "[";
    case Tok::RBrack:
      return "]";
    case Tok::LBrace:
      return "{";
    case Tok::RBrace:
      return "}";
    case Tok::LParen:
      return "(";
    case Tok::RParen:
      return ")";
    case Tok::Assign:
      return ":=";
    case Tok::Unify:
      return "=";
    case Tok::Eq:
      return "==";
    case Tok::Neq:
      return "!=";
    case Tok::Lt:
      return "<";
    case Tok::Lte:
      return "<=";
    case Tok::Gt:
      return ">";
    case Tok::Gte:
      return ">=";
    case Tok::Plus:
      return "+";
    case Tok::Minus:
      return "-";
    case Tok::Star:
      return "*";
    case Tok::Slash:
      return "/";
    case Tok::Percent:
      return "%";
    case Tok::Amp:
      return "&";
    case Tok::Pipe:
      return "|";
    case Tok::Error:
      return "error";
  }
  return "?";
}

}  // namespace meshgate::rego
