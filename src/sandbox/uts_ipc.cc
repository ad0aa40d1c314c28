// SPDX-License-Identifier: Apache-2.0
#include "sandbox/uts_ipc.h"

#include <unistd.h>

#include <cerrno>

namespace meshgate::sandbox {

StepResult setupUts(const std::string& hostname) {
  if (::sethostname(hostname.data(), hostname.size()) != 0) return stepFail(errno, 0);
  if (::setdomainname("(none)", 6) != 0) return stepFail(errno, 1);
  return stepOk();
}

}  // namespace meshgate::sandbox
