// SPDX-License-Identifier: Apache-2.0
// The Rego lexer: source text → tokens with positions. Keywords are lexed as
// identifiers; the parser decides from context and the language version.
// Depends on base only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace meshgate::rego {

enum class Tok : uint8_t {
  Eof,
  Ident,
  Number,
  String,     // text holds the decoded value
  RawString,  // text holds the raw value
  Template,   // text holds the raw body between the quotes of $"..." or $`...`
  RawTemplate,
  Dot,
  Comma,
  Semicolon,
  Colon,
  LBrack,
  RBrack,
  LBrace,
  RBrace,
  LParen,
  RParen,
  Assign,  // :=
  Unify,   // =
  Eq,      // ==
  Neq,     // !=
  Lt,
  Lte,
  Gt,
  Gte,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  Amp,
  Pipe,
  Error,  // text holds the message
};

struct Token {
  Tok kind = Tok::Eof;
  std::string text;
  uint32_t line = 1;
  uint32_t col = 1;
  uint32_t offset = 0;
  uint32_t end = 0;  // offset one past the token
  /// A newline separates this token from the previous one.
  bool newline_before = false;
  /// Whitespace or a comment separates this token from the previous one.
  bool space_before = false;
};

/// Tokenizes the whole input. The last token is Eof, or Error at the first
/// malformed token. Comments are recorded separately (for METADATA blocks).
struct Comment {
  std::string text;  // without the leading '#'
  uint32_t line;
  uint32_t col;
};

struct LexResult {
  std::vector<Token> tokens;
  std::vector<Comment> comments;
};

LexResult lex(std::string_view src, uint32_t first_line = 1, uint32_t first_col = 1);

/// Human name of a token kind as OPA's parser prints it ("ident", "eof", "]" ...).
std::string_view tokName(Tok t);

/// Decodes a JSON-style escaped string body (without quotes). False on a bad escape.
bool unescapeString(std::string_view body, std::string* out);

}  // namespace meshgate::rego
