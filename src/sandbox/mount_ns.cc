// SPDX-License-Identifier: Apache-2.0
#include "sandbox/mount_ns.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/strings.h"

namespace meshgate::sandbox {
namespace {

constexpr const char* kOldRoot = "/oldroot";
constexpr const char* kNewRoot = "/newroot";

size_t depth(const std::string& path) {
  return static_cast<size_t>(std::count(path.begin(), path.end(), '/'));
}

std::string octal(uint32_t mode) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04o", mode & 07777);
  return buf;
}

// ---- child side: raw syscalls and stack buffers only ----

int makeDirs(const char* path, mode_t mode) {
  // Mounts come parents first, so the parent usually exists already.
  if (::mkdir(path, mode) == 0 || errno == EEXIST) return 0;
  if (errno != ENOENT) return errno;
  char buf[PATH_MAX];
  size_t len = std::strlen(path);
  if (len >= sizeof buf) return ENAMETOOLONG;
  std::memcpy(buf, path, len + 1);
  for (char* p = buf + 1; *p != '\0'; ++p) {
    if (*p != '/') continue;
    *p = '\0';
    if (::mkdir(buf, mode) != 0 && errno != EEXIST) return errno;
    *p = '/';
  }
  if (::mkdir(buf, mode) != 0 && errno != EEXIST) return errno;
  return 0;
}

int makeParentDirs(const char* path) {
  char buf[PATH_MAX];
  size_t len = std::strlen(path);
  if (len >= sizeof buf) return ENAMETOOLONG;
  std::memcpy(buf, path, len + 1);
  char* slash = std::strrchr(buf, '/');
  if (slash == nullptr || slash == buf) return 0;
  *slash = '\0';
  return makeDirs(buf, 0755);
}

// Creates the mount point for a file or directory bind.
int makeMountPoint(const char* target, bool is_file) {
  if (!is_file) return makeDirs(target, 0755);
  if (int err = makeParentDirs(target); err != 0) return err;
  int fd = ::open(target, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0444);
  if (fd < 0) return errno;
  ::close(fd);
  return 0;
}

// The new mount API (5.2 for open_tree/move_mount, 5.12 for mount_setattr);
// remembered per process once the kernel says ENOSYS.
bool g_new_api_missing = false;

struct MountAttr {
  uint64_t attr_set;
  uint64_t attr_clr;
  uint64_t propagation;
  uint64_t userns_fd;
};
constexpr uint64_t kAttrRdonly = 0x1;
constexpr uint64_t kAttrNosuid = 0x2;
constexpr uint64_t kAttrNodev = 0x4;
constexpr uint64_t kAttrNoexec = 0x8;
constexpr unsigned kOpenTreeClone = 1;
constexpr unsigned kAtRecursive = 0x8000;
constexpr unsigned kMoveMountFEmptyPath = 0x4;

uint64_t attrsFor(bool read_only, bool allow_devices, bool no_exec) {
  uint64_t a = kAttrNosuid;
  if (read_only) a |= kAttrRdonly;
  if (!allow_devices) a |= kAttrNodev;
  if (no_exec) a |= kAttrNoexec;
  return a;
}

// Returns 0, an errno, or -1 when the new API is missing.
int bindNewApi(const char* source, const char* target, uint64_t attrs) {
  if (g_new_api_missing) return -1;
  int fd = static_cast<int>(
      ::syscall(SYS_open_tree, AT_FDCWD, source, kOpenTreeClone | O_CLOEXEC | kAtRecursive));
  if (fd < 0) {
    if (errno == ENOSYS) {
      g_new_api_missing = true;
      return -1;
    }
    return errno;
  }
  MountAttr attr{attrs, 0, 0, 0};
  if (::syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | kAtRecursive, &attr, sizeof attr) != 0) {
    int err = errno;
    ::close(fd);
    if (err == ENOSYS) {
      g_new_api_missing = true;
      return -1;
    }
    return err;
  }
  if (::syscall(SYS_move_mount, fd, "", AT_FDCWD, target, kMoveMountFEmptyPath) != 0) {
    int err = errno;
    ::close(fd);
    return err;
  }
  ::close(fd);
  return 0;
}

