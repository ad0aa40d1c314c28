// SPDX-License-Identifier: Apache-2.0
#include "filters/cors/cors_filter.h"

#include <gtest/gtest.h>

#include "testing/fake_filter_context.h"

namespace meshgate::filters::cors {
namespace {

using filter_api::FilterStatus;

std::shared_ptr<CorsConfig> policy() {
  auto c = std::make_shared<CorsConfig>();
  config::StringMatch exact;
  exact.value = "https://app.example.com";
  config::StringMatch prefix;
  prefix.kind = config::StringMatch::Kind::Prefix;
  prefix.value = "https://dev-";
  c->allow_origins = {exact, prefix};
  c->allow_methods = "GET,POST";
  c->allow_headers = "authorization";
  c->expose_headers = "x-trace";
  c->max_age = "600";
  c->allow_credentials = true;
  return c;
}

std::string header(const filter_api::LocalReply& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

TEST(CorsFilter, AnswersAllowedPreflight) {
  testing::FakeFilterContext ctx;
  ctx.head().setMethod(http::Method::Options);
  ctx.head().headers().add("origin", "https://dev-42.example.com");
  ctx.head().headers().add("access-control-request-method", "POST");
  CorsFilter f(policy());
  EXPECT_EQ(f.onRequestHeaders(ctx, true), FilterStatus::Respond);
  ASSERT_TRUE(ctx.reply());
  EXPECT_EQ(ctx.reply()->status, 200);
  EXPECT_EQ(header(*ctx.reply(), "access-control-allow-origin"), "https://dev-42.example.com");
  EXPECT_EQ(header(*ctx.reply(), "access-control-allow-methods"), "GET,POST");
  EXPECT_EQ(header(*ctx.reply(), "access-control-max-age"), "600");
  EXPECT_EQ(header(*ctx.reply(), "access-control-allow-credentials"), "true");
}

TEST(CorsFilter, UnknownOriginPreflightIsForwardedByDefault) {
  testing::FakeFilterContext ctx;
  ctx.head().setMethod(http::Method::Options);
  ctx.head().headers().add("origin", "https://evil.example.com");
  ctx.head().headers().add("access-control-request-method", "POST");
  CorsFilter f(policy());
  EXPECT_EQ(f.onRequestHeaders(ctx, true), FilterStatus::Continue);
  EXPECT_FALSE(ctx.reply());
}

TEST(CorsFilter, ActualRequestGetsHeadersOnlyForAllowedOrigins) {
  {
    testing::FakeFilterContext ctx;
    ctx.head().headers().add("origin", "https://app.example.com");
    CorsFilter f(policy());
    EXPECT_EQ(f.onRequestHeaders(ctx, true), FilterStatus::Continue);
    ctx.setResponse(200);
    f.onResponseHeaders(ctx, false);
    EXPECT_EQ(ctx.responseHead()->headers().get("access-control-allow-origin"),
              "https://app.example.com");
    EXPECT_EQ(ctx.responseHead()->headers().get("access-control-expose-headers"), "x-trace");
  }
  {
    testing::FakeFilterContext ctx;
    ctx.head().headers().add("origin", "https://app.example.com.evil.org");
    CorsFilter f(policy());
    f.onRequestHeaders(ctx, true);
    ctx.setResponse(200);
    f.onResponseHeaders(ctx, false);
    EXPECT_FALSE(ctx.responseHead()->headers().has("access-control-allow-origin"));
  }
}

}  // namespace
}  // namespace meshgate::filters::cors
