// SPDX-License-Identifier: Apache-2.0
#include "http/http1/serializer.h"

#include <gtest/gtest.h>

#include <string>

#include "http/http1/event_recorder.h"
#include "http/http1/parser.h"

namespace meshgate::http1 {
namespace {

using http::Method;

TEST(SerializerTest, RequestHead) {
  http::RequestHead h;
  h.setMethod("POST");
  ASSERT_EQ(h.setTarget("/submit?x=1"), http::TargetError::None);
  h.headers().add("Host", "example.com");
  h.headers().add("Content-Type", "text/plain");
  std::string out = "prefix|";
  appendRequestHead(h, out);
  EXPECT_EQ(
      out,
      "prefix|POST /submit?x=1 HTTP/1.1\r\nhost: example.com\r\ncontent-type: text/plain\r\n\r\n");
  EXPECT_EQ(requestHeadSize(h), out.size() - 7);
  out.clear();
  appendRequestHead(h, out, HeaderCase::ProperCase);
  EXPECT_EQ(out,
            "POST /submit?x=1 HTTP/1.1\r\nHost: example.com\r\nContent-Type: text/plain\r\n\r\n");
}

TEST(SerializerTest, AbsoluteFormIsSentInOriginForm) {
  http::RequestHead h;
  ASSERT_EQ(h.setTarget("http://example.com?q"), http::TargetError::None);
  h.headers().add("host", "example.com");
  std::string out;
  appendRequestHead(h, out);
  EXPECT_EQ(out, "GET /?q HTTP/1.1\r\nhost: example.com\r\n\r\n");
  EXPECT_EQ(requestHeadSize(h), out.size());
  h.setVersion(http::Version::Http10);
  ASSERT_EQ(h.setTarget("https://example.com/a/b"), http::TargetError::None);
  out.clear();
  appendRequestHead(h, out);
  EXPECT_EQ(out, "GET /a/b HTTP/1.0\r\nhost: example.com\r\n\r\n");
}

TEST(SerializerTest, ResponseHead) {
  http::ResponseHead r;
  r.setStatus(404);
  r.headers().add("content-length", "0");
  std::string out;
  appendResponseHead(r, out);
  EXPECT_EQ(out, "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n");
  EXPECT_EQ(responseHeadSize(r), out.size());
  r.setStatus(299);
  out.clear();
  appendResponseHead(r, out);
  EXPECT_EQ(out, "HTTP/1.1 299\r\ncontent-length: 0\r\n\r\n");
  ASSERT_TRUE(r.setReason("Custom Reason"));
  r.setVersion(http::Version::Http10);
  out.clear();
  appendResponseHead(r, out, HeaderCase::ProperCase);
  EXPECT_EQ(out, "HTTP/1.0 299 Custom Reason\r\nContent-Length: 0\r\n\r\n");
}

TEST(SerializerTest, WriteIntoRawBuffer) {
  http::ResponseHead r;
  r.headers().add("x", "y");
  std::string buf(responseHeadSize(r), '\0');
  char* end = writeResponseHead(r, buf.data());
  EXPECT_EQ(static_cast<size_t>(end - buf.data()), buf.size());
  EXPECT_EQ(buf, "HTTP/1.1 200 OK\r\nx: y\r\n\r\n");
}

TEST(SerializerTest, Chunks) {
  std::string out;
  appendChunk("hello", out);
  appendChunk("", out);
  appendChunk(std::string(300, 'x'), out);
  EXPECT_EQ(out.substr(0, 10), "5\r\nhello\r\n");
  EXPECT_EQ(out.substr(10, 5), "12C\r\n");
  EXPECT_EQ(out.size(), 10u + 5 + 300 + 2);
  char hdr[kMaxChunkHeaderSize];
  EXPECT_EQ(std::string(hdr, writeChunkHeader(1, hdr)), "1\r\n");
  EXPECT_EQ(std::string(hdr, writeChunkHeader(0xABCDEF, hdr)), "ABCDEF\r\n");
  EXPECT_EQ(std::string(hdr, writeChunkHeader(UINT64_MAX, hdr)), "FFFFFFFFFFFFFFFF\r\n");
  out.clear();
  appendLastChunk(nullptr, out);
  EXPECT_EQ(out, "0\r\n\r\n");
  http::HeaderMap t;
  t.add("grpc-status", "0");
  out.clear();
  appendLastChunk(&t, out);
  EXPECT_EQ(out, "0\r\ngrpc-status: 0\r\n\r\n");
}

TEST(SerializerTest, LocalReply) {
  std::string out;
  http::HeaderMap extra;
  extra.add("server", "meshgate");
  LocalReply r;
  r.status = 403;
  r.body = "RBAC: access denied";
  r.date = "Sun, 06 Nov 1994 08:49:37 GMT";
  r.headers = &extra;
  appendLocalReply(r, out);
  EXPECT_EQ(out,
            "HTTP/1.1 403 Forbidden\r\ncontent-length: 19\r\ncontent-type: text/plain\r\n"
            "date: Sun, 06 Nov 1994 08:49:37 GMT\r\nserver: meshgate\r\n\r\nRBAC: access denied");
  out.clear();
  r = LocalReply{};
  r.status = 400;
  r.body = "bad";
  r.close_connection = true;
  r.head_request = true;
  appendLocalReply(r, out);
  EXPECT_EQ(out,
            "HTTP/1.1 400 Bad Request\r\ncontent-length: 3\r\ncontent-type: text/plain\r\n"
            "connection: close\r\n\r\n");
  out.clear();
  r = LocalReply{};
  r.status = 204;
  r.body = "ignored";
  appendLocalReply(r, out);
  EXPECT_EQ(out, "HTTP/1.1 204 No Content\r\n\r\n");
  out.clear();
  r.status = 100;
  appendLocalReply(r, out);
  EXPECT_EQ(out, "HTTP/1.1 100 Continue\r\n\r\n");
}

// Serialize → parse gives back the same message.
TEST(SerializerTest, RequestRoundTrip) {
  http::RequestHead h;
  h.setMethod("PATCH");
  ASSERT_EQ(h.setTarget("/r/%2F?a=b&c"), http::TargetError::None);
  h.headers().add("host", "svc.local:8080");
  h.headers().add("x-multi", "1");
  h.headers().add("x-multi", "2");
  h.headers().add("transfer-encoding", "chunked");
  h.headers().add("x-empty", "");
  std::string wire;
  appendRequestHead(h, wire);
  appendChunk("part one,", wire);
  appendChunk(" part two", wire);
  http::HeaderMap trailers;
  trailers.add("x-sum", "42");
  appendLastChunk(&trailers, wire);

  RequestParser p;
  std::string_view in = wire;
  Event ev = p.parse(in);
  ASSERT_EQ(ev.type, EventType::Headers);
  EXPECT_EQ(p.head(), h);
  EXPECT_EQ(p.framing().body, BodyFraming::Chunked);
  in.remove_prefix(ev.consumed);
  std::string body;
  while (true) {
    ev = p.parse(in);
    in.remove_prefix(ev.consumed);
    if (ev.type == EventType::Body) {
      body.append(ev.body);
    } else if (ev.type == EventType::Trailers) {
      EXPECT_EQ(p.trailers(), trailers);
    } else {
      break;
    }
  }
  EXPECT_EQ(ev.type, EventType::MessageComplete);
  EXPECT_EQ(body, "part one, part two");
  EXPECT_TRUE(in.empty());
}

TEST(SerializerTest, ResponseRoundTrip) {
  http::ResponseHead r;
  r.setStatus(201);
  ASSERT_TRUE(r.setReason("Created Here"));
  r.headers().add("content-length", "4");
  r.headers().add("set-cookie", "a=1");
  r.headers().add("set-cookie", "b=2");
  std::string wire;
  appendResponseHead(r, wire);
  wire += "body";
  const Transcript t = recordResponses(wire, {}, {Method::Post});
  EXPECT_EQ(t, (Transcript{"headers " + describeHead(r) + " || cl=4 ka", "body body", "complete",
                           "closed"}));
}

TEST(SerializerTest, LocalReplyParses) {
  std::string wire;
  LocalReply r;
  r.status = 431;
  r.body = "headers too large";
  r.close_connection = true;
  appendLocalReply(r, wire);
  const Transcript t = recordResponses(wire, {}, {Method::Get});
  EXPECT_EQ(
      t[0],
      "headers HTTP/1.1 431 Request Header Fields Too Large | content-length: 17 | content-type: "
      "text/plain | connection: close || cl=17");
  EXPECT_EQ(t[1], "body headers too large");
}

}  // namespace
}  // namespace meshgate::http1
