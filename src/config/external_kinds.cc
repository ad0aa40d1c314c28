// SPDX-License-Identifier: Apache-2.0
#include "config/external_kinds.h"

#include <yaml-cpp/yaml.h>

#include <map>
#include <mutex>

namespace meshgate::config {
namespace {

struct Registry {
  std::mutex mu;
  std::map<std::pair<std::string, std::string>, ExternalValidator, std::less<>> validators;
};

Registry& registry() {
  static Registry* r = new Registry();
  return *r;
}

}  // namespace

ExternalIssue externalIssueAt(const YAML::Node& node, std::string message, Severity severity) {
  ExternalIssue issue;
  const YAML::Mark mark = node.Mark();
  issue.line = mark.line;
  issue.column = mark.column;
  issue.message = std::move(message);
  issue.severity = severity;
  return issue;
}

void registerExternalKind(std::string api_version, std::string kind, ExternalValidator validator) {
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  r.validators[{std::move(api_version), std::move(kind)}] = std::move(validator);
}

bool isExternalKind(std::string_view api_version, std::string_view kind) {
  if (api_version == "meshgate.io/v1" && kind == "SandboxProfile") return true;
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  return r.validators.count({std::string(api_version), std::string(kind)}) > 0;
}

ExternalValidator externalValidator(std::string_view api_version, std::string_view kind) {
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  auto it = r.validators.find({std::string(api_version), std::string(kind)});
  return it == r.validators.end() ? ExternalValidator() : it->second;
}

}  // namespace meshgate::config
