// SPDX-License-Identifier: Apache-2.0
// Test and fuzz support (not linked into meshgate): drives a parser over an input cut at
// given points and records a normalized transcript of its events, so that different
// splits of the same bytes can be compared. Depends on http1.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "http/http1/parser.h"

namespace meshgate::http1 {

/// One line per event: "headers GET /p HTTP/1.1 | host: a | ... | cl=5 ka",
/// "interim 100 ...", "body <bytes>" (adjacent Body events merged), "trailers ...",
/// "complete", "closed", "error <reason> <status>".
using Transcript = std::vector<std::string>;

/// Every cut point 1..n-1 (byte-by-byte feeding).
std::vector<size_t> everyByte(size_t n);

/// Feeds `input` to a RequestParser in pieces split at `cuts` (ascending offsets),
/// resuming after each message; calls finish() at the end when `finish` is set.
Transcript recordRequests(std::string_view input, const std::vector<size_t>& cuts,
                          const ParserOptions& options = {}, bool finish = true);

/// Same for a ResponseParser; `methods` are the request methods of the successive
/// responses (parsing stops when they run out).
Transcript recordResponses(std::string_view input, const std::vector<size_t>& cuts,
                           const std::vector<http::Method>& methods,
                           const ParserOptions& options = {}, bool finish = true);

/// "head GET /x HTTP/1.1 | name: value | ..." for comparisons.
std::string describeHead(const http::RequestHead& head);
std::string describeHead(const http::ResponseHead& head);

}  // namespace meshgate::http1
