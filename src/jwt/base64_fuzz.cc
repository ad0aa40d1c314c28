// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the base64url/base64 decoders never crash, and every accepted input is
// the one canonical encoding of what it decodes to.
#include <cstdint>
#include <string_view>

#include "base/assert.h"
#include "jwt/base64.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace meshgate::jwt;
  std::string_view in(reinterpret_cast<const char*>(data), size);

  if (auto strict = base64UrlDecode(in)) {
    MG_ASSERT(base64UrlEncode(*strict) == in, "base64url decode is not canonical");
  }
  if (auto lax = base64UrlDecode(in, Base64UrlPadding::Optional)) {
    std::string_view unpadded = in.substr(0, in.find('='));
    MG_ASSERT(base64UrlEncode(*lax) == unpadded, "padded base64url decode is not canonical");
  }
  if (auto std64 = base64Decode(in)) {
    MG_ASSERT(base64Encode(*std64) == in, "base64 decode is not canonical");
  }
  // Encoding then decoding is the identity for any bytes.
  MG_ASSERT(base64UrlDecode(base64UrlEncode(in)) == std::string(in), "base64url round trip");
  MG_ASSERT(base64Decode(base64Encode(in)) == std::string(in), "base64 round trip");
  return 0;
}
