// SPDX-License-Identifier: Apache-2.0
// GraphQL lexer and parser for executable documents and SDL schemas, with
// gqlparser's (v2.4) error messages and positions.
#pragma once

#include <string_view>

#include "rego/graphql/ast.h"

namespace meshgate::rego::graphql {

/// Parses a query document. False (and `err`) on a syntax error.
bool parseQuery(std::string_view src, QueryDocument* out, GqlError* err);

/// Parses an SDL schema document; `built_in` marks every definition BuiltIn.
bool parseSchema(std::string_view src, SchemaDocument* out, GqlError* err, bool built_in = false);

/// Maximum nesting of selection sets, values and types; deeper documents are
/// rejected with an error instead of exhausting the stack.
inline constexpr int kMaxNesting = 256;

}  // namespace meshgate::rego::graphql
