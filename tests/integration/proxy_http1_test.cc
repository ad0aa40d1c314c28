// SPDX-License-Identifier: Apache-2.0
// HTTP/1.1 behaviour of the real binary with raw sockets: every request-smuggling
// defence answers with its status and never reaches the upstream; pipelining,
// chunked bodies both ways, Expect: 100-continue, hop-by-hop removal, limits.
#include <gtest/gtest.h>

#include "http/http1/conformance_cases.h"
#include "tests/integration/proxy_fixture.h"

namespace meshgate::integration {
namespace {

using testing::HttpConnection;
using testing::MeshgateProcess;
using testing::TestUpstream;

class Http1Test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    upstream_ = new TestUpstream([](const testing::ReceivedRequest& req) {
      testing::UpstreamReply r;
      r.body = req.method + " " + req.target + " body=" + req.body;
      return r;
    });
    std::string yaml =
        baseConfig(
            "  limits:\n    maxRequestHeadersBytes: 8192\n    maxRequestHeaders: 50\n"
            "    maxUriLength: 2048\n    maxRequestBodyBytes: 100000\n") +
        serviceEntry("up", "up.local", upstream_->port()) +
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: r}\nspec:\n"
        "  hosts: [\"*\"]\n  http:\n  - route: [{destination: {host: up.local}}]\n";
    mg_ = new MeshgateProcess(MG_BINARY, yaml);
    port_ = mg_->listenerPort("default/main");
  }
  static void TearDownTestSuite() {
    delete mg_;
    delete upstream_;
  }

  /// Sends raw bytes on a fresh connection and returns the response status
  /// (0 when the connection closed without one).
  int statusFor(const std::string& raw) {
    HttpConnection c(port_);
    if (!c.send(raw)) return 0;
    auto r = c.readResponse();
    return r ? r->status : 0;
  }

  static TestUpstream* upstream_;
  static MeshgateProcess* mg_;
  static uint16_t port_;
};

TestUpstream* Http1Test::upstream_ = nullptr;
MeshgateProcess* Http1Test::mg_ = nullptr;
uint16_t Http1Test::port_ = 0;

struct SmugglingCase {
  const char* name;
  const char* raw;
  int status;
};

