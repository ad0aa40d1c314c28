// SPDX-License-Identifier: Apache-2.0
#include "sandbox/net_ns.h"

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace meshgate::sandbox {

bool needsNetworkNamespace(NetworkMode mode) {
  return mode != NetworkMode::Host;
}

StepResult setupNetwork(NetworkMode mode) {
  if (mode != NetworkMode::Loopback) return stepOk();
  int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) return stepFail(errno, 0);
  ifreq req{};
  std::memcpy(req.ifr_name, "lo", 3);
  int err = 0;
  if (::ioctl(sock, SIOCGIFFLAGS, &req) != 0) {
    err = errno;
  } else {
    req.ifr_flags = static_cast<short>(req.ifr_flags | IFF_UP | IFF_RUNNING);
    if (::ioctl(sock, SIOCSIFFLAGS, &req) != 0) err = errno;
  }
  ::close(sock);
  return err == 0 ? stepOk() : stepFail(err, 1);
}

}  // namespace meshgate::sandbox
