// SPDX-License-Identifier: Apache-2.0
// `meshgate version`: the release, the source revision and the build type.
#include <openssl/opensslv.h>

#include <cstdio>

#include "cli/build_info.h"
#include "cli/commands.h"

namespace meshgate::cli {

int versionCommand(Args /*args*/) {
  std::printf("meshgate %s (revision %s, %s build)\n", MG_VERSION, MG_GIT_REVISION, MG_BUILD_TYPE);
  return 0;
}

}  // namespace meshgate::cli
