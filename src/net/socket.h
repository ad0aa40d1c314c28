// SPDX-License-Identifier: Apache-2.0
// Thin, errno-preserving wrappers over the socket calls the proxy uses. All
// sockets are non-blocking and close-on-exec. Depends on base, net/address.
#pragma once

#include <sys/uio.h>

#include <cstddef>

#include "base/buffer.h"
#include "base/result.h"
#include "net/address.h"

namespace meshgate::net {

struct ListenOptions {
  bool reuse_port = true;
  int backlog = 4096;
};

/// A bound, listening, non-blocking TCP socket.
base::Result<int> listenTcp(const Address& addr, const ListenOptions& options = {});
/// Starts a non-blocking connect. The fd is returned while the connect is in
/// progress; wait for writability and check connectError().
base::Result<int> connectTcp(const Address& addr);
/// The pending error of a non-blocking connect (SO_ERROR): 0 on success.
int connectError(int fd);
void setNoDelay(int fd);
Address localAddress(int fd);
Address peerAddress(int fd);

/// Result of one read or write attempt.
enum class IoStatus {
  Ok,          // bytes moved (maybe fewer than asked)
  WouldBlock,  // EAGAIN: wait for readiness
  Eof,         // the peer closed its write side (reads only)
  Error,       // anything else; see the errno
};

struct IoResult {
  IoStatus status;
  size_t bytes = 0;
  int err = 0;
};

/// Reads once into `buf` (at most `max` bytes).
IoResult readOnce(int fd, base::Buffer& buf, size_t max = 65536);
/// Writes as much of `buf` as the socket takes, consuming what was written.
IoResult writeFrom(int fd, base::Buffer& buf);
/// Gathers `iov` into one writev (MSG_NOSIGNAL semantics via send for 1 piece).
IoResult writeVec(int fd, const iovec* iov, int count);

}  // namespace meshgate::net
