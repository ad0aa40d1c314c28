// SPDX-License-Identifier: Apache-2.0
// The trusted client address from X-Forwarded-For, with Envoy's rules
// (use_remote_address, xff_num_trusted_hops). Pure functions over the header
// text; depends on std only.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace meshgate::http {

/// The element of `xff` (every X-Forwarded-For field joined with ",", as
/// received: before the proxy appends the peer) that is the trusted client
/// address, or nullopt when the caller must use the connection's peer instead.
///
/// Envoy's rules (configuration/http/http_conn_man/headers, x-forwarded-for):
///  - use_remote_address true: with `trusted_hops` N = 0 the peer is the client;
///    with N > 0 the client is the Nth address from the right.
///  - use_remote_address false: the (N+1)th address from the right.
///  - Fewer addresses than that position: the peer.
/// The element is returned trimmed of optional whitespace; it is not checked to
/// be an IP literal (the caller parses it and falls back to the peer when it is
/// not, as Envoy does).
std::optional<std::string_view> trustedClientFromXff(std::string_view xff, bool use_remote_address,
                                                     uint32_t trusted_hops);

}  // namespace meshgate::http
