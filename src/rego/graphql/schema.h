// SPDX-License-Identifier: Apache-2.0
// Building a validated GraphQL schema from SDL documents (gqlparser's
// ValidateSchemaDocument, with the built-in prelude merged in first) and
// validating queries against it.
#pragma once

#include <string>
#include <vector>

#include "rego/graphql/ast.h"

namespace meshgate::rego::graphql {

/// The built-in scalars, directives and introspection types.
const SchemaDocument& prelude();

/// Merges the prelude with `doc` and validates the result into `out`.
bool buildSchema(const SchemaDocument& doc, Schema* out, GqlError* err);

/// Runs the executable-document validation rules; returns every error found
/// (empty when the query is valid). Annotates `doc` with definitions.
std::vector<GqlError> validateQuery(const Schema& schema, QueryDocument& doc);

}  // namespace meshgate::rego::graphql
