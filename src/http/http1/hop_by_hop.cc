// SPDX-License-Identifier: Apache-2.0
// Hop-by-hop field handling. Depends on http only.
#include "http/http1/hop_by_hop.h"

#include <array>

#include "http/chars.h"

namespace meshgate::http1 {

using http::HeaderField;
using http::HeaderId;
using http::HeaderMap;

namespace {

// Calls fn(element) for each non-empty, OWS-trimmed element of every `id` field value.
template <typename Fn>
void forEachListElement(const HeaderMap& headers, HeaderId id, Fn&& fn) {
  headers.forEachValue(id, [&](std::string_view value) {
    size_t start = 0;
    while (start <= value.size()) {
      size_t comma = value.find(',', start);
      if (comma == std::string_view::npos) comma = value.size();
      const std::string_view elem = http::trimOws(value.substr(start, comma - start));
      if (!elem.empty()) fn(elem);
      start = comma + 1;
    }
  });
}

bool isAlwaysHopByHop(HeaderId id) {
  switch (id) {
    case HeaderId::Connection:
    case HeaderId::KeepAlive:
    case HeaderId::ProxyConnection:
    case HeaderId::TransferEncoding:
    case HeaderId::Http2Settings:
      return true;
    default:
      return false;
  }
}

}  // namespace

bool connectionHasOption(const HeaderMap& headers, std::string_view option) {
  bool found = false;
  forEachListElement(headers, HeaderId::Connection, [&](std::string_view elem) {
    found = found || http::equalsIgnoreCase(elem, option);
  });
  return found;
}

bool isKeepAlive(http::Version version, const HeaderMap& headers) {
  if (connectionHasOption(headers, "close")) return false;
  return version == http::Version::Http11 || connectionHasOption(headers, "keep-alive");
}

bool expectsContinue(const http::RequestHead& head) {
  if (head.version() != http::Version::Http11) return false;
  bool found = false;
  forEachListElement(head.headers(), HeaderId::Expect, [&](std::string_view elem) {
    found = found || http::equalsIgnoreCase(elem, "100-continue");
  });
  return found;
}

HopByHopResult removeHopByHopHeaders(HeaderMap& headers, const HopByHopOptions& options) {
  HopByHopResult result;
  // Views into the map stay valid across removals (the arena never moves bytes).
  std::array<std::string_view, kMaxConnectionOptions> nominated;
  size_t nominated_count = 0;
  forEachListElement(headers, HeaderId::Connection, [&](std::string_view elem) {
    const HeaderId id = http::headerIdOf(elem);
    if (id == HeaderId::Te || id == HeaderId::Upgrade || isAlwaysHopByHop(id)) return;
    if (http::equalsIgnoreCase(elem, "close")) return;
    if (nominated_count < nominated.size()) nominated[nominated_count++] = elem;
  });

  // TE: only "trailers" survives (Envoy sanitizes it the same way, for gRPC).
  if (headers.has(HeaderId::Te)) {
    bool trailers = false;
    forEachListElement(headers, HeaderId::Te, [&](std::string_view elem) {
      const std::string_view name = http::trimOws(elem.substr(0, elem.find(';')));
      trailers = trailers || http::equalsIgnoreCase(name, "trailers");
    });
    if (trailers) {
      if (headers.count(HeaderId::Te) != 1 || *headers.get(HeaderId::Te) != "trailers") {
        result.removed += headers.count(HeaderId::Te) - 1;
        headers.set(HeaderId::Te, "trailers");
      }
    } else {
      result.removed += headers.remove(HeaderId::Te);
    }
  }

  // Upgrade: drop, or keep every protocol but h2c.
  if (headers.has(HeaderId::Upgrade)) {
    bool h2c = false;
    bool other = false;
    forEachListElement(headers, HeaderId::Upgrade, [&](std::string_view elem) {
      const std::string_view name = elem.substr(0, elem.find('/'));
      if (http::equalsIgnoreCase(name, "h2c")) {
        h2c = true;
      } else {
        other = true;
      }
    });
    if (!options.keep_upgrade || !other) {
      result.removed += headers.remove(HeaderId::Upgrade);
    } else if (h2c) {
      // Rebuild the list without h2c. Rare, so a small stack buffer is enough; a list too
      // long for it is dropped rather than forwarded with h2c.
      std::array<char, 256> buf;
      size_t n = 0;
      bool fits = true;
      forEachListElement(headers, HeaderId::Upgrade, [&](std::string_view elem) {
        if (http::equalsIgnoreCase(elem.substr(0, elem.find('/')), "h2c")) return;
        const size_t need = (n == 0 ? 0 : 2) + elem.size();
        if (n + need > buf.size()) {
          fits = false;
          return;
        }
        if (n != 0) {
          buf[n++] = ',';
          buf[n++] = ' ';
        }
        elem.copy(buf.data() + n, elem.size());
        n += elem.size();
      });
      const size_t before = headers.count(HeaderId::Upgrade);
      if (fits) {
        headers.set(HeaderId::Upgrade, std::string_view(buf.data(), n));
        result.removed += before - 1;
        result.upgrade_kept = true;
      } else {
        result.removed += headers.remove(HeaderId::Upgrade);
      }
    } else {
      result.upgrade_kept = true;
    }
  }

  result.removed += headers.removeIf([&](const HeaderField& f) {
    if (isAlwaysHopByHop(f.id)) return true;
    for (size_t i = 0; i < nominated_count; ++i) {
      if (http::equalsIgnoreCase(f.name, nominated[i])) return true;
    }
    return false;
  });
  return result;
}

ForwardFraming prepareForwardFraming(HeaderMap& headers, const Framing& framing,
                                     http::Version peer_version) {
  switch (framing.body) {
    case BodyFraming::None:
    case BodyFraming::Tunnel:
      return ForwardFraming::None;
    case BodyFraming::ContentLength:
      return ForwardFraming::ContentLength;
    case BodyFraming::Chunked:
    case BodyFraming::CloseDelimited:
      headers.remove(HeaderId::ContentLength);
      if (peer_version == http::Version::Http11) {
        headers.set(HeaderId::TransferEncoding, "chunked");
        return ForwardFraming::Chunked;
      }
      headers.remove(HeaderId::TransferEncoding);
      headers.set(HeaderId::Connection, "close");
      return ForwardFraming::CloseDelimited;
  }
  return ForwardFraming::None;
}

}  // namespace meshgate::http1
