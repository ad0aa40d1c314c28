// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the Rego lexer and parser (modules, queries, terms) in
// both language versions must never crash, hang or grow without bound.
#include <cstddef>
#include <cstdint>
#include <string>

#include "rego/syntax/lexer.h"
#include "rego/syntax/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace meshgate::rego;
  if (size > 64 * 1024) return 0;
  std::string text(reinterpret_cast<const char*>(data), size);
  (void)lex(text);
  ParseOptions v1;
  ParseOptions v0;
  v0.version = RegoVersion::V0;
  (void)parseModule("fuzz.rego", text, v1);
  (void)parseModule("fuzz.rego", text, v0);
  (void)parseModule("fuzz.rego", "package fuzz\n" + text, v1);
  (void)parseQuery(text, v1);
  auto t = parseTermText(text, v1);
  if (t.ok()) (void)termToValue(*t->term);
  return 0;
}
