// SPDX-License-Identifier: Apache-2.0
#include "config/default_config.h"

namespace meshgate::config {

std::string_view embeddedDefaultYaml() {
  static constexpr std::string_view kYaml =
      R"yaml(# meshgate's embedded default configuration: `meshgate run` without -c.
# Admin on 127.0.0.1:9901, a listener on 127.0.0.1:8080 for every host, in
# front of the built-in demo upstream on 127.0.0.1:8081.
apiVersion: meshgate.io/v1
kind: Admin
metadata:
  name: admin
spec:
  address: 127.0.0.1
  port: 9901
---
apiVersion: meshgate.io/v1
kind: DemoUpstream
metadata:
  name: demo
spec:
  address: 127.0.0.1
  port: 8081
---
apiVersion: meshgate.io/v1
kind: Listener
metadata:
  name: http
spec:
  address: 127.0.0.1
  port: 8080
  hosts: ["*"]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: demo
spec:
  hosts: [demo.local]
  location: MESH_INTERNAL
  ports:
  - number: 8081
    name: http
    protocol: HTTP
  resolution: STATIC
  endpoints:
  - address: 127.0.0.1
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: default
spec:
  hosts: ["*"]
  http:
  - name: healthz
    match:
    - uri:
        exact: /healthz
    directResponse:
      status: 200
      body:
        string: "ok\n"
  - name: demo
    route:
    - destination:
        host: demo.local
    timeout: 15s
)yaml";
  return kYaml;
}

LoadResult loadEmbeddedDefault() {
  return loadText(embeddedDefaultYaml(), "<embedded>");
}

}  // namespace meshgate::config
