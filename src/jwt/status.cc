// SPDX-License-Identifier: Apache-2.0
// JwtStatus names, messages and the Bearer challenge text. Depends on std only.
#include "jwt/status.h"

#include <array>

namespace meshgate::jwt {
namespace {

struct Entry {
  std::string_view name;
  std::string_view message;
};

constexpr Entry kEntries[] = {
#define MG_JWT_STATUS_ENTRY(name, message) {#name, message},
    MG_JWT_STATUS_LIST(MG_JWT_STATUS_ENTRY)
#undef MG_JWT_STATUS_ENTRY
};

constexpr size_t kMaxRealmBytes = 256;

const Entry& entry(JwtStatus status) {
  size_t i = static_cast<size_t>(status);
  return i < std::size(kEntries) ? kEntries[i] : kEntries[0];
}

}  // namespace

std::string_view statusName(JwtStatus status) {
  return entry(status).name;
}
std::string_view statusMessage(JwtStatus status) {
  return entry(status).message;
}

int httpStatusFor(JwtStatus status) {
  if (status == JwtStatus::Ok) return 200;
  return status == JwtStatus::JwtAudienceNotAllowed ? 403 : 401;
}

std::string bearerChallenge(std::string_view realm, JwtStatus status) {
  if (realm.size() > kMaxRealmBytes) realm = realm.substr(0, kMaxRealmBytes);
  std::string out = "Bearer realm=\"";
  for (char c : realm) {
    // A quoted-string (RFC 9110 §5.6.4) cannot hold control characters; drop them rather
    // than let a crafted URI split the header.
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) continue;
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  if (status != JwtStatus::JwtMissed) out += ", error=\"invalid_token\"";
  return out;
}

}  // namespace meshgate::jwt
