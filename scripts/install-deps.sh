#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs every Debian 12 package meshgate needs to build, test and benchmark.
# Idempotent: packages already present are not touched, and nothing is downloaded
# when everything is installed. Must run as root (or through sudo) on Debian 12.
set -euo pipefail

PACKAGES=(
  # toolchain
  clang lld binutils cmake ninja-build ccache pkg-config make
  # libraries (headers + runtime)
  libssl-dev libseccomp-dev libyaml-cpp-dev rapidjson-dev libre2-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev libclang-rt-14-dev
  # peers used by integration tests
  curl nginx openssl python3 iproute2 procps busybox-static
  # benchmarks
  haproxy wrk nghttp2-client bubblewrap hyperfine
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Keep apt from starting the system nginx/haproxy services on hosts with an init
# system: tests and benchmarks start their own instances on ephemeral ports.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod +x "$policy"
  created_policy=1
fi
cleanup() { if ((created_policy)); then $SUDO rm -f "$policy"; fi; }
trap cleanup EXIT
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
