// SPDX-License-Identifier: Apache-2.0
// Fuzzes the Docker/OCI seccomp JSON loader and compiles what it accepts.
#include <cstdint>
#include <string_view>

#include "sandbox/docker_seccomp.h"
#include "sandbox/seccomp_bpf.h"

using namespace meshgate::sandbox;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view json(reinterpret_cast<const char*>(data), size);
  DockerContext ctx;
  ctx.capabilities = {21 /* CAP_SYS_ADMIN */};
  ctx.kernel_major = 5;
  ctx.kernel_minor = 10;
  ctx.admit_sub_architectures = size % 2 == 0;
  auto policy = parseDockerSeccomp(json, ctx, "fuzz.json");
  if (!policy.ok()) return 0;
  (void)compilePolicy(policy.value(), FilterMode::Enforce);
  return 0;
}
