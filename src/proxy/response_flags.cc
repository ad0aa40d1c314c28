// SPDX-License-Identifier: Apache-2.0
#include "proxy/response_flags.h"

namespace meshgate::proxy {

std::string formatResponseFlags(ResponseFlags flags) {
  static constexpr struct {
    ResponseFlag flag;
    const char* code;
  } kCodes[] = {
      {ResponseFlag::NoRoute, "NR"},
      {ResponseFlag::NoHealthyUpstream, "UH"},
      {ResponseFlag::UpstreamConnectionFailure, "UF"},
      {ResponseFlag::UpstreamOverflow, "UO"},
      {ResponseFlag::UpstreamRequestTimeout, "UT"},
      {ResponseFlag::UpstreamConnectionTermination, "UC"},
      {ResponseFlag::UpstreamProtocolError, "UPE"},
      {ResponseFlag::DownstreamConnectionTermination, "DC"},
      {ResponseFlag::DownstreamProtocolError, "DPE"},
      {ResponseFlag::StreamIdleTimeout, "SI"},
      {ResponseFlag::LocalReset, "LR"},
      {ResponseFlag::UpstreamRetryLimitExceeded, "URX"},
      {ResponseFlag::RateLimited, "RL"},
      {ResponseFlag::UnauthorizedExternalService, "UAEX"},
      {ResponseFlag::DelayInjected, "DI"},
      {ResponseFlag::FaultInjected, "FI"},
      {ResponseFlag::NoClusterFound, "NC"},
  };
  if (flags == 0) return "-";
  std::string out;
  for (const auto& c : kCodes) {
    if (flags & static_cast<uint32_t>(c.flag)) {
      if (!out.empty()) out += ',';
      out += c.code;
    }
  }
  return out;
}

}  // namespace meshgate::proxy
