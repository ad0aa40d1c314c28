// SPDX-License-Identifier: Apache-2.0
// Fuzzes the SandboxProfile YAML parser, and checks that whatever it accepts
// writes back to YAML that parses to the same profile, and that the node entry
// point (parseProfileSpec, used by the config loader) reads the same profile.
#include <cstdint>
#include <cstdlib>
#include <string>

#include <yaml-cpp/yaml.h>

#include "sandbox/profile_yaml.h"
#include "sandbox/seccomp_bpf.h"

using namespace meshgate::sandbox;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ProfileParseOptions options;
  options.file_name = "fuzz.yaml";
  // dockerProfile references resolve to a fixed, small Docker profile.
  options.read_file = [](const std::string&) -> meshgate::base::Result<std::string> {
    return std::string(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
        {"names": ["execve", "read", "write", "exit_group"], "action": "SCMP_ACT_ALLOW"}]})");
  };
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto profile = parseProfileYaml(text, options);
  if (!profile.ok()) return 0;
  std::string written = writeProfileYaml(profile.value());
  auto again = parseProfileYaml(written, options);
  if (!again.ok()) std::abort();  // the writer must produce parseable YAML
  if (writeProfileYaml(again.value()) != written) std::abort();  // and a fixed point
  try {
    const YAML::Node doc = YAML::Load(std::string(text));
    ProfileErrorDetail detail;
    options.error_detail = &detail;
    auto from_node = parseProfileSpec(doc["spec"], profile->name, options);
    if (!from_node.ok() || writeProfileYaml(from_node.value()) != written) std::abort();
  } catch (const YAML::Exception&) {
    std::abort();  // parseProfileYaml read this very text
  }
  (void)compilePolicy(profile->seccomp, FilterMode::Report);
  return 0;
}
