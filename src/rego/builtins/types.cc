// SPDX-License-Identifier: Apache-2.0
// Types: is_number, is_string, ..., type_name.
#include "rego/builtins/helpers.h"
#include "rego/builtins/registry.h"

namespace meshgate::rego {
namespace {

Value isNumber(BuiltinContext&, Args a) { return boolValue(a[0].isNumber()); }
Value isString(BuiltinContext&, Args a) { return boolValue(a[0].isString()); }
Value isBoolean(BuiltinContext&, Args a) { return boolValue(a[0].isBool()); }
Value isArray(BuiltinContext&, Args a) { return boolValue(a[0].isArray()); }
Value isSet(BuiltinContext&, Args a) { return boolValue(a[0].isSet()); }
Value isObject(BuiltinContext&, Args a) { return boolValue(a[0].isObject()); }
Value isNull(BuiltinContext&, Args a) { return boolValue(a[0].isNull()); }
Value typeNameFn(BuiltinContext&, Args a) { return strValue(typeName(a[0])); }

}  // namespace

void registerTypes(BuiltinRegistry& r) {
  r.add("is_number", 1, isNumber);
  r.add("is_string", 1, isString);
  r.add("is_boolean", 1, isBoolean);
  r.add("is_array", 1, isArray);
  r.add("is_set", 1, isSet);
  r.add("is_object", 1, isObject);
  r.add("is_null", 1, isNull);
  r.add("type_name", 1, typeNameFn);
}

}  // namespace meshgate::rego
