// SPDX-License-Identifier: Apache-2.0
#include "upstream/http_fetcher.h"

#include <gtest/gtest.h>

#include <optional>

#include "testing/ports.h"
#include "testing/test_upstream.h"
#include "testing/tls_server.h"

namespace meshgate::upstream {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(ParseHttpUrl, Accepts) {
  auto u = parseHttpUrl("https://Issuer.Example.com/.well-known/jwks.json?v=1#frag");
  ASSERT_TRUE(u.ok()) << u.error().message;
  EXPECT_TRUE(u->https);
  EXPECT_EQ(u->host, "issuer.example.com");
  EXPECT_FALSE(u->host_is_ip);
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->path, "/.well-known/jwks.json?v=1");
  EXPECT_EQ(u->authority, "issuer.example.com");

  u = parseHttpUrl("http://127.0.0.1:8080");
  ASSERT_TRUE(u.ok());
  EXPECT_FALSE(u->https);
  EXPECT_TRUE(u->host_is_ip);
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->path, "/");
  EXPECT_EQ(u->authority, "127.0.0.1:8080");

  u = parseHttpUrl("HTTP://[::1]:80?x");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "::1");
  EXPECT_TRUE(u->host_is_ip);
  EXPECT_EQ(u->path, "/?x");
  EXPECT_EQ(u->authority, "[::1]");
}

TEST(ParseHttpUrl, Rejects) {
  for (const char* bad :
       {"ftp://x/", "x/y", "http://", "http:///path", "http://user@host/", "http://h:0/",
        "http://h:65536/", "http://h:/", "http://h:x/", "http://[::1/", "http://[zz]/",
        "http://h o/", "http://h/a b", "http://[::1]x/"}) {
    EXPECT_FALSE(parseHttpUrl(bad).ok()) << bad;
  }
}

class Fetch : public ::testing::Test {
 protected:
  /// Runs the loop until the callback ran (bounded).
  base::Result<FetchResponse> fetch(const std::string& url, FetchOptions options = {}) {
    auto u = parseHttpUrl(url);
    EXPECT_TRUE(u.ok());
    std::optional<base::Result<FetchResponse>> result;
    fetcher_.fetch(*u, options, [&](base::Result<FetchResponse> r) { result = std::move(r); });
    const auto deadline = std::chrono::steady_clock::now() + seconds(20);
    while (!result && std::chrono::steady_clock::now() < deadline)
      loop_.runOnce(milliseconds(50));
    EXPECT_TRUE(result.has_value()) << "fetch did not complete";
    EXPECT_FALSE(fetcher_.active());
    if (!result) return base::Error{"no result"};
    return std::move(*result);
  }

  event::EventLoop loop_;
  HttpFetcher fetcher_{loop_};
};

TEST_F(Fetch, PlainHttpContentLengthAndChunked) {
  testing::TestUpstream origin([](const testing::ReceivedRequest& r) {
    testing::UpstreamReply reply;
    reply.body = R"({"keys":[]})";
    if (r.target == "/chunked") reply.chunk_size = 3;
    return reply;
  });
  auto r = fetch("http://127.0.0.1:" + std::to_string(origin.port()) + "/keys?x=1");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"keys":[]})");
  auto req = origin.lastRequest();
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.target, "/keys?x=1");
  EXPECT_EQ(req.header("host"), "127.0.0.1:" + std::to_string(origin.port()));

  r = fetch("http://127.0.0.1:" + std::to_string(origin.port()) + "/chunked");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->body, R"({"keys":[]})");
}

TEST_F(Fetch, HostNamesAreResolvedOffTheLoop) {
  testing::TestUpstream origin;
  auto r = fetch("http://localhost:" + std::to_string(origin.port()) + "/");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->body, "ok");
  EXPECT_FALSE(fetch("http://no-such-host.invalid/").ok());
}

TEST_F(Fetch, StatusIsReportedNotAnError) {
  testing::TestUpstream origin([](const testing::ReceivedRequest&) {
    testing::UpstreamReply reply;
    reply.status = 503;
    reply.body = "down";
    return reply;
  });
  auto r = fetch("http://127.0.0.1:" + std::to_string(origin.port()) + "/");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 503);
}

