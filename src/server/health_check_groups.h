// SPDX-License-Identifier: Apache-2.0
// Turns the HealthCheck objects of a config into the upstream layer's HealthCheckGroups for one
// compiled snapshot: which addresses to probe and which endpoint health records (one per
// cluster of the checked service: its own cluster and its subsets') each verdict is written to.
// Depends on config and proxy/snapshot.
#pragma once

#include <vector>

#include "config/config_set.h"
#include "proxy/snapshot.h"
#include "upstream/health_checker.h"

namespace meshgate::server {

/// One group per HealthCheck of `config`. A HealthCheck on host H, port P probes every endpoint
/// of H:P (or only those of `subset` when set); its verdict applies to that address in every
/// cluster of H:P in `snapshot` (outbound|P||H and outbound|P|<subset>|H alike), because it is
/// the same endpoint. Endpoints named by DNS are probed at the addresses the snapshot resolved.
std::vector<upstream::HealthCheckGroup> healthCheckGroups(const config::ConfigSet& config,
                                                          const proxy::Snapshot& snapshot);

}  // namespace meshgate::server
