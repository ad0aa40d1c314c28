// SPDX-License-Identifier: Apache-2.0
// Test support (not linked into meshgate): every request the HTTP/1.1 parser must reject,
// with the status and reason, for the parser's unit tests and for integration tests that
// send the same bytes to the real proxy. Depends on std only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace meshgate::http1 {

struct RejectCase {
  std::string name;
  std::string request;  // complete bytes as sent by a client
  uint16_t status;      // with default ParserOptions
  std::string reason;   // ParseError::reason
};

/// One row per smuggling and validity rule (docs/http.md §3), valid with default options.
const std::vector<RejectCase>& rejectedRequestCases();

}  // namespace meshgate::http1
