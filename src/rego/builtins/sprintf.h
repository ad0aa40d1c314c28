// SPDX-License-Identifier: Apache-2.0
// Go's fmt.Sprintf as OPA's sprintf builtin exposes it: numbers as ints, big
// ints or float64, strings as strings, every other value in Rego syntax.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "rego/value/value.h"

namespace meshgate::rego {

std::string goSprintf(std::string_view format, const std::vector<Value>& args);

/// Go's strconv.FormatFloat(f, fmt, prec, 64).
std::string goFormatFloat(double f, char fmt, int prec);

}  // namespace meshgate::rego
