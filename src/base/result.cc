// SPDX-License-Identifier: Apache-2.0
#include "base/result.h"

#include <cstring>

namespace meshgate::base {

std::string Error::describe() const {
  if (sys_errno == 0) return message;
  return message + ": " + std::strerror(sys_errno);
}

Error errnoError(std::string what, int err) {
  return Error{std::move(what), err, ErrorSource::Local};
}

}  // namespace meshgate::base
