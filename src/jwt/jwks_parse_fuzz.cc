// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: key set loading (JWKS JSON, single JWK, X.509 map, PEM) with and without
// symmetric keys; every loaded key is asked which algorithms it fits and to verify junk.
#include <cstdint>
#include <string_view>

#include "base/assert.h"
#include "jwt/jwk_set.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace meshgate::jwt;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (bool symmetric : {false, true}) {
    JwksParseOptions options;
    options.allow_symmetric = symmetric;
    auto set = JwkSet::parse(text, options);
    if (!set.ok()) continue;
    MG_ASSERT(!set.value()->keys().empty(), "a loaded key set has keys");
    for (const Jwk& key : set.value()->keys()) {
      MG_ASSERT(symmetric || key.type() != KeyType::Oct, "HMAC key loaded without consent");
      for (int a = 0; a <= static_cast<int>(Algorithm::HS512); ++a) {
        auto alg = static_cast<Algorithm>(a);
        if (!key.fits(alg)) continue;
        MG_ASSERT(!key.verify(alg, "header.payload", std::string(64, '\x01')),
                  "junk signature verified");
      }
    }
  }
  return 0;
}
