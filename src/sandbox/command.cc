// SPDX-License-Identifier: Apache-2.0
#include "sandbox/command.h"

#include <limits.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace meshgate::sandbox {

base::Result<CommandPlan> planCommand(const Command& command, const std::vector<EnvVar>& env,
                                      char* const* caller_env) {
  if (command.argv.empty() || command.argv[0].empty()) {
    return base::Error{"sandbox: no command to run", 0, base::ErrorSource::Config};
  }
  CommandPlan plan;
  plan.argv_storage = command.argv;
  for (std::string& a : plan.argv_storage) {
    if (a.find('\0') != std::string::npos) {
      return base::Error{"sandbox: an argument contains a NUL byte", 0, base::ErrorSource::Config};
    }
    plan.argv.push_back(a.data());
  }
  plan.argv.push_back(nullptr);
  for (const EnvVar& var : env) {
    std::string entry;
    if (var.value) {
      entry = var.name + "=" + *var.value;
    } else {
      const std::string prefix = var.name + "=";
      for (char* const* e = caller_env; e != nullptr && *e != nullptr; ++e) {
        if (std::strncmp(*e, prefix.c_str(), prefix.size()) == 0) entry = *e;
      }
      if (entry.empty()) continue;
    }
    // A later entry for the same name replaces an earlier one.
    const size_t name_len = var.name.size() + 1;
    bool replaced = false;
    for (std::string& existing : plan.envp_storage) {
      if (existing.compare(0, name_len, entry, 0, name_len) == 0) {
        existing = entry;
        replaced = true;
      }
    }
    if (!replaced) plan.envp_storage.push_back(std::move(entry));
  }
  for (std::string& e : plan.envp_storage) {
    if (e.rfind("PATH=", 0) == 0) plan.path_env = e.substr(5);
    plan.envp.push_back(e.data());
  }
  plan.envp.push_back(nullptr);
  if (plan.path_env.empty()) plan.path_env = "/usr/local/bin:/usr/bin:/bin";
  return plan;
}

// Not instrumented: it runs under the policy filter (see init_process.cc).
__attribute__((no_sanitize("address", "undefined"))) int execCommand(const CommandPlan& plan) {
  const char* file = plan.argv[0];
  char* const* argv = plan.argv.data();
  char* const* envp = plan.envp.data();
  if (std::strchr(file, '/') != nullptr) {
    ::syscall(SYS_execve, file, argv, envp);
    return errno;
  }
  const size_t file_len = std::strlen(file);
  char candidate[PATH_MAX];
  bool saw_eacces = false;
  int last = ENOENT;
  const char* p = plan.path_env.c_str();
  while (true) {
    const char* colon = std::strchr(p, ':');
    size_t len = colon != nullptr ? static_cast<size_t>(colon - p) : std::strlen(p);
    if (len == 0) {
      candidate[0] = '.';
      len = 1;
    } else if (len < sizeof candidate) {
      std::memcpy(candidate, p, len);
    }
    if (len + 1 + file_len < sizeof candidate) {
      candidate[len] = '/';
      std::memcpy(candidate + len + 1, file, file_len + 1);
      ::syscall(SYS_execve, candidate, argv, envp);
      last = errno;
      if (last == EACCES) {
        saw_eacces = true;
      } else if (last != ENOENT && last != ENOTDIR && last != ESTALE && last != ENODEV &&
                 last != ETIMEDOUT) {
        return last;
      }
    }
    if (colon == nullptr) break;
    p = colon + 1;
  }
  return saw_eacces ? EACCES : last;
}

}  // namespace meshgate::sandbox
