// SPDX-License-Identifier: Apache-2.0
#include "http/http1/parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "http/http1/conformance_cases.h"
#include "http/http1/event_recorder.h"

namespace meshgate::http1 {
namespace {

using namespace std::string_literals;

using http::Method;

// Every valid and invalid case below is also checked for split invariance: fed whole, cut
// at every single point, and byte by byte, it must produce the same transcript.
void expectSplitInvariant(std::string_view input, const ParserOptions& options = {}) {
  const Transcript whole = recordRequests(input, {}, options);
  for (size_t cut = 1; cut < input.size(); ++cut) {
    ASSERT_EQ(recordRequests(input, {cut}, options), whole) << "cut at " << cut;
  }
  ASSERT_EQ(recordRequests(input, everyByte(input.size()), options), whole) << "byte by byte";
}

void expectResponseSplitInvariant(std::string_view input, const std::vector<Method>& methods,
                                  const ParserOptions& options = {}) {
  const Transcript whole = recordResponses(input, {}, methods, options);
  for (size_t cut = 1; cut < input.size(); ++cut) {
    ASSERT_EQ(recordResponses(input, {cut}, methods, options), whole) << "cut at " << cut;
  }
  ASSERT_EQ(recordResponses(input, everyByte(input.size()), methods, options), whole);
}

// ------------------------------------------------------------------------------------
// Valid requests: every form RFC 9112 allows.

struct ValidCase {
  std::string name;
  std::string input;
  Transcript expected;
};

std::vector<ValidCase> validRequests() {
  return {
      {"simple GET",
       "GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n",
       {"headers GET /index.html HTTP/1.1 | host: example.com || none ka", "complete", "closed"}},
      {"field OWS trimmed, empty value, obs-text kept, tab inside",
       "GET / HTTP/1.1\r\nHost:example.com  \r\nX-Empty:\r\nX-Tab:\t a\tb \t\r\nX-Obs: "
       "caf\xc3\xa9\r\n\r\n",
       {"headers GET / HTTP/1.1 | host: example.com | x-empty:  | x-tab: a\tb | x-obs: caf\xc3\xa9 "
        "|| none ka",
        "complete", "closed"}},
      {"names lower-cased, any token chars",
       "GET / HTTP/1.1\r\nHOST: h\r\nX-!#$%&'*+-.^_`|~09AZ: v\r\n\r\n",
       {"headers GET / HTTP/1.1 | host: h | x-!#$%&'*+-.^_`|~09az: v || none ka", "complete",
        "closed"}},
      {"content-length body",
       "POST /submit HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world",
       {"headers POST /submit HTTP/1.1 | host: h | content-length: 11 || cl=11 ka",
        "body hello world", "complete", "closed"}},
      {"content-length zero and leading zeros",
       "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 000\r\n\r\n",
       {"headers POST / HTTP/1.1 | host: h | content-length: 000 || cl=0 ka", "complete",
        "closed"}},
      {"chunked with extensions and trailers",
       "POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
       "5;name=value\r\nhello\r\n6 ; a = \"q \\\" s\" ;b\r\n world\r\n"
       "A\r\n0123456789\r\n0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n",
       {"headers POST /up HTTP/1.1 | host: h | transfer-encoding: chunked || chunked ka",
        "body hello world0123456789", "trailers | x-checksum: abc | x-other: 1", "complete",
        "closed"}},
      {"chunked, mixed case coding name, hex upper and lower, no trailers",
       "PUT /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n"
       "a\r\n0123456789\r\nB\r\nabcdefghijk\r\n000\r\n\r\n",
       {"headers PUT /x HTTP/1.1 | host: h | transfer-encoding: Chunked || chunked ka",
        "body 0123456789abcdefghijk", "complete", "closed"}},
      {"last chunk with an extension, OWS around the coding",
       "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding:   chunked \t\r\n\r\n"
       "1\r\na\r\n1;x\r\nb\r\n0;final=\"yes\"\r\n\r\n",
       {"headers POST /x HTTP/1.1 | host: h | transfer-encoding: chunked || chunked ka", "body ab",
        "complete", "closed"}},
      {"HTTP/1.0 body with keep-alive",
       "POST /x HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nhi"
       "GET /y HTTP/1.0\r\n\r\n",
       {"headers POST /x HTTP/1.0 | connection: keep-alive | content-length: 2 || cl=2 ka",
        "body hi", "complete", "headers GET /y HTTP/1.0 || none", "complete", "closed"}},
      {"pipelined requests in order",
       "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nPOST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: "
       "2\r\n\r\nok"
       "GET /3 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
       {"headers GET /1 HTTP/1.1 | host: h || none ka", "complete",
        "headers POST /2 HTTP/1.1 | host: h | content-length: 2 || cl=2 ka", "body ok", "complete",
        "headers GET /3 HTTP/1.1 | host: h | connection: close || none", "complete", "closed"}},
      {"empty lines before a request line are ignored",
       "\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
       {"headers GET / HTTP/1.1 | host: h || none ka", "complete", "closed"}},
      {"absolute-form with matching Host (default port)",
       "GET http://Example.com/a?b HTTP/1.1\r\nHost: example.com:80\r\n\r\n",
       {"headers GET http://Example.com/a?b HTTP/1.1 | host: example.com:80 || none ka", "complete",
        "closed"}},
      {"asterisk-form for OPTIONS",
       "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n",
       {"headers OPTIONS * HTTP/1.1 | host: h || none ka", "complete", "closed"}},
      {"authority-form for CONNECT (parsed; the proxy decides)",
       "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
       {"headers CONNECT example.com:443 HTTP/1.1 | host: example.com:443 || none ka", "complete",
        "closed"}},
      {"HTTP/1.0 without Host, no keep-alive",
       "GET / HTTP/1.0\r\n\r\n",
       {"headers GET / HTTP/1.0 || none", "complete", "closed"}},
      {"HTTP/1.0 keep-alive",
       "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
       {"headers GET / HTTP/1.0 | connection: Keep-Alive || none ka", "complete", "closed"}},
      {"HTTP/1.0 ignores Expect and Upgrade",
       "POST / HTTP/1.0\r\nExpect: something-else\r\nUpgrade: websocket\r\nConnection: upgrade\r\n"
       "Content-Length: 1\r\n\r\nx",
       {"headers POST / HTTP/1.0 | expect: something-else | upgrade: websocket | connection: "
        "upgrade "
        "| content-length: 1 || cl=1",
        "body x", "complete", "closed"}},
      {"Expect: 100-continue with a body",
       "PUT /f HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\nabc",
       {"headers PUT /f HTTP/1.1 | host: h | expect: 100-Continue | content-length: 3 || cl=3 ka "
        "continue",
        "body abc", "complete", "closed"}},
      {"Expect: 100-continue without a body is moot",
       "GET / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n\r\n",
       {"headers GET / HTTP/1.1 | host: h | expect: 100-continue || none ka", "complete",
        "closed"}},
      {"websocket upgrade request",
       "GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: keep-alive, "
       "Upgrade\r\n\r\n",
       {"headers GET /chat HTTP/1.1 | host: h | upgrade: websocket | connection: keep-alive, "
        "Upgrade "
        "|| none ka upgrade",
        "complete", "closed"}},
      {"Connection with empty elements and a nominated field",
       "GET / HTTP/1.1\r\nHost: h\r\nConnection: , x-foo ,, close\r\n\r\n",
       {"headers GET / HTTP/1.1 | host: h | connection: , x-foo ,, close || none", "complete",
        "closed"}},
      {"IPv6 Host with port",
       "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n",
       {"headers GET / HTTP/1.1 | host: [::1]:8080 || none ka", "complete", "closed"}},
      {"extension method and lenient target characters",
       "PROPFIND /a/{b}|c\"d^e`<>\\ HTTP/1.1\r\nHost: h\r\n\r\n",
       {"headers PROPFIND /a/{b}|c\"d^e`<>\\ HTTP/1.1 | host: h || none ka", "complete", "closed"}},
  };
}

TEST(RequestParserTest, ValidRequests) {
  for (const ValidCase& c : validRequests()) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(recordRequests(c.input, {}), c.expected);
    expectSplitInvariant(c.input);
  }
}

// ------------------------------------------------------------------------------------
// Rejections: one row per smuggling / validity rule, with the status and reason.

const std::string kPre = "GET / HTTP/1.1\r\nHost: h\r\n";
const std::string kPost = "POST / HTTP/1.1\r\nHost: h\r\n";

TEST(RequestParserTest, Rejections) {
  for (const RejectCase& c : rejectedRequestCases()) {
    SCOPED_TRACE(c.name);
    const Transcript t = recordRequests(c.request, {});
    ASSERT_FALSE(t.empty());
    EXPECT_EQ(t.back(), "error " + c.reason + " " + std::to_string(c.status));
    // Nothing of a rejected message except possibly its head and body prefix is delivered.
    for (const std::string& line : t)
      EXPECT_NE(line, "complete");
    expectSplitInvariant(c.request);
  }
}

TEST(RequestParserTest, ErrorDescriptions) {
  RequestParser p;
  Event ev = p.parse("GET http://u@h/ HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_EQ(ev.type, EventType::Error);
  EXPECT_EQ(p.error().code, ParseErrorCode::InvalidTarget);
  EXPECT_EQ(p.error().status, 400);
  EXPECT_EQ(p.error().message, http::targetErrorMessage(http::TargetError::UserInfo));
  // The parser stays in the error state.
  ev = p.parse("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(ev.type, EventType::Error);
  EXPECT_EQ(ev.consumed, 0u);
  for (int c = 1; c <= static_cast<int>(ParseErrorCode::PrematureClose); ++c) {
    const ParseError e = describe(static_cast<ParseErrorCode>(c), Direction::Request);
    EXPECT_TRUE(e.reason.starts_with("http1.")) << c;
    EXPECT_FALSE(e.message.empty()) << c;
    EXPECT_GE(e.status, 400) << c;
    EXPECT_EQ(describe(static_cast<ParseErrorCode>(c), Direction::Response).status, 502);
  }
}

// ------------------------------------------------------------------------------------
// Limits

TEST(RequestParserTest, StartLineLimit) {
  ParserOptions o;
  o.max_start_line_bytes = 64;
  const std::string ok = "GET /" + std::string(48, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n";
  ASSERT_EQ(ok.find("\r\n"), 62u);  // line + CRLF = 64 bytes exactly
  EXPECT_EQ(recordRequests(ok, {}, o)[1], "complete");
  const std::string too_long = "GET /" + std::string(49, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n";
  EXPECT_EQ(recordRequests(too_long, {}, o).back(), "error http1.start_line_too_long 414");
  expectSplitInvariant(too_long, o);
  // A line that never ends is rejected as soon as it crosses the limit.
  RequestParser p(o);
  const std::string endless = "GET /" + std::string(1000, 'a');
  const Event ev = p.parse(endless);
  EXPECT_EQ(ev.type, EventType::Error);
  EXPECT_EQ(p.error().status, 414);
  // Empty lines before the request line count toward the limit.
  std::string crlfs;
  for (int i = 0; i < 40; ++i)
    crlfs += "\r\n";
  EXPECT_EQ(recordRequests(crlfs + "GET / HTTP/1.1\r\nHost: h\r\n\r\n", {}, o).back(),
            "error http1.start_line_too_long 414");
}

TEST(RequestParserTest, HeaderBytesLimit) {
  ParserOptions o;
  o.max_header_bytes = 100;
  // Field lines + CRLF of the end of the head: "Host: h\r\n" (9) + "X: " + v + "\r\n" + "\r\n".
  const std::string fits =
      "GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(100 - 9 - 5 - 2, 'v') + "\r\n\r\n";
  EXPECT_EQ(recordRequests(fits, {}, o)[1], "complete");
  const std::string over =
      "GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(100 - 9 - 5 - 1, 'v') + "\r\n\r\n";
  EXPECT_EQ(recordRequests(over, {}, o).back(), "error http1.headers_too_large 431");
  expectSplitInvariant(over, o);
  // Default: 60 KiB.
  std::string big = "GET / HTTP/1.1\r\nHost: h\r\n";
  for (int i = 0; i < 70; ++i)
    big += "X-" + std::to_string(i) + ": " + std::string(1000, 'v') + "\r\n";
  big += "\r\n";
  EXPECT_EQ(recordRequests(big, {}).back(), "error http1.headers_too_large 431");
}

TEST(RequestParserTest, HeaderCountLimit) {
  std::string req = "GET / HTTP/1.1\r\nHost: h\r\n";
  for (int i = 0; i < 99; ++i)
    req += "X-" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(recordRequests(req + "\r\n", {})[1], "complete");  // exactly 100
  req += "X-Over: v\r\n\r\n";
  EXPECT_EQ(recordRequests(req, {}).back(), "error http1.too_many_headers 431");
  ParserOptions o;
  o.max_headers = 2;
  EXPECT_EQ(recordRequests("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n\r\n", {}, o).back(),
            "error http1.too_many_headers 431");
}

TEST(RequestParserTest, BodyLimit) {
  ParserOptions o;
  o.max_body_bytes = 10;
  EXPECT_EQ(recordRequests(kPost + "Content-Length: 10\r\n\r\n0123456789", {}, o)[2], "complete");
  EXPECT_EQ(recordRequests(kPost + "Content-Length: 11\r\n\r\n01234567890", {}, o).back(),
            "error http1.body_too_large 413");
  const std::string chunked =
      kPost + "Transfer-Encoding: chunked\r\n\r\n5\r\n01234\r\n6\r\n012345\r\n0\r\n\r\n";
  const Transcript t = recordRequests(chunked, {}, o);
  // The first chunk streams; the second is refused from its size line, before its data.
  EXPECT_EQ(t[1], "body 01234");
  EXPECT_EQ(t.back(), "error http1.body_too_large 413");
  expectSplitInvariant(chunked, o);
  EXPECT_EQ(recordRequests(
                kPost + "Transfer-Encoding: chunked\r\n\r\n5\r\n01234\r\n5\r\n56789\r\n0\r\n\r\n",
                {}, o)[2],
            "complete");
}

TEST(RequestParserTest, TrailerLimits) {
  ParserOptions o;
  o.max_headers = 3;
  const std::string base = kPost + "Transfer-Encoding: chunked\r\n\r\n0\r\n";
  EXPECT_EQ(recordRequests(base + "A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", {}, o).back(),
            "error http1.too_many_trailers 431");
  o = ParserOptions{};
  o.max_header_bytes = 40;
  EXPECT_EQ(
      recordRequests("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: " +
                         std::string(50, 'v') + "\r\n\r\n",
                     {}, o)
          .back(),
      "error http1.trailers_too_large 431");
}

TEST(RequestParserTest, LowercaseMethodsCanBeAllowed) {
  ParserOptions o;
  o.allow_lowercase_methods = true;
  const Transcript t = recordRequests("get / HTTP/1.1\r\nHost: h\r\n\r\n", {}, o);
  EXPECT_EQ(t[0], "headers get / HTTP/1.1 | host: h || none ka");
}

// ------------------------------------------------------------------------------------
// Pull protocol: pause, resume, finish, views

TEST(RequestParserTest, PausesAfterEachMessage) {
  RequestParser p;
  const std::string two = "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n";
  std::string_view in = two;
  Event ev = p.parse(in);
  ASSERT_EQ(ev.type, EventType::Headers);
  EXPECT_EQ(p.head().path(), "/1");
  in.remove_prefix(ev.consumed);
  ev = p.parse(in);
  ASSERT_EQ(ev.type, EventType::MessageComplete);
  EXPECT_EQ(ev.consumed, 0u);
  // Until resume(), nothing more is parsed and the head stays valid.
  ev = p.parse(in);
  EXPECT_EQ(ev.type, EventType::Paused);
  EXPECT_EQ(ev.consumed, 0u);
  EXPECT_TRUE(p.paused());
  EXPECT_EQ(p.head().path(), "/1");
  p.resume();
  ev = p.parse(in);
  ASSERT_EQ(ev.type, EventType::Headers);
  EXPECT_EQ(p.head().path(), "/2");
  EXPECT_EQ(ev.consumed, in.size());
}

TEST(RequestParserTest, BodyViewsPointIntoTheInput) {
  RequestParser p;
  const std::string req = kPost + "Content-Length: 5\r\n\r\nhelloEXTRA";
  Event ev = p.parse(req);
  ASSERT_EQ(ev.type, EventType::Headers);
  const size_t head_len = ev.consumed;
  ev = p.parse(std::string_view(req).substr(head_len));
  ASSERT_EQ(ev.type, EventType::Body);
  EXPECT_EQ(ev.body, "hello");
  EXPECT_EQ(ev.body.data(), req.data() + head_len);
  EXPECT_EQ(ev.consumed, 5u);
  EXPECT_EQ(p.bodyBytes(), 5u);
  EXPECT_EQ(p.parse("EXTRA").type, EventType::MessageComplete);
}

TEST(RequestParserTest, FinishBetweenAndInsideMessages) {
  {
    RequestParser p;
    EXPECT_EQ(p.finish().type, EventType::Closed);
  }
  {
    RequestParser p;
    EXPECT_EQ(p.parse("GET / HT").type, EventType::NeedMoreData);
    EXPECT_EQ(p.finish().type, EventType::Error);
    EXPECT_EQ(p.error().reason, "http1.premature_close");
  }
  {
    RequestParser p;
    EXPECT_EQ(recordRequests(kPost + "Content-Length: 5\r\n\r\nhel", {}).back(),
              "error http1.premature_close 400");
    EXPECT_EQ(recordRequests(kPost + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", {}).back(),
              "error http1.premature_close 400");
  }
}

TEST(RequestParserTest, ReleaseMemoryWhenIdle) {
  RequestParser p;
  EXPECT_TRUE(p.idle());
  const std::string req = "GET /a HTTP/1.1\r\nHost: h\r\nX: " + std::string(5000, 'v') + "\r\n\r\n";
  ASSERT_EQ(p.parse(req).type, EventType::Headers);
  EXPECT_FALSE(p.idle());
  ASSERT_EQ(p.parse({}).type, EventType::MessageComplete);
  p.resume();
  EXPECT_TRUE(p.idle());
  p.releaseMemory();
  EXPECT_TRUE(p.head().headers().empty());
  // Still fully usable.
  EXPECT_EQ(recordRequests("GET / HTTP/1.1\r\nHost: h\r\n\r\n", {})[1], "complete");
  ASSERT_EQ(p.parse("GET /b HTTP/1.1\r\nHost: h\r\n\r\n").type, EventType::Headers);
  EXPECT_EQ(p.head().path(), "/b");
  const Event ev = p.parse("GE");  // the next request's bytes wait for resume()
  EXPECT_EQ(ev.type, EventType::MessageComplete);
  EXPECT_EQ(ev.consumed, 0u);

  ResponseParser r;
  r.releaseMemory();
  r.expectResponse(Method::Get);
  ASSERT_EQ(r.parse("HTTP/1.1 204 No Content\r\n\r\n").type, EventType::Headers);
  ASSERT_EQ(r.parse({}).type, EventType::MessageComplete);
  r.releaseMemory();
  EXPECT_EQ(r.head().status(), 200);
}

TEST(RequestParserTest, HeadIsReusedWithoutGrowth) {
  RequestParser p;
  const std::string req =
      "GET /path?x=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: test\r\nAccept: */*\r\n\r\n";
  for (int i = 0; i < 100; ++i) {
    Event ev = p.parse(req);
    ASSERT_EQ(ev.type, EventType::Headers);
    ASSERT_EQ(p.parse({}).type, EventType::MessageComplete);
    EXPECT_EQ(p.head().headers().size(), 3u);
    EXPECT_EQ(p.head().query(), "x=1");
    p.resume();
  }
}

// ------------------------------------------------------------------------------------
// Responses

struct ResponseCase {
  std::string name;
  std::string input;
  std::vector<Method> methods;
  Transcript expected;
};

std::vector<ResponseCase> validResponses() {
  return {
      {"content-length",
       "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
       {Method::Get},
       {"headers HTTP/1.1 200 OK | content-length: 5 || cl=5 ka", "body hello", "complete",
        "closed"}},
      {"chunked with trailers",
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\ngrpc-status: "
       "0\r\n\r\n",
       {Method::Post},
       {"headers HTTP/1.1 200 OK | transfer-encoding: chunked || chunked ka", "body abc",
        "trailers | grpc-status: 0", "complete", "closed"}},
      {"close-delimited ends at EOF",
       "HTTP/1.1 200 OK\r\n\r\nall of it",
       {Method::Get},
       {"headers HTTP/1.1 200 OK || close-delimited", "body all of it", "complete"}},
      {"HTTP/1.0 close-delimited",
       "HTTP/1.0 200 OK\r\nServer: old\r\n\r\nbody",
       {Method::Get},
       {"headers HTTP/1.0 200 OK | server: old || close-delimited", "body body", "complete"}},
      {"HTTP/1.0 keep-alive with length",
       "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx",
       {Method::Get},
       {"headers HTTP/1.0 200 OK | connection: keep-alive | content-length: 1 || cl=1 ka", "body x",
        "complete", "closed"}},
      {"HEAD response has no body despite Content-Length",
       "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n",
       {Method::Head},
       {"headers HTTP/1.1 200 OK | content-length: 1000 || none ka", "complete", "closed"}},
      {"HEAD response with chunked has no body",
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
       {Method::Head},
       {"headers HTTP/1.1 200 OK | transfer-encoding: chunked || none ka", "complete", "closed"}},
      {"204 and 304 have no body",
       "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n",
       {Method::Delete, Method::Get},
       {"headers HTTP/1.1 204 No Content || none ka", "complete",
        "headers HTTP/1.1 304 Not Modified | content-length: 10 || none ka", "complete", "closed"}},
      {"100 Continue then final",
       "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
       {Method::Put},
       {"interim HTTP/1.1 100 Continue",
        "headers HTTP/1.1 201 Created | content-length: 2 || cl=2 ka", "body ok", "complete",
        "closed"}},
      {"103 Early Hints with fields, then final",
       "HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n"
       "HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
       {Method::Get},
       {"interim HTTP/1.1 103 Early Hints | link: </s.css>; rel=preload",
        "interim HTTP/1.1 102 Processing", "headers HTTP/1.1 200 OK | content-length: 0 || cl=0 ka",
        "complete", "closed"}},
      {"101 switches to a tunnel",
       "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: "
       "Upgrade\r\n\r\n\x81\x05hello",
       {Method::Get},
       {"headers HTTP/1.1 101 Switching Protocols | upgrade: websocket | connection: Upgrade || "
        "tunnel",
        "complete", "closed"}},
      {"2xx to CONNECT is a tunnel",
       "HTTP/1.1 200 Connection established\r\n\r\nraw bytes",
       {Method::Connect},
       {"headers HTTP/1.1 200 Connection established || tunnel", "complete", "closed"}},
      {"no reason phrase, no space",
       "HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n",
       {Method::Get},
       {"headers HTTP/1.1 404  | content-length: 0 || cl=0 ka", "complete", "closed"}},
      {"empty reason phrase",
       "HTTP/1.1 500 \r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
       {Method::Get},
       {"headers HTTP/1.1 500  | content-length: 0 | connection: close || cl=0", "complete",
        "closed"}},
      {"keep-alive responses in sequence",
       "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb",
       {Method::Get, Method::Get},
       {"headers HTTP/1.1 200 OK | content-length: 1 || cl=1 ka", "body a", "complete",
        "headers HTTP/1.1 200 OK | content-length: 1 || cl=1 ka", "body b", "complete", "closed"}},
  };
}

TEST(ResponseParserTest, ValidResponses) {
  for (const ResponseCase& c : validResponses()) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(recordResponses(c.input, {}, c.methods), c.expected);
    expectResponseSplitInvariant(c.input, c.methods);
  }
}

TEST(ResponseParserTest, Rejections) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
       "http1.content_length_and_transfer_encoding"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
       "http1.multiple_content_length"},
      {"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "http1.invalid_content_length"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", "http1.transfer_encoding_not_chunked"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
       "http1.unsupported_transfer_encoding"},
      {"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "http1.transfer_encoding_http10"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "http1.invalid_chunk_size"},
      {"HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", "http1.obs_fold"},
      {"HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n", "http1.bare_lf"},
      {"HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n", "http1.bare_cr"},
      {"HTTP/1.1 200 OK\r\nX : a\r\n\r\n", "http1.whitespace_before_colon"},
      {"HTTP/1.1 2000 OK\r\n\r\n", "http1.invalid_status"},
      {"HTTP/1.1 20 OK\r\n\r\n", "http1.invalid_status"},
      {"HTTP/1.1 099 Low\r\n\r\n", "http1.invalid_status"},
      {"HTTP/1.1 600 High\r\n\r\n", "http1.invalid_status"},
      {"HTTP/1.1 abc OK\r\n\r\n", "http1.invalid_status"},
      {"HTTP/1.1 200 O\x01K\r\n\r\n", "http1.invalid_status_line"},
      {"HTTP/2.0 200 OK\r\n\r\n", "http1.unsupported_version"},
      {"HTTP/1.1  200 OK\r\n\r\n", "http1.invalid_status"},
      {"http/1.1 200 OK\r\n\r\n", "http1.invalid_status_line"},
      {"ICY 200 OK\r\n\r\n", "http1.invalid_status_line"},
      {"\r\nHTTP/1.1 200 OK\r\n\r\n", "http1.invalid_status_line"},
      {"HTTP/1.1 200 OK\r\nConnection: content-length\r\nContent-Length: 1\r\n\r\nx",
       "http1.connection_protected_header"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel", "http1.premature_close"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
       "http1.premature_close"},
      {"HTTP/1.1 200 OK\r\nContent-Le", "http1.premature_close"},
      {"", "http1.premature_close"},
  };
  for (const auto& [input, reason] : cases) {
    SCOPED_TRACE(input);
    const Transcript t = recordResponses(input, {}, {Method::Get});
    ASSERT_FALSE(t.empty());
    EXPECT_EQ(t.back(), "error " + reason + " 502");
    expectResponseSplitInvariant(input, {Method::Get});
  }
}

TEST(ResponseParserTest, TooManyInterimResponses) {
  std::string in;
  for (int i = 0; i < 17; ++i)
    in += "HTTP/1.1 100 Continue\r\n\r\n";
  EXPECT_EQ(recordResponses(in, {}, {Method::Get}).back(),
            "error http1.too_many_interim_responses 502");
}

TEST(ResponseParserTest, WaitsForExpectResponse) {
  ResponseParser p;
  EXPECT_TRUE(p.paused());
  Event ev = p.parse("HTTP/1.1 200 OK\r\n\r\n");
  EXPECT_EQ(ev.type, EventType::Paused);
  EXPECT_EQ(ev.consumed, 0u);
  EXPECT_EQ(p.finish().type, EventType::Closed);
  ResponseParser q;
  q.expectResponse(Method::Get);
  EXPECT_EQ(q.finish().type, EventType::Error);
  EXPECT_EQ(q.error().reason, "http1.premature_close");
  EXPECT_EQ(q.error().status, 502);
}

TEST(ResponseParserTest, CloseDelimitedBodyLimit) {
  ParserOptions o;
  o.max_body_bytes = 4;
  EXPECT_EQ(recordResponses("HTTP/1.1 200 OK\r\n\r\nabcde", {}, {Method::Get}, o).back(),
            "error http1.body_too_large 502");
}

}  // namespace
}  // namespace meshgate::http1
