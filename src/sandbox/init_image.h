// SPDX-License-Identifier: Apache-2.0
// meshgate-init (init_freestanding.cc), built at build time and embedded in
// the binary, as the executable memfd that the sandbox's pid 1 execs once the
// command runs (ADR 0205). Depends on std only.
#pragma once

#include <cstddef>

namespace meshgate::sandbox {

/// The image's bytes (a static ELF executable, init_image_data.cc).
extern const unsigned char kInitImage[];
extern const size_t kInitImageSize;

/// A sealed, execute-only, close-on-exec memfd holding the image, created once
/// per process (thread-safe) at or above fd 3; -1 where the kernel refuses an
/// executable memfd (vm.memfd_noexec = 2, no memfd_create): pid 1 then stays
/// meshgate's own code, as before.
int initImageFd();

}  // namespace meshgate::sandbox