// mount(2) only: flags locked by a less privileged namespace (nosuid, noexec,
// atime) must be repeated on remount, or the kernel says EPERM.
int bindLegacy(const char* source, const char* target, uint64_t attrs) {
  if (::mount(source, target, nullptr, MS_BIND | MS_REC, nullptr) != 0) return errno;
  struct statvfs sv {};
  if (::statvfs(target, &sv) != 0) return errno;
  unsigned long flags = MS_BIND | MS_REMOUNT;
  if ((attrs & kAttrRdonly) || (sv.f_flag & ST_RDONLY)) flags |= MS_RDONLY;
  if ((attrs & kAttrNosuid) || (sv.f_flag & ST_NOSUID)) flags |= MS_NOSUID;
  if ((attrs & kAttrNodev) || (sv.f_flag & ST_NODEV)) flags |= MS_NODEV;
  if ((attrs & kAttrNoexec) || (sv.f_flag & ST_NOEXEC)) flags |= MS_NOEXEC;
  if (sv.f_flag & ST_NOATIME) flags |= MS_NOATIME;
  if (sv.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
  if (sv.f_flag & ST_RELATIME) flags |= MS_RELATIME;
  if (::mount(nullptr, target, nullptr, flags, nullptr) != 0) return errno;
  return 0;
}

int bind(const MountPlan& plan, const char* source, const char* target, uint64_t attrs) {
  if (!plan.legacy_api) {
    int rc = bindNewApi(source, target, attrs);
    if (rc >= 0) return rc;
  }
  return bindLegacy(source, target, attrs);
}

// The sandbox runs as an unprivileged host id, so a device node that is not
// read-write for "others" on the host (a 0600 /dev/null, as some VMs have) is
// useless to it. A root supervisor keeps a 0666 node for the same device in
// kDeviceCopiesDir instead; anyone else gets the host's node and a note.
std::string usableDeviceNode(const std::string& host, const struct stat& st,
                             std::vector<std::string>& notes) {
  const std::string name = host.substr(host.rfind('/') + 1);
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777);
  const std::string problem = "host " + host + " is mode " + mode + ", closed to the sandbox's id";
  if (::geteuid() != 0) {
    notes.push_back(problem + "; run as root, or make it world-readable and -writable");
    return host;
  }
  std::string copy = std::string(kDeviceCopiesDir) + "/" + name;
  struct stat existing {};
  bool ok = ::stat(copy.c_str(), &existing) == 0 && S_ISCHR(existing.st_mode) &&
            existing.st_rdev == st.st_rdev && (existing.st_mode & 07777) == 0666;
  if (!ok) {
    ::mkdir("/run/meshgate", 0755);
    ::mkdir(kDeviceCopiesDir, 0755);
    std::string tmp = copy + ".tmp." + std::to_string(::getpid());
    ::unlink(tmp.c_str());
    ok = ::mknod(tmp.c_str(), S_IFCHR | 0666, st.st_rdev) == 0 && ::chmod(tmp.c_str(), 0666) == 0 &&
         ::rename(tmp.c_str(), copy.c_str()) == 0;
    if (!ok) ::unlink(tmp.c_str());
  }
  struct statvfs sv {};
  if (ok && ::statvfs(kDeviceCopiesDir, &sv) == 0 && (sv.f_flag & ST_NODEV) == 0) {
    notes.push_back(problem + "; using " + copy + " (mode 0666) instead");
    return copy;
  }
  notes.push_back(problem + "; could not provide a usable copy in " +
                  std::string(kDeviceCopiesDir));
  return host;
}

}  // namespace