TEST_F(Http1Test, SmugglingAttemptsAreRejectedAndNeverForwarded) {
  const SmugglingCase cases[] = {
      {"cl_and_te",
       "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: "
       "chunked\r\n\r\n0\r\n\r\n",
       400},
      {"te_and_cl",
       "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: "
       "4\r\n\r\n0\r\n\r\n",
       400},
      {"duplicate_cl",
       "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\nabcd", 400},
      {"cl_list", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4, 4\r\n\r\nabcd", 400},
      {"cl_plus_sign", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +4\r\n\r\nabcd", 400},
      {"cl_minus_sign", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400},
      {"cl_hex", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x4\r\n\r\nabcd", 400},
      {"cl_overflow", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n",
       400},
      {"cl_2_pow_63", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9223372036854775808\r\n\r\n",
       400},
      {"cl_space_inside", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n", 400},
      // RFC 9112 §6.3: chunked not final -> 400; §6.1: an unknown coding before it -> 501.
      {"te_not_chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 400},
      {"te_chunked_not_last",
       "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400},
      {"te_unknown_coding",
       "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501},
      {"te_chunked_twice",
       "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", 400},
      {"te_two_fields",
       "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: "
       "chunked\r\n\r\n0\r\n\r\n",
       400},
      {"te_http10", "POST / HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
       400},
      {"te_obfuscated", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n", 400},
      {"chunk_size_invalid",
       "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
       400},
      {"chunk_size_overflow",
       "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n",
       400},
      {"chunk_missing_crlf",
       "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n",
       400},
      {"chunk_bare_lf",
       "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n", 400},
      {"obs_fold", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n", 400},
      {"bare_lf_head", "GET / HTTP/1.1\nHost: a\n\n", 400},
      {"bare_cr_in_value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\rc\r\n\r\n", 400},
      {"nul_in_value",
       std::string_view("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\0c\r\n\r\n", 41).data(), 400},
      {"space_before_colon", "GET / HTTP/1.1\r\nHost: a\r\nContent-Length : 0\r\n\r\n", 400},
      {"tab_before_colon", "GET / HTTP/1.1\r\nHost: a\r\nX-A\t: b\r\n\r\n", 400},
      {"invalid_method", "GE(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
      {"invalid_target_space", "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", 400},
      {"invalid_target_ctl", "GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n", 400},
      {"missing_host", "GET / HTTP/1.1\r\n\r\n", 400},
      {"duplicate_host", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
      {"host_mismatch_absolute", "GET http://a.example/ HTTP/1.1\r\nHost: b.example\r\n\r\n", 400},
      {"http09", "GET /\r\n\r\n", 400},
      {"http2_version", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505},
      {"empty_header_name", "GET / HTTP/1.1\r\nHost: a\r\n: x\r\n\r\n", 400},
  };
  const size_t before = upstream_->requestCount();
  for (const auto& c : cases) {
    // nul_in_value has an embedded NUL: rebuild it with its real length.
    std::string raw = std::string(c.name) == "nul_in_value"
                          ? std::string("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\0c\r\n\r\n", 41)
                          : std::string(c.raw);
    EXPECT_EQ(statusFor(raw), c.status) << c.name;
  }
  EXPECT_EQ(upstream_->requestCount(), before) << "a rejected request reached the upstream";
}

// The codec's full rejection table (121 cases: framing, fields, targets, versions,
// trailers), each sent to the real proxy on its own connection. The listener's
// stricter limits above can only turn a 400 into a 413/414/431, never into a 2xx.
TEST_F(Http1Test, EveryCodecRejectionCaseIsRejectedByTheProxy) {
  const size_t before = upstream_->requestCount();
  for (const http1::RejectCase& c : http1::rejectedRequestCases()) {
    const int status = statusFor(c.request);
    EXPECT_GE(status, 400) << c.name << " (" << c.reason << ") was not rejected";
    auto is_limit = [](int s) { return s == 413 || s == 414 || s == 431; };
    // A limit of this listener may answer first; otherwise the codec's own status.
    if (!is_limit(status) && !is_limit(c.status))
      EXPECT_EQ(status, c.status) << c.name << " (" << c.reason << ")";
  }
  EXPECT_EQ(upstream_->requestCount(), before) << "a rejected request reached the upstream";
}

TEST_F(Http1Test, RejectionClosesTheConnectionSoNothingIsSmuggledBehindIt) {
  HttpConnection c(port_);
  ASSERT_TRUE(
      c.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
             "0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"));
  auto r = c.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->header("Connection"), "close");
  EXPECT_TRUE(c.waitForClose());
  for (const auto& req : upstream_->requests())
    EXPECT_NE(req.target, "/smuggled");
}

TEST_F(Http1Test, H2cUpgradeIsNeverForwarded) {
  HttpConnection c(port_);
  ASSERT_TRUE(
      c.send("GET /up HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\n"
             "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n"));
  auto r = c.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  auto seen = upstream_->lastRequest();
  EXPECT_EQ(seen.target, "/up");
  EXPECT_EQ(seen.headerCount("Upgrade"), 0u);
  EXPECT_EQ(seen.headerCount("HTTP2-Settings"), 0u);
}

TEST_F(Http1Test, HeadersNamedByConnectionAreDropped) {
  HttpConnection c(port_);
  ASSERT_TRUE(c.send(
      "GET /hop HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, X-Secret\r\nX-Secret: s\r\n"
      "Keep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\nTE: gzip\r\nX-Stay: y\r\n\r\n"));
  auto r = c.readResponse();
  ASSERT_TRUE(r);
  auto seen = upstream_->lastRequest();
  EXPECT_EQ(seen.headerCount("X-Secret"), 0u);
  EXPECT_EQ(seen.headerCount("Keep-Alive"), 0u);
  EXPECT_EQ(seen.headerCount("Proxy-Connection"), 0u);
  EXPECT_EQ(seen.headerCount("TE"), 0u);
  EXPECT_EQ(seen.header("X-Stay"), "y");
  EXPECT_FALSE(seen.header("X-Request-Id").empty());
  EXPECT_EQ(seen.header("X-Forwarded-For"), "127.0.0.1");
  EXPECT_EQ(seen.header("X-Forwarded-Proto"), "http");
}

TEST_F(Http1Test, ExistingRequestIdIsKeptAndXffAppended) {
  HttpConnection c(port_);
  ASSERT_TRUE(c.send(
      "GET /id HTTP/1.1\r\nHost: a\r\nX-Request-Id: abc-123\r\nX-Forwarded-For: 10.0.0.1\r\n\r\n"));
  ASSERT_TRUE(c.readResponse());
  auto seen = upstream_->lastRequest();
  EXPECT_EQ(seen.header("X-Request-Id"), "abc-123");
  EXPECT_EQ(seen.header("X-Forwarded-For"), "10.0.0.1,127.0.0.1");
}

TEST_F(Http1Test, PipelinedRequestsAreAnsweredInOrder) {
  HttpConnection c(port_);
  std::string burst;
  for (int i = 0; i < 5; ++i)
    burst += "GET /p" + std::to_string(i) + " HTTP/1.1\r\nHost: a\r\n\r\n";
  ASSERT_TRUE(c.send(burst));
  for (int i = 0; i < 5; ++i) {
    auto r = c.readResponse();
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->body, "GET /p" + std::to_string(i) + " body=");
  }
}

TEST_F(Http1Test, ChunkedRequestBodyIsForwardedAndResponseRechunked) {
  HttpConnection c(port_);
  ASSERT_TRUE(
      c.send("POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
             "5\r\nhello\r\n1;ext=1\r\n \r\n5\r\nworld\r\n0\r\n\r\n"));
  auto r = c.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "POST /c body=hello world");
  auto seen = upstream_->lastRequest();
  EXPECT_EQ(seen.header("Transfer-Encoding"), "chunked");
}

TEST_F(Http1Test, ExpectContinueGets100BeforeTheBody) {
  HttpConnection c(port_);
  ASSERT_TRUE(
      c.send("POST /e HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  auto interim = c.readResponse();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(c.send("12345"));
  auto r = c.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "POST /e body=12345");
  EXPECT_EQ(upstream_->lastRequest().headerCount("Expect"), 0u);
}

TEST_F(Http1Test, LimitsAnswerWithTheirStatus) {
  EXPECT_EQ(statusFor("GET /" + std::string(3000, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n"), 414);
  EXPECT_EQ(statusFor("GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(9000, 'b') + "\r\n\r\n"),
            431);
  std::string many = "GET / HTTP/1.1\r\nHost: a\r\n";
  for (int i = 0; i < 60; ++i)
    many += "X-H" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(statusFor(many + "\r\n"), 431);
  EXPECT_EQ(statusFor("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 200000\r\n\r\n"), 413);
  EXPECT_EQ(statusFor("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n30d40\r\n" +
                      std::string(1000, 'x')),
            413);
}

TEST_F(Http1Test, Http10KeepAliveAndClose) {
  HttpConnection c(port_);
  ASSERT_TRUE(c.send("GET /ten HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n"));
  auto r = c.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header("Connection"), "keep-alive");
  ASSERT_TRUE(c.send("GET /ten2 HTTP/1.0\r\nHost: a\r\n\r\n"));
  r = c.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header("Connection"), "close");
  EXPECT_TRUE(c.waitForClose());
}

TEST_F(Http1Test, HeadResponseHasNoBody) {
  HttpConnection c(port_);
  ASSERT_TRUE(c.send("HEAD /h HTTP/1.1\r\nHost: a\r\n\r\nGET /after HTTP/1.1\r\nHost: a\r\n\r\n"));
  auto r = c.readResponse(/*request_was_head=*/true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(r->body.empty());
  auto next = c.readResponse();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body, "GET /after body=");
}

}  // namespace
}  // namespace meshgate::integration
