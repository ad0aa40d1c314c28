// SPDX-License-Identifier: Apache-2.0
#include "config/dump.h"

#include <cstdio>

#include "base/hash.h"
#include "base/strings.h"
#include "config/canonical.h"
#include "config/clusters.h"

namespace meshgate::config {

std::string versionHash(const ConfigSet& config) {
  // A fingerprint, not a security boundary: two xxHash64 lanes with different
  // seeds (128 bits). Not OpenSSL: its digest API initialises the provider
  // machinery, which a proxy without TLS or JWT would otherwise never touch.
  const std::string canonical = canonicalConfig(config, false).toJson();
  char out[33];
  std::snprintf(out, sizeof out, "%016llx%016llx",
                static_cast<unsigned long long>(base::xxHash64(canonical, 0)),
                static_cast<unsigned long long>(base::xxHash64(canonical, 0x9e3779b97f4a7c15ULL)));
  return std::string(out, 32);
}

std::string toJson(const ConfigSet& config) {
  CValue root = CValue::object();
  root.add("version", versionHash(config));
  CValue body = canonicalConfig(config, true);
  CValue clusters = CValue::array();
  for (const Cluster& c : buildClusters(config))
    clusters.push(canonicalCluster(c));
  body.add("clusters", std::move(clusters));
  CValue sources = CValue::array();
  for (const std::string& s : config.sources)
    sources.push(CValue::str(s));
  root.add("sources", std::move(sources));
  root.add("config", std::move(body));
  return root.toJson();
}

}  // namespace meshgate::config
