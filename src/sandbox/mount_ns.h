// SPDX-License-Identifier: Apache-2.0
// Mount namespace: the sandbox's file system view, built bubblewrap-style in
// two pivots. The child first pivots into a scratch tmpfs (the host's tree at
// /oldroot, the sandbox's root tmpfs at /newroot), fills /newroot from the
// plan, makes it read-only, pivots into it and detaches the host's tree.
// Binds use the new mount API (open_tree/mount_setattr/move_mount, 5.12) so
// that read-only applies to submounts too, with a mount(2) fallback.
// Depends on base only.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "sandbox/profile.h"
#include "sandbox/step.h"

namespace meshgate::sandbox {

enum class MountOpKind {
  Bind,          // source onto target (file or directory)
  Symlink,       // target -> source text (merged-/usr links such as /bin -> usr/bin)
  Tmpfs,         // a tmpfs at target with `options`
  Proc,          // a new procfs at target
  ReadOnlyBind,  // target rebound onto itself read-only (parts of /proc)
  DevNode,       // a host device node bound onto an empty file
  ReadOnly,      // make the mount at target read-only (the /dev tmpfs once filled)
};

struct MountOp {
  MountOpKind kind = MountOpKind::Bind;
  std::string source;  // absolute in the scratch root ("/oldroot/usr"), or link text
  std::string target;  // absolute in the scratch root ("/newroot/usr")
  std::string options;
  bool read_only = true;
  bool is_file = false;
  bool allow_devices = false;
  bool optional = false;  // ReadOnlyBind: skip a missing target
  /// For messages (supervisor side only): "bind /usr -> /usr (ro)".
  std::string display;
};

struct MountPlan {
  /// An existing host directory the scratch tmpfs goes over (only inside the
  /// child's namespace).
  std::string base = "/tmp";
  std::string root_options = "mode=0755,size=16m";
  std::vector<MountOp> ops;
  /// Use mount(2) only, as on kernels before 5.12. Read-only then covers only
  /// the bound mount itself, not its submounts.
  bool legacy_api = false;
  /// What the plan had to work around (for the report).
  std::vector<std::string> notes;
};

/// Where a privileged supervisor keeps world-usable copies of device nodes
/// whose host permissions shut the sandbox's unprivileged id out.
inline constexpr const char* kDeviceCopiesDir = "/run/meshgate/dev";

/// Supervisor side: checks sources, orders mounts parents-first, adds /proc
/// and /dev. Missing non-optional sources are errors.
base::Result<MountPlan> planMounts(const FilesystemSpec& fs);

/// Child side, in this order.
StepResult makeMountsSlave();
StepResult enterScratchRoot(const MountPlan& plan);
StepResult mountSandboxRoot(const MountPlan& plan);
StepResult applyMount(const MountPlan& plan, size_t index);
StepResult pivotIntoSandbox(const MountPlan& plan);

}  // namespace meshgate::sandbox
