// SPDX-License-Identifier: Apache-2.0
// GraphQL AST <-> Rego values, in the shape OPA produces: gqlparser's Go
// structs marshalled to JSON with null, empty and Position fields pruned; and
// back with Go's encoding/json rules (case-insensitive keys, unknown keys
// ignored, type mismatches are errors).
#pragma once

#include <string>

#include "rego/graphql/ast.h"
#include "rego/value/value.h"

namespace meshgate::rego::graphql {

Value toValue(const QueryDocument& doc);
Value toValue(const SchemaDocument& doc);

/// False and `err` when `v` does not decode (OPA's json.Unmarshal failure).
bool fromValue(const Value& v, QueryDocument* out, std::string* err);
bool fromValue(const Value& v, SchemaDocument* out, std::string* err);

}  // namespace meshgate::rego::graphql
