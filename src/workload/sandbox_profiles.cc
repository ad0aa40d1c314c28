// SPDX-License-Identifier: Apache-2.0
#include "workload/sandbox_profiles.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>

#include "config/external_kinds.h"
#include "sandbox/builtin_profiles.h"
#include "sandbox/profile_yaml.h"

namespace meshgate::workload {

namespace {

constexpr const char* kApiVersion = "meshgate.io/v1";
constexpr const char* kKind = "SandboxProfile";

std::string directoryOf(const std::string& file) {
  if (file.empty()) return ".";
  std::filesystem::path p(file);
  return p.has_parent_path() ? p.parent_path().string() : std::string(".");
}

base::Result<sandbox::Profile> parseExternal(const config::ExternalObject& obj,
                                             sandbox::ProfileErrorDetail* detail) {
  sandbox::ProfileErrorDetail local;
  if (detail == nullptr) detail = &local;
  sandbox::ProfileParseOptions opts;
  opts.file_name = obj.meta.pos.file.empty() ? std::string("<config>") : obj.meta.pos.file;
  opts.base_dir = directoryOf(obj.meta.pos.file);
  opts.error_detail = detail;
  auto profile = sandbox::parseProfileSpec(*obj.spec, obj.meta.name, opts);
  if (!profile.ok()) {
    if (detail->line < 0 || detail->message.empty()) return profile;
    // The spec's marks count from its document; the file has `line_offset` more lines.
    return base::Error{opts.file_name + ":" +
                           std::to_string(detail->line + 1 + static_cast<int>(obj.line_offset)) +
                           ":" + std::to_string(detail->column + 1) + ": " + detail->message,
                       0, base::ErrorSource::Config};
  }
  // Structural checks the spawn would make anyway, reported at load time.
  MG_RETURN_IF_ERROR(profile->validate());
  return profile;
}

}  // namespace

void registerSandboxProfileKind() {
  config::registerExternalKind(
      kApiVersion, kKind, [](const YAML::Node& spec, const config::ObjectMeta& meta) {
        std::vector<config::ExternalIssue> issues;
        config::ExternalObject obj;
        obj.meta = meta;
        obj.spec = std::shared_ptr<const YAML::Node>(&spec, [](const YAML::Node*) {});
        sandbox::ProfileErrorDetail detail;
        auto profile = parseExternal(obj, &detail);
        if (!profile.ok()) {
          config::ExternalIssue issue;
          if (!detail.message.empty() && detail.line >= 0) {
            issue.line = detail.line;
            issue.column = detail.column;
            issue.message = "SandboxProfile: " + detail.message;
          } else {
            issue.message = "SandboxProfile: " + profile.error().message;
          }
          issues.push_back(std::move(issue));
        }
        return issues;
      });
}

base::Result<sandbox::Profile> resolveProfile(const config::ConfigSet& config,
                                              const config::Workload& w) {
  if (const config::ExternalObject* obj =
          config.findExternal(kKind, w.sandbox_profile, w.meta.namespace_)) {
    return parseExternal(*obj, nullptr);
  }
  if (config::isBuiltinSandboxProfile(w.sandbox_profile))
    return sandbox::builtinProfile(w.sandbox_profile);
  return base::Error{"sandboxProfile '" + w.sandbox_profile + "' is neither a SandboxProfile in " +
                         "namespace " + w.meta.namespace_ + " nor a built-in profile",
                     0, base::ErrorSource::Config};
}

sandbox::Profile applyWorkloadProcess(sandbox::Profile profile, const config::Workload& w) {
  if (!w.working_dir.empty()) profile.process.working_dir = w.working_dir;
  for (const config::EnvVar& e : w.env) {
    bool replaced = false;
    for (sandbox::EnvVar& have : profile.process.env) {
      if (have.name == e.name) {
        have.value = e.value;
        replaced = true;
      }
    }
    if (!replaced) profile.process.env.push_back({e.name, e.value});
  }
  return profile;
}

std::string processFingerprint(const config::ConfigSet& config, const config::Workload& w) {
  // Length-prefixed fields: no separator can be forged by a value.
  std::string out;
  auto add = [&out](std::string_view s) {
    out += std::to_string(s.size());
    out += ':';
    out += s;
  };
  add(w.command);
  for (const std::string& a : w.args)
    add(a);
  out += '|';
  for (const config::EnvVar& e : w.env) {
    add(e.name);
    add(e.value);
  }
  out += '|';
  add(w.working_dir);
  add(w.ip.toString());
  add(std::to_string(w.port));
  add(w.sandbox_profile);
  if (const config::ExternalObject* obj =
          config.findExternal(kKind, w.sandbox_profile, w.meta.namespace_)) {
    add(obj->spec_canonical_json);
  }
  return out;
}

}  // namespace meshgate::workload
