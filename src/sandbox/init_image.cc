// SPDX-License-Identifier: Apache-2.0
#include "sandbox/init_image.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace meshgate::sandbox {
namespace {

// Not in Debian 12's headers (Linux 6.3).
constexpr unsigned kMfdExec = 0x0010;
constexpr int kSealExec = 0x0020;

int createImage() {
  int fd = static_cast<int>(
      ::syscall(SYS_memfd_create, "meshgate-init", MFD_CLOEXEC | MFD_ALLOW_SEALING | kMfdExec));
  // Before 6.3 the flag is unknown, and every memfd is executable.
  if (fd < 0 && errno == EINVAL) {
    fd = static_cast<int>(
        ::syscall(SYS_memfd_create, "meshgate-init", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  }
  if (fd < 0) return -1;
  if (fd <= 2) {
    int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    ::close(fd);
    fd = moved;
    if (fd < 0) return -1;
  }
  size_t done = 0;
  while (done < kInitImageSize) {
    ssize_t n = ::write(fd, kInitImage + done, kInitImageSize - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return -1;
    }
    done += static_cast<size_t>(n);
  }
  // Execute-only: the exec then leaves pid 1 non-dumpable from its first
  // instruction (the kernel's would_dump), before meshgate-init says so.
  // Sealed: nobody, this process included, changes it any more.
  if (::fchmod(fd, 0111) != 0 ||
      ::fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) != 0) {
    ::close(fd);
    return -1;
  }
  (void)::fcntl(fd, F_ADD_SEALS, kSealExec);  // 6.3+: no chmod either
  if (::fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

int initImageFd() {
  static const int fd = createImage();
  return fd;
}

}  // namespace meshgate::sandbox
