// SPDX-License-Identifier: Apache-2.0
// A parsed module as a value in the shape of OPA's AST JSON (what
// rego.parse_module returns): package, imports and rules with typed terms.
#pragma once

#include "rego/syntax/ast.h"
#include "rego/value/value.h"

namespace meshgate::rego {

/// {"package": {"path": [...]}, "imports": [...], "rules": [...]}; terms are
/// {"type": ..., "value": ...} objects as OPA marshals them (no locations).
Value moduleToValue(const Module& module);

}  // namespace meshgate::rego