TEST_F(Fetch, TransportFailures) {
  const uint16_t closed = testing::pickFreePort();
  auto r = fetch("http://127.0.0.1:" + std::to_string(closed) + "/");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("connect"), std::string::npos) << r.error().message;

  testing::TestUpstream slow([](const testing::ReceivedRequest&) {
    testing::UpstreamReply reply;
    reply.delay = milliseconds(3000);
    return reply;
  });
  FetchOptions o;
  o.timeout = milliseconds(200);
  r = fetch("http://127.0.0.1:" + std::to_string(slow.port()) + "/", o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("timed out"), std::string::npos) << r.error().message;

  testing::TestUpstream big([](const testing::ReceivedRequest&) {
    testing::UpstreamReply reply;
    reply.body = std::string(5000, 'x');
    return reply;
  });
  o.timeout = seconds(5);
  o.max_body_bytes = 1000;
  r = fetch("http://127.0.0.1:" + std::to_string(big.port()) + "/", o);
  EXPECT_FALSE(r.ok());

  testing::TestUpstream garbage([](const testing::ReceivedRequest&) {
    testing::UpstreamReply reply;
    reply.raw = "NOT HTTP\r\n\r\n";
    return reply;
  });
  r = fetch("http://127.0.0.1:" + std::to_string(garbage.port()) + "/");
  EXPECT_FALSE(r.ok());
}

TEST_F(Fetch, CancelDropsTheCallback) {
  testing::TestUpstream slow([](const testing::ReceivedRequest&) {
    testing::UpstreamReply reply;
    reply.delay = milliseconds(300);
    return reply;
  });
  bool called = false;
  fetcher_.fetch(*parseHttpUrl("http://127.0.0.1:" + std::to_string(slow.port()) + "/"), {},
                 [&](base::Result<FetchResponse>) { called = true; });
  EXPECT_TRUE(fetcher_.active());
  loop_.runOnce(milliseconds(20));
  fetcher_.cancel();
  EXPECT_FALSE(fetcher_.active());
  const auto until = std::chrono::steady_clock::now() + milliseconds(600);
  while (std::chrono::steady_clock::now() < until)
    loop_.runOnce(milliseconds(50));
  EXPECT_FALSE(called);
}

class FetchTls : public Fetch {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    pki_ = new testing::TestPki(testing::TestPki::generate(*dir_));
  }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
    delete dir_;
    dir_ = nullptr;
  }
  static FetchOptions trusting() {
    FetchOptions o;
    o.ca_file = pki_->ca_cert;
    return o;
  }
  static inline testing::TempDir* dir_ = nullptr;
  static inline testing::TestPki* pki_ = nullptr;
};

TEST_F(FetchTls, VerifiedByNameAndByIp) {
  testing::TlsTestServer server(pki_->server_cert, pki_->server_key, [](const std::string& t) {
    return testing::TlsTestServer::Reply{200, "secure " + t};
  });
  const std::string port = std::to_string(server.port());
  auto r = fetch("https://localhost:" + port + "/jwks", trusting());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "secure /jwks");
  r = fetch("https://127.0.0.1:" + port + "/by-ip", trusting());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->body, "secure /by-ip");
}

TEST_F(FetchTls, UntrustedOrMismatchedCertificatesFail) {
  {
    // Signed by nobody we trust (the system store does not know it either).
    testing::TlsTestServer rogue(pki_->rogue_cert, pki_->rogue_key, [](const std::string&) {
      return testing::TlsTestServer::Reply{};
    });
    auto r = fetch("https://localhost:" + std::to_string(rogue.port()) + "/", trusting());
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("certificate"), std::string::npos) << r.error().message;
    EXPECT_EQ(rogue.requests(), 0);
    r = fetch("https://localhost:" + std::to_string(rogue.port()) + "/");
    EXPECT_FALSE(r.ok());
  }
  {
    // Trusted CA, wrong name.
    testing::TlsTestServer other(
        pki_->other_name_cert, pki_->other_name_key,
        [](const std::string&) { return testing::TlsTestServer::Reply{}; });
    auto r = fetch("https://localhost:" + std::to_string(other.port()) + "/", trusting());
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("certificate"), std::string::npos) << r.error().message;
    EXPECT_EQ(other.requests(), 0);
  }
  {
    // TLS expected, plain HTTP served.
    testing::TestUpstream plain;
    FetchOptions o = trusting();
    o.timeout = milliseconds(1000);
    auto r = fetch("https://127.0.0.1:" + std::to_string(plain.port()) + "/", o);
    EXPECT_FALSE(r.ok());
  }
}

}  // namespace
}  // namespace meshgate::upstream
