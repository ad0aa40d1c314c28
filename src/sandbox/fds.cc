// SPDX-License-Identifier: Apache-2.0
#include "sandbox/fds.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>

namespace meshgate::sandbox {
namespace {

bool kept(const FdPlan& plan, int fd) {
  if (fd <= 2 || fd == plan.channel) return true;
  for (int k : plan.keep) {
    if (k == fd) return true;
  }
  return false;
}

// Closes [from, to] except the kept fds.
int closeGap(unsigned from, unsigned to) {
  if (from > to) return 0;
  if (::syscall(SYS_close_range, from, to, 0) == 0) return 0;
  return errno;
}

// Without close_range (before 5.9): walk /proc/self/fd with a stack buffer.
int closeByListing(const FdPlan& plan) {
  int dir = ::open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return errno;
  alignas(8) char buf[4096];
  while (true) {
    long n = ::syscall(SYS_getdents64, dir, buf, sizeof buf);
    if (n < 0) {
      int err = errno;
      ::close(dir);
      return err;
    }
    if (n == 0) break;
    for (long off = 0; off < n;) {
      auto* d = reinterpret_cast<struct dirent64*>(buf + off);
      off += d->d_reclen;
      const char* name = d->d_name;
      if (name[0] < '0' || name[0] > '9') continue;
      int fd = std::atoi(name);
      if (fd != dir && !kept(plan, fd)) ::close(fd);
    }
  }
  ::close(dir);
  return 0;
}

}  // namespace

StepResult setupStdio(const FdPlan& plan) {
  // Two passes, so that swapping (stdout <-> stderr) cannot clobber a source.
  int moved[3] = {-1, -1, -1};
  for (int i = 0; i < 3; ++i) {
    if (plan.stdio[i] < 0) continue;
    moved[i] = ::fcntl(plan.stdio[i], F_DUPFD_CLOEXEC, 3);
    if (moved[i] < 0) return stepFail(errno, i);
  }
  for (int i = 0; i < 3; ++i) {
    if (moved[i] < 0) continue;
    if (::dup2(moved[i], i) < 0) return stepFail(errno, i);
    ::close(moved[i]);
  }
  return stepOk();
}

StepResult closeOtherFds(const FdPlan& plan) {
  // The kept fds sorted: close the gaps between them.
  int sorted[64];
  size_t n = 0;
  if (plan.channel > 2) sorted[n++] = plan.channel;
  for (int k : plan.keep) {
    if (n == std::size(sorted)) return stepFail(EMFILE, -1);
    sorted[n++] = k;
  }
  for (size_t i = 1; i < n; ++i) {
    for (size_t j = i; j > 0 && sorted[j - 1] > sorted[j]; --j)
      std::swap(sorted[j - 1], sorted[j]);
  }
  unsigned from = 3;
  int err = 0;
  for (size_t i = 0; i < n && err == 0; ++i) {
    err = closeGap(from, static_cast<unsigned>(sorted[i]) - 1);
    from = static_cast<unsigned>(sorted[i]) + 1;
  }
  if (err == 0) err = closeGap(from, UINT_MAX);
  if (err == ENOSYS) err = closeByListing(plan);
  if (err != 0) return stepFail(err, -1);
  for (int k : plan.keep) {
    int flags = ::fcntl(k, F_GETFD);
    if (flags < 0) return stepFail(errno, k);
    if (::fcntl(k, F_SETFD, flags & ~FD_CLOEXEC) != 0) return stepFail(errno, k);
  }
  return stepOk();
}

}  // namespace meshgate::sandbox
