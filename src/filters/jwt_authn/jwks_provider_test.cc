// SPDX-License-Identifier: Apache-2.0
#include "filters/jwt_authn/jwks_provider.h"

#include <gtest/gtest.h>

#include <atomic>

#include "jwt/test_keys.h"
#include "testing/ports.h"
#include "testing/test_upstream.h"

namespace meshgate::filters::jwt_authn {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class Provider : public ::testing::Test {
 protected:
  Provider()
      : origin_([this](const testing::ReceivedRequest&) {
          testing::UpstreamReply r;
          std::lock_guard<std::mutex> lock(mu_);
          r.status = status_;
          r.body = body_;
          return r;
        }) {}

  void serve(int status, std::string body) {
    std::lock_guard<std::mutex> lock(mu_);
    status_ = status;
    body_ = std::move(body);
  }

  std::unique_ptr<JwksProvider> make(base::Duration refresh = std::chrono::minutes(20)) {
    JwksProviderOptions o;
    o.uri = "http://127.0.0.1:" + std::to_string(origin_.port()) + "/jwks";
    o.url = *parseHttpUrl(o.uri);
    o.refresh_interval = refresh;
    o.retry = limits::BackoffConfig{milliseconds(50), milliseconds(100)};
    return std::make_unique<JwksProvider>(o, loop_, &registry_);
  }

  /// Runs the loop until `done()` (bounded).
  bool runUntil(const std::function<bool()>& done, milliseconds limit = milliseconds(10000)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      loop_.runOnce(milliseconds(20));
    }
    return true;
  }

  std::string jwks(const std::string& kid) {
    return jwt::jwksOf({jwt::TestKey::fromOpensslCli("EC:P-256").jwk(kid, "ES256")});
  }

  event::EventLoop loop_;
  metrics::Registry registry_;
  std::mutex mu_;
  int status_ = 200;
  std::string body_;
  testing::TestUpstream origin_;
};

TEST_F(Provider, FirstFetchSettlesAndWakesWaiters) {
  serve(200, jwks("k1"));
  auto p = make();
  EXPECT_TRUE(p->snapshot().pending);
  const uint64_t v0 = p->version();
  int woken = 0;
  EXPECT_TRUE(p->notifyWhenSettled(loop_, [&] { ++woken; }));
  p->start();
  ASSERT_TRUE(runUntil([&] { return woken == 1; }));
  KeysSnapshot s = p->snapshot();
  EXPECT_FALSE(s.pending);
  ASSERT_TRUE(s.keys);
  EXPECT_EQ(s.keys->keys().size(), 1u);
  EXPECT_EQ(s.keys->keys()[0].kid(), "k1");
  EXPECT_GT(p->version(), v0);
  // Settled: no more waiting.
  EXPECT_FALSE(p->notifyWhenSettled(loop_, [&] { ++woken; }));
  EXPECT_EQ(p->successfulFetches(), 1u);
  const std::string text = registry_.renderPrometheus();
  EXPECT_NE(text.find("meshgate_jwt_authn_jwks_fetches_total{uri=\"" + p->options().uri +
                      "\",result=\"ok\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("meshgate_jwt_authn_jwks_keys{uri=\"" + p->options().uri + "\"} 1"),
            std::string::npos);
}

TEST_F(Provider, FailedFirstFetchReportsFetchFailAndRetries) {
  serve(500, "oops");
  auto p = make();
  int woken = 0;
  EXPECT_TRUE(p->notifyWhenSettled(loop_, [&] { ++woken; }));
  p->start();
  ASSERT_TRUE(runUntil([&] { return woken == 1; }));
  KeysSnapshot s = p->snapshot();
  EXPECT_FALSE(s.pending);
  EXPECT_FALSE(s.keys);
  EXPECT_EQ(s.error, jwt::JwtStatus::JwksFetchFail);
  // Backoff retries until the issuer recovers.
  ASSERT_TRUE(runUntil([&] { return p->failedFetches() >= 2; }));
  serve(200, jwks("k1"));
  ASSERT_TRUE(runUntil([&] { return p->snapshot().keys != nullptr; }));
  EXPECT_EQ(p->snapshot().error, jwt::JwtStatus::Ok);
}

TEST_F(Provider, UnusableContentIsAFailure) {
  serve(200, R"({"keys":[{"kty":"oct","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"}]})");
  auto p = make();
  p->start();
  ASSERT_TRUE(runUntil([&] { return !p->snapshot().pending; }));
  // A fetched set may not carry HMAC secrets.
  EXPECT_FALSE(p->snapshot().keys);
  EXPECT_EQ(p->failedFetches(), 1u);
}

TEST_F(Provider, RefreshRotatesAndKeepsTheLastGoodSet) {
  serve(200, jwks("k1"));
  auto p = make(milliseconds(50));
  p->start();
  ASSERT_TRUE(runUntil([&] { return p->snapshot().keys != nullptr; }));
  const uint64_t first_id = p->snapshot().keys->id();
  // An unchanged set keeps its identity (and so the verification caches).
  ASSERT_TRUE(runUntil([&] { return p->successfulFetches() >= 3; }));
  EXPECT_EQ(p->snapshot().keys->id(), first_id);
  // A failing refresh keeps the set in use.
  serve(503, "");
  ASSERT_TRUE(runUntil([&] { return p->failedFetches() >= 2; }));
  ASSERT_TRUE(p->snapshot().keys);
  EXPECT_EQ(p->snapshot().keys->id(), first_id);
  // Rotation.
  serve(200, jwks("k2"));
  ASSERT_TRUE(runUntil([&] {
    auto s = p->snapshot();
    return s.keys && s.keys->keys()[0].kid() == "k2";
  }));
  EXPECT_NE(p->snapshot().keys->id(), first_id);
}

TEST_F(Provider, WakesWaitersOnTheirOwnLoop) {
  serve(200, jwks("k1"));
  auto p = make();
  event::EventLoop worker;
  std::atomic<bool> registered{false};
  std::atomic<bool> woke{false};
  std::thread t([&] {
    EXPECT_TRUE(p->notifyWhenSettled(worker, [&] { woke = true; }));
    registered = true;
    const auto deadline = std::chrono::steady_clock::now() + seconds(10);
    while (!woke && std::chrono::steady_clock::now() < deadline)
      worker.runOnce(milliseconds(20));
  });
  EXPECT_TRUE(testing::waitUntil([&] { return registered.load(); }));
  p->start();
  ASSERT_TRUE(runUntil([&] { return !p->snapshot().pending; }));
  t.join();
  EXPECT_TRUE(woke);
}

}  // namespace
}  // namespace meshgate::filters::jwt_authn
