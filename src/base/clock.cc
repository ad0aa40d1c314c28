// SPDX-License-Identifier: Apache-2.0
#include "base/clock.h"

namespace meshgate::base {

const RealClock& RealClock::instance() {
  static const RealClock clock;
  return clock;
}

}  // namespace meshgate::base
