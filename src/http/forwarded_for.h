// SPDX-License-Identifier: Apache-2.0
// X-Forwarded-For: which entry is the trusted client address, by Envoy's rules for
// use_remote_address and xff_num_trusted_hops (Istio's remote.ip). Depends on std only.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace meshgate::http {

/// The entry of an X-Forwarded-For value `xff` that lies `skip` entries from its right end
/// (0: the last entry), trimmed of optional whitespace. nullopt when the list has fewer
/// entries, or when that entry is empty. The text is not checked to be an IP address.
std::optional<std::string_view> forwardedForEntry(std::string_view xff, uint32_t skip);

/// Where the trusted client address comes from, as Envoy decides it. `xff` is the request's
/// X-Forwarded-For as received (before this proxy appends to it).
///   use_remote_address, 0 hops: the peer of the connection (nullopt here).
///   use_remote_address, N hops: the Nth entry from the right.
///   !use_remote_address, N hops: the (N+1)th entry from the right.
/// nullopt means "use the connection's peer" (also when XFF has too few entries).
std::optional<std::string_view> trustedClientFromForwardedFor(std::string_view xff,
                                                              bool use_remote_address,
                                                              uint32_t trusted_hops);

}  // namespace meshgate::http