base::Result<MountPlan> planMounts(const FilesystemSpec& fs) {
  MountPlan plan;
  struct stat st {};
  if (::stat(plan.base.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    plan.base = "/mnt";
    if (::stat(plan.base.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return base::Error{"mount: neither /tmp nor /mnt exists on the host (needed as scratch)",
                         ENOENT, base::ErrorSource::Local};
    }
  }
  std::vector<const MountSpec*> ordered;
  for (const MountSpec& m : fs.mounts)
    ordered.push_back(&m);
  std::stable_sort(ordered.begin(), ordered.end(), [](const MountSpec* a, const MountSpec* b) {
    return depth(a->target) < depth(b->target);
  });
  for (const MountSpec* m : ordered) {
    MountOp op;
    op.target = kNewRoot + m->target;
    op.read_only = m->read_only;
    if (m->kind == MountKind::Tmpfs) {
      op.kind = MountOpKind::Tmpfs;
      op.options = "mode=" + octal(m->mode);
      if (m->size_bytes != 0) op.options += ",size=" + std::to_string(m->size_bytes);
      op.display = "tmpfs " + m->target + " (" + op.options + ")";
      plan.ops.push_back(std::move(op));
      continue;
    }
    if (::lstat(m->source.c_str(), &st) != 0) {
      int err = errno;
      if (m->optional && (err == ENOENT || err == ENOTDIR)) continue;
      return base::errnoError("mount: bind source " + m->source, err);
    }
    if (S_ISLNK(st.st_mode) && m->source == m->target) {
      // Merged-/usr links (/bin -> usr/bin) stay links, resolved in the sandbox.
      char link[PATH_MAX];
      ssize_t n = ::readlink(m->source.c_str(), link, sizeof link - 1);
      if (n < 0) return base::errnoError("mount: readlink " + m->source);
      op.kind = MountOpKind::Symlink;
      op.source.assign(link, static_cast<size_t>(n));
      op.display = "symlink " + m->target + " -> " + op.source;
      plan.ops.push_back(std::move(op));
      continue;
    }
    if (::stat(m->source.c_str(), &st) != 0) {
      int err = errno;
      if (m->optional && (err == ENOENT || err == ENOTDIR)) continue;
      return base::errnoError("mount: bind source " + m->source, err);
    }
    op.kind = MountOpKind::Bind;
    op.source = kOldRoot + m->source;
    op.is_file = !S_ISDIR(st.st_mode);
    op.display = "bind " + m->source + " -> " + m->target + (m->read_only ? " (ro)" : " (rw)");
    plan.ops.push_back(std::move(op));
  }
  if (fs.proc) {
    MountOp proc;
    proc.kind = MountOpKind::Proc;
    proc.target = std::string(kNewRoot) + "/proc";
    proc.display = "proc /proc";
    plan.ops.push_back(std::move(proc));
    for (const char* sub : {"sys", "sysrq-trigger", "irq", "bus"}) {
      MountOp ro;
      ro.kind = MountOpKind::ReadOnlyBind;
      ro.target = std::string(kNewRoot) + "/proc/" + sub;
      ro.optional = true;
      ro.display = std::string("read-only /proc/") + sub;
      plan.ops.push_back(std::move(ro));
    }
  }
  if (fs.dev) {
    MountOp dev;
    dev.kind = MountOpKind::Tmpfs;
    dev.target = std::string(kNewRoot) + "/dev";
    dev.options = "mode=0755,size=64k";
    dev.display = "tmpfs /dev";
    plan.ops.push_back(std::move(dev));
    for (const char* node : {"null", "zero", "random", "urandom", "tty"}) {
      std::string host = std::string("/dev/") + node;
      if (::stat(host.c_str(), &st) != 0 || !S_ISCHR(st.st_mode)) continue;
      std::string source = host;
      if ((st.st_mode & 0006) != 0006) source = usableDeviceNode(host, st, plan.notes);
      MountOp op;
      op.kind = MountOpKind::DevNode;
      op.source = kOldRoot + source;
      op.target = kNewRoot + host;
      op.is_file = true;
      op.read_only = false;
      op.allow_devices = true;
      op.display = "device " + host;
      plan.ops.push_back(std::move(op));
    }
    const std::pair<const char*, const char*> links[] = {
        {"fd", "/proc/self/fd"},
        {"stdin", "/proc/self/fd/0"},
        {"stdout", "/proc/self/fd/1"},
        {"stderr", "/proc/self/fd/2"},
    };
    for (const auto& [name, to] : links) {
      MountOp op;
      op.kind = MountOpKind::Symlink;
      op.source = to;
      op.target = std::string(kNewRoot) + "/dev/" + name;
      op.display = std::string("symlink /dev/") + name + " -> " + to;
      plan.ops.push_back(std::move(op));
    }
    MountOp seal;
    seal.kind = MountOpKind::ReadOnly;
    seal.target = std::string(kNewRoot) + "/dev";
    seal.display = "read-only /dev";
    plan.ops.push_back(std::move(seal));
  }
  return plan;
}

StepResult makeMountsSlave() {
  // Nothing the sandbox mounts may propagate back to the host.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0) return stepFail(errno);
  return stepOk();
}

StepResult enterScratchRoot(const MountPlan& plan) {
  const char* base = plan.base.c_str();
  if (::mount("tmpfs", base, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=64k") != 0) {
    return stepFail(errno, 0);
  }
  if (::chdir(base) != 0) return stepFail(errno, 1);
  if (::mkdir("newroot", 0755) != 0) return stepFail(errno, 2);
  if (::mkdir("oldroot", 0755) != 0) return stepFail(errno, 3);
  if (::syscall(SYS_pivot_root, base, "oldroot") != 0) return stepFail(errno, 4);
  if (::chdir("/") != 0) return stepFail(errno, 5);
  return stepOk();
}

StepResult mountSandboxRoot(const MountPlan& plan) {
  if (::mount("tmpfs", kNewRoot, "tmpfs", MS_NOSUID | MS_NODEV, plan.root_options.c_str()) != 0) {
    return stepFail(errno);
  }
  return stepOk();
}

StepResult applyMount(const MountPlan& plan, size_t index) {
  const MountOp& op = plan.ops[index];
  const int detail = static_cast<int>(index);
  const char* target = op.target.c_str();
  int err = 0;
  switch (op.kind) {
    case MountOpKind::Bind:
    case MountOpKind::DevNode:
      err = makeMountPoint(target, op.is_file);
      if (err == 0) {
        bool no_exec = op.kind == MountOpKind::DevNode;
        err = bind(plan, op.source.c_str(), target,
                   attrsFor(op.read_only, op.allow_devices, no_exec));
      }
      break;
    case MountOpKind::Symlink:
      err = makeParentDirs(target);
      if (err == 0 && ::symlink(op.source.c_str(), target) != 0) err = errno;
      break;
    case MountOpKind::Tmpfs:
      err = makeDirs(target, 0755);
      if (err == 0 &&
          ::mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, op.options.c_str()) != 0) {
        err = errno;
      }
      break;
    case MountOpKind::Proc:
      err = makeDirs(target, 0555);
      if (err == 0 &&
          ::mount("proc", target, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
        err = errno;
      }
      break;
    case MountOpKind::ReadOnlyBind: {
      struct stat st {};
      if (::lstat(target, &st) != 0) {
        err = (op.optional && errno == ENOENT) ? 0 : errno;
        break;
      }
      err = bind(plan, target, target, attrsFor(true, false, true));
      break;
    }
    case MountOpKind::ReadOnly:
      if (!plan.legacy_api && !g_new_api_missing) {
        MountAttr attr{kAttrRdonly, 0, 0, 0};
        if (::syscall(SYS_mount_setattr, AT_FDCWD, target, 0, &attr, sizeof attr) == 0) break;
        if (errno != ENOSYS) {
          err = errno;
          break;
        }
        g_new_api_missing = true;
      }
      if (::mount(nullptr, target, nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV,
                  nullptr) != 0) {
        err = errno;
      }
      break;
  }
  return err == 0 ? stepOk() : stepFail(err, detail);
}

StepResult pivotIntoSandbox(const MountPlan& plan) {
  (void)plan;
  if (::mount(nullptr, kNewRoot, nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV,
              nullptr) != 0) {
    return stepFail(errno, 0);
  }
  if (::chdir(kNewRoot) != 0) return stepFail(errno, 1);
  // pivot_root(".", "."): the old root ends up stacked on the new one and is
  // detached right away, taking the host's tree (/oldroot) with it.
  if (::syscall(SYS_pivot_root, ".", ".") != 0) return stepFail(errno, 2);
  if (::umount2(".", MNT_DETACH) != 0) return stepFail(errno, 3);
  if (::chdir("/") != 0) return stepFail(errno, 4);
  return stepOk();
}

}  // namespace meshgate::sandbox
