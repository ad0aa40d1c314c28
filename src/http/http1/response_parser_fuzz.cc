// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for ResponseParser: split invariance, 502 on every error, well-formed
// heads, body bounds, and 1xx/HEAD/204/304/CONNECT framing rules.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "http/chars.h"
#include "http/header_map.h"
#include "http/http1/event_recorder.h"
#include "http/http1/parser.h"
#include "http/http1/serializer.h"

namespace {

using namespace meshgate;

void check(bool cond, const char* what) {
  if (!cond) {
    fprintf(stderr, "invariant violated: %s\n", what);
    abort();
  }
}

constexpr http::Method kMethods[] = {http::Method::Get, http::Method::Head, http::Method::Post,
                                     http::Method::Connect};

std::vector<http::Method> methodsFor(uint8_t selector) {
  std::vector<http::Method> m;
  for (int i = 0; i < 4; ++i)
    m.push_back(kMethods[(selector >> (2 * i)) & 3]);
  return m;
}

void checkDirect(std::string_view input, const std::vector<http::Method>& methods,
                 const http1::ParserOptions& options) {
  http1::ResponseParser p(options);
  size_t next = 0;
  p.expectResponse(methods[next++]);
  http::Method current = methods[0];
  std::string_view in = input;
  uint64_t body = 0;
  for (int guard = 0; guard < 100000; ++guard) {
    const http1::Event ev = p.parse(in);
    check(ev.consumed <= in.size(), "consumed within input");
    in.remove_prefix(ev.consumed);
    switch (ev.type) {
      case http1::EventType::InterimHeaders:
        check(p.head().isInterim(), "interim heads are 1xx");
        break;
      case http1::EventType::Headers: {
        const uint16_t s = p.head().status();
        check(s >= 100 && s <= 599 && !p.head().isInterim(), "final status");
        for (const http::HeaderField f : p.head().headers()) {
          check(http::isToken(f.name) && http::isValidHeaderValue(f.value), "clean fields");
        }
        const http1::BodyFraming b = p.framing().body;
        if (current == http::Method::Head || s == 204 || s == 304) {
          check(b == http1::BodyFraming::None || b == http1::BodyFraming::Tunnel, "no body");
        }
        if (b == http1::BodyFraming::CloseDelimited) check(!p.framing().keep_alive, "close");
        // Round trip of the head.
        std::string wire;
        http1::appendResponseHead(p.head(), wire);
        http1::ParserOptions relaxed = options;  // serialization may add spacing
        relaxed.max_start_line_bytes = relaxed.max_header_bytes = 1 << 20;
        relaxed.max_headers = 1 << 16;
        http1::ResponseParser again(relaxed);
        again.expectResponse(current);
        const http1::Event e2 = again.parse(wire);
        // An empty reason is serialized as the standard phrase.
        const std::string_view reason =
            p.head().reason().empty() ? http::reasonPhrase(s) : p.head().reason();
        check(e2.type == http1::EventType::Headers && again.head().status() == s &&
                  again.head().version() == p.head().version() &&
                  again.head().headers() == p.head().headers() && again.head().reason() == reason,
              "response head round trip");
        body = 0;
        break;
      }
      case http1::EventType::Body:
        body += ev.body.size();
        if (p.framing().body == http1::BodyFraming::ContentLength) {
          check(body <= p.framing().content_length, "body within Content-Length");
        }
        break;
      case http1::EventType::MessageComplete:
        if (next >= methods.size() || p.framing().body == http1::BodyFraming::Tunnel) return;
        current = methods[next];
        p.expectResponse(methods[next++]);
        break;
      case http1::EventType::Error:
        check(p.error().status == 502, "upstream errors are 502");
        return;
      case http1::EventType::NeedMoreData: {
        check(in.empty(), "NeedMoreData consumes everything");
        const http1::Event end = p.finish();
        check(end.type == http1::EventType::MessageComplete ||
                  end.type == http1::EventType::Error || end.type == http1::EventType::Closed,
              "finish outcome");
        if (end.type == http1::EventType::Error) check(p.error().status == 502, "502 at EOF");
        return;
      }
      default:
        return;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const std::vector<http::Method> methods = methodsFor(data[0]);
  http1::ParserOptions options;
  if (data[1] & 1) {
    options.max_start_line_bytes = 64;
    options.max_header_bytes = 128;
    options.max_headers = 4;
    options.max_body_bytes = 32;
  }
  const std::string_view input(reinterpret_cast<const char*>(data) + 2, size - 2);
  checkDirect(input, methods, options);

  const http1::Transcript whole = http1::recordResponses(input, {}, methods, options);
  std::vector<size_t> cuts;
  size_t h = size * 2654435761u;
  for (int i = 0; i < 3 && !input.empty(); ++i) {
    h = h * 6364136223846793005ull + 1442695040888963407ull;
    cuts.push_back((h >> 33) % (input.size() + 1));
  }
  std::sort(cuts.begin(), cuts.end());
  check(http1::recordResponses(input, cuts, methods, options) == whole, "split invariance");
  if (input.size() <= 2048) {
    check(http1::recordResponses(input, http1::everyByte(input.size()), methods, options) == whole,
          "split invariance (byte by byte)");
  }
  return 0;
}
