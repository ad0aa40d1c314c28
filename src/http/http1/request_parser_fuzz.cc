// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for RequestParser. Beyond "no crash", it checks that:
//   - any split of the input yields the same events (whole vs. cut points vs. bytes);
//   - every error carries a 4xx/5xx status and a reason;
//   - every accepted head is well formed (lower-case token names, clean values) and
//     survives serialize → parse unchanged;
//   - body bytes never exceed the announced Content-Length.
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

http1::ParserOptions optionsFor(uint8_t selector) {
  http1::ParserOptions o;
  if (selector & 1) {
    // Small limits, so that the limit paths are reached by small inputs.
    o.max_start_line_bytes = 64;
    o.max_header_bytes = 128;
    o.max_headers = 4;
    o.max_body_bytes = 32;
    o.max_chunk_extension_bytes = 8;
  }
  o.allow_lowercase_methods = (selector & 2) != 0;
  return o;
}

void checkHead(const http::RequestHead& head, const http1::ParserOptions& options) {
  check(http::isToken(head.methodText()), "method is a token");
  check(!head.target().empty(), "target not empty");
  for (char c : head.target())
    check(http::kTargetChar[static_cast<uint8_t>(c)], "target bytes");
  for (const http::HeaderField f : head.headers()) {
    check(http::isToken(f.name), "field name is a token");
    for (char c : f.name)
      check(!(c >= 'A' && c <= 'Z'), "field name is lower-case");
    check(http::isValidHeaderValue(f.value), "field value is clean");
  }
  // Round trip: what we would forward parses back to the same head.
  std::string wire;
  http1::appendRequestHead(head, wire);
  // Serialization normalizes spacing ("a:b" becomes "a: b"), so it may exceed small limits.
  http1::ParserOptions relaxed = options;
  relaxed.max_start_line_bytes = relaxed.max_header_bytes = 1 << 20;
  relaxed.max_headers = 1 << 16;
  http1::RequestParser again(relaxed);
  const http1::Event ev = again.parse(wire);
  check(ev.type == http1::EventType::Headers, "serialized head parses");
  check(ev.consumed == wire.size(), "serialized head fully consumed");
  if (head.targetForm() != http::TargetForm::Absolute) {
    check(again.head() == head, "round trip preserves the head");
  } else {
    check(again.head().path() == head.path() && again.head().query() == head.query(),
          "round trip preserves path and query");
  }
}

void checkDirect(std::string_view input, const http1::ParserOptions& options) {
  http1::RequestParser p(options);
  std::string_view in = input;
  uint64_t body = 0;
  for (int guard = 0; guard < 100000; ++guard) {
    const http1::Event ev = p.parse(in);
    check(ev.consumed <= in.size(), "consumed within input");
    in.remove_prefix(ev.consumed);
    switch (ev.type) {
      case http1::EventType::Headers:
        checkHead(p.head(), options);
        body = 0;
        break;
      case http1::EventType::Body:
        check(!ev.body.empty(), "body events are not empty");
        body += ev.body.size();
        if (p.framing().body == http1::BodyFraming::ContentLength) {
          check(body <= p.framing().content_length, "body within Content-Length");
        }
        check(body <= options.max_body_bytes, "body within limit");
        break;
      case http1::EventType::MessageComplete:
        if (p.framing().body == http1::BodyFraming::ContentLength) {
          check(body == p.framing().content_length, "complete body has Content-Length bytes");
        }
        p.resume();
        break;
      case http1::EventType::Error: {
        const http1::ParseError& e = p.error();
        check(e.status >= 400 && e.status <= 505, "error status");
        check(!e.reason.empty() && !e.message.empty(), "error reason and message");
        return;
      }
      case http1::EventType::NeedMoreData:
        check(in.empty(), "NeedMoreData consumes everything");
        return;
      case http1::EventType::Trailers:
        for (const http::HeaderField f : p.trailers())
          check(http::isToken(f.name), "trailer name");
        break;
      case http1::EventType::InterimHeaders:
      case http1::EventType::Paused:
      case http1::EventType::Closed:
        check(false, "unexpected event for a request parser");
        return;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const http1::ParserOptions options = optionsFor(data[0]);
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);

  checkDirect(input, options);

  const http1::Transcript whole = http1::recordRequests(input, {}, options);
  // A few cut points chosen from the input itself, then (for small inputs) every byte.
  std::vector<size_t> cuts;
  size_t h = size * 2654435761u;
  for (int i = 0; i < 3 && !input.empty(); ++i) {
    h = h * 6364136223846793005ull + 1442695040888963407ull;
    cuts.push_back((h >> 33) % (input.size() + 1));
  }
  std::sort(cuts.begin(), cuts.end());
  check(http1::recordRequests(input, cuts, options) == whole, "split invariance (cuts)");
  if (input.size() <= 2048) {
    check(http1::recordRequests(input, http1::everyByte(input.size()), options) == whole,
          "split invariance (byte by byte)");
  }
  return 0;
}
