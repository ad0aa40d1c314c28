// SPDX-License-Identifier: Apache-2.0
// The canonical readings of a forwarded path: the forms a backend may resolve
// it to, which authorization must check as well as the path as forwarded
// (ADR 0652). Depends on http/path.h.
#pragma once

#include <string>
#include <string_view>

namespace meshgate::filters::authz {

/// Computes the two canonical readings of `path` (a path without query, as
/// forwarded). Both decode %2F and %5C, decode percent-encoded unreserved
/// characters, turn '\' into '/', strip ";params" from every segment and
/// lower-case when `lowercase` is set; they differ in order:
///  - `dots_first` resolves dot segments, then merges slashes (Envoy's order:
///    "/admin//.." is "/admin/");
///  - `merge_first` merges slashes, then resolves dot segments (nginx's order:
///    "/public//..//admin" is "/admin").
/// Returns false when `path` is not a valid path (no leading '/', invalid
/// percent-encoding, %00).
bool canonicalReadings(std::string_view path, bool lowercase, std::string& dots_first,
                       std::string& merge_first);

/// True when a backend could read `path` differently from how it is written:
/// it holds a percent-escape, a backslash, a ';', an empty segment or a dot
/// segment. Other paths are their own canonical readings.
bool mayHaveOtherReadings(std::string_view path);

}  // namespace meshgate::filters::authz
