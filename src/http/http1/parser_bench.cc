// SPDX-License-Identifier: Apache-2.0
// Micro-benchmarks for the HTTP/1.1 parser and serializer.
#include <benchmark/benchmark.h>

#include <string>

#include "http/http1/parser.h"
#include "http/http1/serializer.h"

namespace meshgate::http1 {
namespace {

// A typical browser/API request head: ~500 bytes, 12 fields.
const std::string kRequest =
    "GET /api/v1/users/12345/profile?include=settings&format=json HTTP/1.1\r\n"
    "Host: api.example.com\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36\r\n"
    "Accept: application/json, text/plain, */*\r\n"
    "Accept-Language: en-US,en;q=0.9\r\n"
    "Accept-Encoding: gzip, deflate, br\r\n"
    "Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2ln\r\n"
    "Cookie: session=abc123; theme=dark\r\n"
    "X-Request-Id: 7b2c3d4e-1f2a-4b5c-8d9e-0a1b2c3d4e5f\r\n"
    "X-Forwarded-For: 203.0.113.7\r\n"
    "Connection: keep-alive\r\n"
    "Cache-Control: no-cache\r\n"
    "Referer: https://app.example.com/dashboard\r\n"
    "\r\n";

const std::string kResponse =
    "HTTP/1.1 200 OK\r\n"
    "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
    "Server: nginx\r\n"
    "Content-Type: application/json\r\n"
    "Content-Length: 2\r\n"
    "Cache-Control: private, max-age=0\r\n"
    "X-Request-Id: 7b2c3d4e-1f2a-4b5c-8d9e-0a1b2c3d4e5f\r\n"
    "\r\n{}";

// Parse one request head, as the proxy does for each request on a keep-alive connection.
void BM_ParseRequestHead(benchmark::State& state) {
  RequestParser p;
  for (auto _ : state) {
    Event ev = p.parse(kRequest);
    benchmark::DoNotOptimize(ev);
    ev = p.parse({});  // MessageComplete
    p.resume();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(kRequest.size()));
  state.counters["head_bytes"] = static_cast<double>(kRequest.size());
}
BENCHMARK(BM_ParseRequestHead);

// The same head arriving in two reads (the carried partial line path).
void BM_ParseRequestHeadSplit(benchmark::State& state) {
  RequestParser p;
  const std::string_view a = std::string_view(kRequest).substr(0, kRequest.size() / 2);
  const std::string_view b = std::string_view(kRequest).substr(kRequest.size() / 2);
  for (auto _ : state) {
    benchmark::DoNotOptimize(p.parse(a));
    benchmark::DoNotOptimize(p.parse(b));
    benchmark::DoNotOptimize(p.parse({}));
    p.resume();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseRequestHeadSplit);

void BM_ParseResponse(benchmark::State& state) {
  ResponseParser p;
  for (auto _ : state) {
    p.expectResponse(http::Method::Get);
    std::string_view in = kResponse;
    while (true) {
      const Event ev = p.parse(in);
      in.remove_prefix(ev.consumed);
      if (ev.type == EventType::MessageComplete || ev.type == EventType::Error) break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseResponse);

// De-chunking throughput: 64 KiB in 4 KiB chunks.
void BM_ParseChunkedBody(benchmark::State& state) {
  std::string body;
  const std::string chunk(4096, 'x');
  for (int i = 0; i < 16; ++i)
    appendChunk(chunk, body);
  appendLastChunk(nullptr, body);
  const std::string head = "POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
  RequestParser p;
  for (auto _ : state) {
    std::string_view in = head;
    Event ev = p.parse(in);
    in = body;
    while (true) {
      ev = p.parse(in);
      in.remove_prefix(ev.consumed);
      if (ev.type == EventType::MessageComplete || ev.type == EventType::Error) break;
    }
    p.resume();
  }
  state.SetBytesProcessed(state.iterations() * 16 * 4096);
}
BENCHMARK(BM_ParseChunkedBody);

void BM_SerializeRequestHead(benchmark::State& state) {
  RequestParser p;
  p.parse(kRequest);
  const http::RequestHead& head = p.head();
  std::string out;
  for (auto _ : state) {
    out.clear();
    appendRequestHead(head, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SerializeRequestHead);

}  // namespace
}  // namespace meshgate::http1

BENCHMARK_MAIN();
