#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Writes the benchmark config to $1 from PORT, UPSTREAM_HOST and UPSTREAM_PORT
# (set by proxy-bench.sh). Admin listens on an ephemeral port so runs never clash.
set -euo pipefail
cat >"$1" <<YAML
apiVersion: meshgate.io/v1
kind: Admin
metadata: {name: admin}
spec: {address: 127.0.0.1, port: 0}
---
apiVersion: meshgate.io/v1
kind: Listener
metadata: {name: bench}
spec:
  address: 127.0.0.1
  port: ${PORT}
  accessLog: {path: "off"}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: origin}
spec:
  hosts: [origin.bench]
  ports: [{number: ${UPSTREAM_PORT}, name: http, protocol: HTTP}]
  resolution: STATIC
  endpoints: [{address: ${UPSTREAM_HOST}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: bench}
spec:
  hosts: ["*"]
  http:
  - route: [{destination: {host: origin.bench}}]
YAML
