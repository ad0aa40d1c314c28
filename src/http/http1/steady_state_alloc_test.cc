// SPDX-License-Identifier: Apache-2.0
// Checks the "no heap allocation per request in steady state" contract of the HTTP model and
// the HTTP/1.1 codec by counting calls to the global operator new. Its own test binary,
// because it replaces operator new for the whole process.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include "http/http1/hop_by_hop.h"
#include "http/http1/parser.h"
#include "http/http1/serializer.h"
#include "http/path.h"

namespace {
std::atomic<size_t> g_allocations{0};
}  // namespace

void* operator new(size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, size_t) noexcept {
  std::free(p);
}

namespace meshgate::http1 {
namespace {

const std::string kRequest =
    "POST /api/v1/users/12345/profile?include=settings&format=json HTTP/1.1\r\n"
    "Host: api.example.com\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0\r\n"
    "Accept: application/json\r\n"
    "Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2ln\r\n"
    "Cookie: session=abc123; theme=dark\r\n"
    "X-Forwarded-For: 203.0.113.7\r\n"
    "Connection: keep-alive, x-hop\r\n"
    "X-Hop: 1\r\n"
    "TE: trailers\r\n"
    "Transfer-Encoding: chunked\r\n"
    "\r\n"
    "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nx-checksum: 42\r\n\r\n";

const std::string kResponse =
    "HTTP/1.1 100 Continue\r\n\r\n"
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    "2\r\n{}\r\n0\r\n\r\n";

// One full request/response cycle as the proxy runs it.
void cycle(RequestParser& req, ResponseParser& resp, std::string& out, std::string& path,
           http::QueryParams& query) {
  std::string_view in = kRequest;
  while (true) {
    const Event ev = req.parse(in);
    in.remove_prefix(ev.consumed);
    if (ev.type == EventType::Headers) {
      removeHopByHopHeaders(req.head().headers());
      prepareForwardFraming(req.head().headers(), req.framing(), http::Version::Http11);
      req.head().headers().append("x-forwarded-for", "10.0.0.1");
      req.head().headers().set("x-request-id", "7b2c3d4e-1f2a-4b5c-8d9e-0a1b2c3d4e5f");
      const auto opts =
          http::PathNormalizationOptions::fromIstio(http::IstioPathNormalization::MergeSlashes);
      ASSERT_TRUE(http::normalizePath(req.head().path(), opts, path).ok());
      query.parse(req.head().query());
      out.clear();
      appendRequestHead(req.head(), out);
    } else if (ev.type == EventType::Body) {
      appendChunk(ev.body, out);
    } else if (ev.type == EventType::Trailers) {
      appendLastChunk(&req.trailers(), out);
    } else if (ev.type == EventType::MessageComplete) {
      break;
    } else {
      FAIL() << "unexpected request event " << static_cast<int>(ev.type);
    }
  }
  req.resume();
  resp.expectResponse(http::Method::Post);
  in = kResponse;
  while (true) {
    const Event ev = resp.parse(in);
    in.remove_prefix(ev.consumed);
    if (ev.type == EventType::Headers) {
      out.clear();
      appendResponseHead(resp.head(), out);
    } else if (ev.type == EventType::MessageComplete) {
      break;
    } else if (ev.type != EventType::InterimHeaders && ev.type != EventType::Body) {
      FAIL() << "unexpected response event " << static_cast<int>(ev.type);
    }
  }
}

TEST(SteadyStateAllocationTest, RequestResponseCycleAllocatesNothing) {
  RequestParser req;
  ResponseParser resp;
  std::string out;
  std::string path;
  http::QueryParams query;
  for (int i = 0; i < 10; ++i)
    cycle(req, resp, out, path, query);  // warm up capacities
  const size_t before = g_allocations.load();
  for (int i = 0; i < 1000; ++i)
    cycle(req, resp, out, path, query);
  EXPECT_EQ(g_allocations.load() - before, 0u);
}

TEST(SteadyStateAllocationTest, TheCounterSeesAllocations) {
  const size_t before = g_allocations.load();
  http::HeaderMap fresh;
  fresh.add("x", "y");  // a new map allocates its first arena block and entry
  EXPECT_GT(g_allocations.load() - before, 0u);
}

}  // namespace
}  // namespace meshgate::http1
