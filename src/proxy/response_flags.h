// SPDX-License-Identifier: Apache-2.0
// Envoy's response flags: why a response is what it is, in the access log's
// response_flags field ("UF", "UO,URX", or "-"). Depends on std only.
#pragma once

#include <cstdint>
#include <string>

namespace meshgate::proxy {

enum class ResponseFlag : uint32_t {
  NoRoute = 1u << 0,                          // NR
  NoHealthyUpstream = 1u << 1,                // UH
  UpstreamConnectionFailure = 1u << 2,        // UF
  UpstreamOverflow = 1u << 3,                 // UO
  UpstreamRequestTimeout = 1u << 4,           // UT
  UpstreamConnectionTermination = 1u << 5,    // UC
  UpstreamProtocolError = 1u << 6,            // UPE
  DownstreamConnectionTermination = 1u << 7,  // DC
  DownstreamProtocolError = 1u << 8,          // DPE
  StreamIdleTimeout = 1u << 9,                // SI
  LocalReset = 1u << 10,                      // LR
  UpstreamRetryLimitExceeded = 1u << 11,      // URX
  RateLimited = 1u << 12,                     // RL
  UnauthorizedExternalService = 1u << 13,     // UAEX
  DelayInjected = 1u << 14,                   // DI
  FaultInjected = 1u << 15,                   // FI
  NoClusterFound = 1u << 16,                  // NC
};

using ResponseFlags = uint32_t;

/// "-" when empty, otherwise the short codes joined by ','.
std::string formatResponseFlags(ResponseFlags flags);

}  // namespace meshgate::proxy
