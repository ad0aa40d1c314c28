// SPDX-License-Identifier: Apache-2.0
// The Rego parser: Rego v1 (the default) and the v0-compatibility syntax that
// Gatekeeper-era policies use. Produces the syntax tree in ast.h. Depends on
// lexer and value only.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "rego/error.h"
#include "rego/syntax/ast.h"

namespace meshgate::rego {

enum class RegoVersion { V0, V1 };

struct ParseOptions {
  RegoVersion version = RegoVersion::V1;
  /// Limits that keep malformed or hostile input bounded.
  size_t max_source_bytes = 64 << 20;
  int max_nesting = 512;
};

/// Parses a module. `filename` is used in positions and errors.
Checked<Module> parseModule(std::string filename, std::string text,
                            const ParseOptions& options = {});

/// A parsed query (a body). The source stays alive with the query.
struct Query {
  std::shared_ptr<SourceFile> source;
  Body body;
};
Checked<Query> parseQuery(std::string text, const ParseOptions& options = {},
                          std::string filename = "");

/// Parses one term (e.g. an input given in Rego syntax). Only ground terms can
/// be turned into values; see termToValue().
struct ParsedTerm {
  std::shared_ptr<SourceFile> source;
  TermPtr term;
};
Checked<ParsedTerm> parseTermText(std::string text, const ParseOptions& options = {});

/// The value of a ground term (scalars, arrays, objects, sets); Undefined otherwise.
Value termToValue(const Term& t);

}  // namespace meshgate::rego
