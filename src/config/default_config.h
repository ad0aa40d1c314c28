// SPDX-License-Identifier: Apache-2.0
// The configuration `meshgate run` uses when given none. Depends on config/loader.h.
#pragma once

#include <string_view>

#include "config/loader.h"

namespace meshgate::config {

/// The embedded default YAML: Admin on 127.0.0.1:9901, a Listener on
/// 127.0.0.1:8080 for every host, a DemoUpstream on 127.0.0.1:8081, and the
/// ServiceEntry and VirtualService that route to it (plus /healthz).
std::string_view embeddedDefaultYaml();

/// loadText(embeddedDefaultYaml(), "<embedded>").
LoadResult loadEmbeddedDefault();

}  // namespace meshgate::config
