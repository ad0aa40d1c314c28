// SPDX-License-Identifier: Apache-2.0
// Where a JWT rule's verification keys come from: a fixed set (inline `jwks`) or a set
// fetched from `jwksUri` and refreshed in the background (JwksProvider). Workers read keys
// without locks in the steady state: they compare version() with the version they copied.
// Depends on event/ and jwt/.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>

#include "event/event_loop.h"
#include "jwt/jwk_set.h"
#include "jwt/status.h"

namespace meshgate::filters::jwt_authn {

/// What a worker sees of a key source at one moment.
struct KeysSnapshot {
  /// Null until a key set was loaded; a loaded set is kept across failed refreshes.
  std::shared_ptr<const jwt::JwkSet> keys;
  /// True until the first fetch has settled: a request that needs these keys waits.
  bool pending = false;
  /// Why there are no keys (when `keys` is null and not pending).
  jwt::JwtStatus error = jwt::JwtStatus::JwksFetchFail;
};

class KeySource {
 public:
  virtual ~KeySource() = default;
  /// Changes (grows) whenever snapshot() would return something different. Any thread; one
  /// atomic load.
  virtual uint64_t version() const = 0;
  /// Any thread.
  virtual KeysSnapshot snapshot() const = 0;
  /// Any thread: arranges for `wake` to be posted to `loop` once the first fetch has settled
  /// (keys loaded or failed). Returns false, dropping `wake`, when it already has.
  virtual bool notifyWhenSettled(event::EventLoop& loop, std::function<void()> wake) = 0;
};

/// A key set given in the configuration. Immutable.
class StaticKeys final : public KeySource {
 public:
  explicit StaticKeys(std::shared_ptr<const jwt::JwkSet> keys) : keys_(std::move(keys)) {}
  uint64_t version() const override { return 1; }
  KeysSnapshot snapshot() const override { return KeysSnapshot{keys_, false, jwt::JwtStatus::Ok}; }
  bool notifyWhenSettled(event::EventLoop&, std::function<void()>) override { return false; }

 private:
  std::shared_ptr<const jwt::JwkSet> keys_;
};

}  // namespace meshgate::filters::jwt_authn
