// SPDX-License-Identifier: Apache-2.0
// Connection semantics and the hop-by-hop fields a proxy must not forward (RFC 9110
// §7.6.1, RFC 9112 §9.3), as Envoy applies them. Depends on http only.
#pragma once

#include <cstddef>
#include <string_view>

#include "http/header_map.h"
#include "http/http1/parser.h"
#include "http/message.h"

namespace meshgate::http1 {

/// At most this many Connection options are honoured; the parser rejects messages with
/// more (ParseErrorCode::InvalidConnection), so parsed messages never exceed it.
inline constexpr size_t kMaxConnectionOptions = 32;

/// RFC 9112 §9.3: an HTTP/1.1 connection persists unless Connection has "close"; an
/// HTTP/1.0 one only with "keep-alive" (and no "close").
bool isKeepAlive(http::Version version, const http::HeaderMap& headers);

/// True when a Connection field lists `option` (case-insensitive).
bool connectionHasOption(const http::HeaderMap& headers, std::string_view option);

/// True for an HTTP/1.1 request with "Expect: 100-continue" (RFC 9110 §10.1.1; an
/// HTTP/1.0 expectation is ignored).
bool expectsContinue(const http::RequestHead& head);

struct HopByHopOptions {
  /// Keep Upgrade (without any "h2c") for a proxied protocol upgrade such as WebSocket;
  /// the caller then adds "connection: upgrade" itself.
  bool keep_upgrade = false;
};

struct HopByHopResult {
  size_t removed = 0;
  /// An Upgrade field was kept (keep_upgrade and a protocol other than h2c).
  bool upgrade_kept = false;
};

/// Removes what must not be forwarded to the next hop:
///   - Connection, and every field it names (except TE and Upgrade, handled below);
///   - Keep-Alive, Proxy-Connection, Transfer-Encoding (the sender re-frames the body);
///   - TE, unless it lists "trailers": then it is kept as exactly "trailers" (gRPC);
///   - Upgrade (unless kept), and always the "h2c" protocol and HTTP2-Settings: an HTTP/2
///     cleartext upgrade is never forwarded.
/// Proxy-Authorization and Proxy-Authenticate are end-to-end in RFC 9110 and are kept, as
/// Envoy keeps them. Applies to requests and responses alike.
HopByHopResult removeHopByHopHeaders(http::HeaderMap& headers, const HopByHopOptions& options = {});

/// How the body goes out on the next hop.
enum class ForwardFraming : uint8_t {
  None,            // no body (or a tunnel after the head)
  ContentLength,   // raw bytes; Content-Length is in the fields
  Chunked,         // chunk-encode each piece (appendChunk/appendLastChunk)
  CloseDelimited,  // raw bytes, then close the connection (HTTP/1.0 peer, unknown length)
};

/// Call after removeHopByHopHeaders(): sets the framing fields for forwarding a message
/// parsed with `framing` to a peer speaking `peer_version` (towards upstreams that is
/// HTTP/1.1; towards a client, the client's version), and says how to write the body.
///   - Content-Length bodies keep their Content-Length.
///   - Chunked bodies get "transfer-encoding: chunked" for HTTP/1.1 peers; towards an
///     HTTP/1.0 client they become close-delimited (and "connection: close" is set).
///   - Close-delimited response bodies become chunked towards HTTP/1.1 clients, so the
///     client connection survives; close-delimited towards HTTP/1.0 clients.
///   - No body / tunnel: fields unchanged (a HEAD or 304 Content-Length stays meaningful).
ForwardFraming prepareForwardFraming(http::HeaderMap& headers, const Framing& framing,
                                     http::Version peer_version);

}  // namespace meshgate::http1
