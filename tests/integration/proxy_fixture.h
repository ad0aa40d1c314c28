// SPDX-License-Identifier: Apache-2.0
// Config snippets shared by the proxy integration tests: an admin listener and a
// proxy listener on ephemeral ports, and ServiceEntries for in-process upstreams.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "testing/meshgate_process.h"
#include "testing/test_upstream.h"

namespace meshgate::integration {

/// Admin + one Listener "default/main" on 127.0.0.1:0 serving every host.
/// `listener_extra` is appended inside the Listener's spec (indented 2 spaces).
inline std::string baseConfig(const std::string& listener_extra = "",
                              const std::string& access_log = "off") {
  return "apiVersion: meshgate.io/v1\nkind: Admin\nmetadata: {name: admin}\nspec: {address: "
         "127.0.0.1, port: 0}\n"
         "---\napiVersion: meshgate.io/v1\nkind: Listener\nmetadata: {name: main}\nspec:\n"
         "  address: 127.0.0.1\n  port: 0\n  accessLog: {path: \"" +
         access_log + "\"}\n" + listener_extra + "---\n";
}

struct EndpointSpec {
  uint16_t port;
  std::string labels;  // inline YAML map, e.g. "{version: v1}"
  uint32_t weight = 0;
};

/// A STATIC ServiceEntry for `host` on service port 80 whose endpoints are
/// 127.0.0.1:<port> (one per EndpointSpec).
inline std::string serviceEntry(const std::string& name, const std::string& host,
                                const std::vector<EndpointSpec>& endpoints) {
  std::string y =
      "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: " + name +
      "}\nspec:\n  hosts: [" + host +
      "]\n  ports: [{number: 80, name: http, protocol: HTTP}]\n  resolution: STATIC\n  "
      "endpoints:\n";
  for (const auto& e : endpoints) {
    y += "  - address: 127.0.0.1\n    ports: {http: " + std::to_string(e.port) + "}\n";
    if (!e.labels.empty()) y += "    labels: " + e.labels + "\n";
    if (e.weight) y += "    weight: " + std::to_string(e.weight) + "\n";
  }
  return y + "---\n";
}

inline std::string serviceEntry(const std::string& name, const std::string& host, uint16_t port) {
  return serviceEntry(name, host, std::vector<EndpointSpec>{{port, ""}});
}

/// A TestUpstream whose replies name it, so tests can see where a request went.
inline testing::TestUpstream::Handler namedReply(const std::string& name) {
  return [name](const testing::ReceivedRequest&) {
    testing::UpstreamReply r;
    r.body = name;
    return r;
  };
}

}  // namespace meshgate::integration
