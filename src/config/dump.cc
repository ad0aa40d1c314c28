// SPDX-License-Identifier: Apache-2.0
#include "config/dump.h"

#include <openssl/evp.h>

#include "base/assert.h"
#include "base/strings.h"
#include "config/canonical.h"
#include "config/clusters.h"

namespace meshgate::config {

std::string versionHash(const ConfigSet& config) {
  const std::string canonical = canonicalConfig(config, false).toJson();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  const bool ok =
      EVP_Digest(canonical.data(), canonical.size(), digest, &len, EVP_sha256(), nullptr) == 1;
  MG_ASSERT(ok, "SHA-256 failed");
  return base::hexEncode(std::string_view(reinterpret_cast<const char*>(digest), len));
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
