// SPDX-License-Identifier: Apache-2.0
// Operand checks shared by the builtin files, with OPA's error texts
// ("operand 1 must be string but got number").
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

#include "base/strings.h"
#include "rego/builtins/context.h"
#include "rego/value/value.h"

namespace meshgate::rego {

using Args = std::span<const Value>;

/// "operand N must be X but got Y" or "operand N must be one of {X, Y} but got Z".
std::string operandTypeMessage(size_t pos, const Value& got,
                               std::initializer_list<std::string_view> expected);

/// Reports a type error for operand `index` (0-based) and returns Undefined.
Value typeErr(BuiltinContext& c, size_t index, const Value& got,
              std::initializer_list<std::string_view> expected);

bool argString(BuiltinContext& c, Args a, size_t i, std::string_view* out);
bool argNumber(BuiltinContext& c, Args a, size_t i);
/// An integral number that fits int64 ("operand N must be integer number but got floating-point
/// number").
bool argInt(BuiltinContext& c, Args a, size_t i, int64_t* out);
bool argArray(BuiltinContext& c, Args a, size_t i);
bool argSet(BuiltinContext& c, Args a, size_t i);
bool argObject(BuiltinContext& c, Args a, size_t i);
bool argBool(BuiltinContext& c, Args a, size_t i);

/// A byte-length-safe UTF-8 decode: code points of `s` (invalid bytes as U+FFFD).
std::u32string utf8Decode(std::string_view s);
std::string utf8Encode(std::u32string_view s);
using base::appendUtf8;
/// Number of code points.
size_t utf8Length(std::string_view s);

Value boolValue(bool b);
Value intValue(int64_t i);
Value strValue(std::string_view s);

}  // namespace meshgate::rego
