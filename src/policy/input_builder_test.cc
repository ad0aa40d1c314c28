// SPDX-License-Identifier: Apache-2.0
#include "policy/input_builder.h"

#include <gtest/gtest.h>

#include "rego/value/arena.h"
#include "rego/value/json.h"
#include "testing/fake_filter_context.h"

namespace meshgate::policy {
namespace {

using rego::Value;

Value json(std::string_view text) {
  auto v = rego::parseJson(text);
  EXPECT_TRUE(v.ok()) << text;
  return v.ok() ? *v : Value();
}

base::SystemTime at(int64_t ns) {
  return base::SystemTime(
      std::chrono::duration_cast<base::SystemTime::duration>(std::chrono::nanoseconds(ns)));
}

// 2026-11-25T23:00:00.123Z
constexpr int64_t kNow = 1795647600123000000;

TEST(InputBuilder, MatchesOpaEnvoyInputForAGet) {
  testing::FakeFilterContext ctx;
  ASSERT_EQ(ctx.head().setTarget("/api/v1/products?sort=asc&tag=a&tag=b+c&x=%41"),
            http::TargetError::None);
  ctx.head().headers().clear();
  ctx.head().headers().add("host", "shop.example.com");
  ctx.head().headers().add("user-agent", "curl/8.0");
  ctx.head().headers().add("accept", "text/html");
  ctx.head().headers().add("accept", "application/json");
  ctx.head().headers().add("authorization", "Bearer abc");
  ctx.head().headers().add("x-envoy-auth-partial-body", "true");  // a client's: dropped
  ctx.setClientAddress("10.0.0.7", 35282);

  auto input = buildInput(ctx, BodyCapture{}, at(kNow));
  ASSERT_TRUE(input.ok()) << input.error().message;
  // What OPA-Envoy (protojson of Envoy's CheckRequest v3) gives for this request.
  const Value golden = json(R"({
    "attributes": {
      "destination": {"address": {"socketAddress": {"address": "127.0.0.1", "portValue": 8080}}},
      "metadataContext": {},
      "request": {
        "http": {
          "headers": {
            ":authority": "shop.example.com",
            ":method": "GET",
            ":path": "/api/v1/products?sort=asc&tag=a&tag=b+c&x=%41",
            ":scheme": "http",
            "accept": "text/html,application/json",
            "authorization": "Bearer abc",
            "host": "shop.example.com",
            "user-agent": "curl/8.0"
          },
          "host": "shop.example.com",
          "id": "test-request-id",
          "method": "GET",
          "path": "/api/v1/products?sort=asc&tag=a&tag=b+c&x=%41",
          "protocol": "HTTP/1.1",
          "scheme": "http"
        },
        "time": "2026-11-25T23:00:00.123Z"
      },
      "source": {"address": {"socketAddress": {"address": "10.0.0.7", "portValue": 35282}}}
    },
    "parsed_body": null,
    "parsed_path": ["api", "v1", "products"],
    "parsed_query": {"sort": ["asc"], "tag": ["a", "b c"], "x": ["A"]},
    "truncated_body": false,
    "version": {"encoding": "protojson", "ext_authz": "v3"}
  })");
  EXPECT_EQ(*input, golden) << rego::toJson(*input);
}

TEST(InputBuilder, JsonBodyIsParsedWhenComplete) {
  testing::FakeFilterContext ctx;
  ASSERT_EQ(ctx.head().setTarget("/orders"), http::TargetError::None);
  ASSERT_TRUE(ctx.head().setMethod("POST"));
  ctx.head().headers().add("content-type", "application/json; charset=utf-8");
  ctx.head().headers().add("content-length", "15");
  BodyCapture body{.enabled = true, .bytes = R"({"quantity": 5})"};
  auto input = buildInput(ctx, body, at(kNow));
  ASSERT_TRUE(input.ok()) << input.error().message;
  EXPECT_EQ(*input->field("parsed_body"), json(R"({"quantity": 5})"));
  EXPECT_TRUE(input->field("truncated_body")->isFalse());
  const Value* http = input->field("attributes")->field("request")->field("http");
  EXPECT_EQ(http->field("body")->asString(), R"({"quantity": 5})");
  EXPECT_EQ(http->field("size")->asString(), "15") << "protojson writes int64 as a string";
  EXPECT_EQ(http->field("headers")->field("x-envoy-auth-partial-body")->asString(), "false");
  EXPECT_EQ(http->field("raw_body"), nullptr);
}

// Built in a per-request arena (as the authorizer does), the input is the
// same document as on the heap, request after request, and the arena's
// storage is reused after each reset.
TEST(InputBuilder, ArenaInputEqualsHeapInput) {
  rego::ValueArena arena;
  for (int i = 0; i < 50; ++i) {
    testing::FakeFilterContext ctx;
    const std::string target = "/api/v1/%C3%A9l%C3%A8ves/" + std::to_string(i) +
                               "/items?sort=asc&tag=a&tag=b+c&long_parameter_name=x" +
                               std::to_string(i);
    ASSERT_EQ(ctx.head().setTarget(target), http::TargetError::None);
    ASSERT_TRUE(ctx.head().setMethod("POST"));
    ctx.head().headers().add("user-agent",
                             "Mozilla/5.0 (X11; Linux x86_64) request " + std::to_string(i));
    ctx.head().headers().add("accept", "text/html");
    ctx.head().headers().add("accept", "application/json");
    ctx.head().headers().add("content-type", "application/json");
    ctx.head().headers().add("x-a-rather-long-header-name", "v");
    ctx.setClientAddress("10.0.0.7", static_cast<uint16_t>(30000 + i));
    const std::string bytes = R"({"quantity": )" + std::to_string(i) + "}";
    BodyCapture body{.enabled = true, .bytes = bytes};
    auto heap = buildInput(ctx, body, at(kNow + i));
    auto in_arena = buildInput(ctx, body, at(kNow + i), &arena);
    ASSERT_TRUE(heap.ok()) << heap.error().message;
    ASSERT_TRUE(in_arena.ok()) << in_arena.error().message;
    EXPECT_FALSE(rego::refersToArena(*heap));
    EXPECT_TRUE(rego::refersToArena(*in_arena));
    EXPECT_EQ(*in_arena, *heap) << rego::toJson(*in_arena);
    *in_arena = Value();
    arena.reset();
    // What the heap input holds stays whole after the reset.
    EXPECT_EQ(heap->field("parsed_query")->field("long_parameter_name")->items()[0].asString(),
              "x" + std::to_string(i));
  }
}

TEST(InputBuilder, TruncatedJsonBodyIsNotParsed) {
  testing::FakeFilterContext ctx;
  ASSERT_TRUE(ctx.head().setMethod("POST"));
  ctx.head().headers().add("content-type", "application/json");
  ctx.head().headers().add("content-length", "100");
  BodyCapture body{.enabled = true, .bytes = R"({"quantity": )", .truncated = true};
  auto input = buildInput(ctx, body, at(kNow));
  ASSERT_TRUE(input.ok());
  EXPECT_TRUE(input->field("parsed_body")->isNull());
  EXPECT_TRUE(input->field("truncated_body")->isTrue());
  EXPECT_EQ(input->field("attributes")
                ->field("request")
                ->field("http")
                ->field("headers")
                ->field("x-envoy-auth-partial-body")
                ->asString(),
            "true");
}

TEST(InputBuilder, MalformedJsonBodyIsAnError) {
  testing::FakeFilterContext ctx;
  ctx.head().headers().add("content-type", "application/json");
  BodyCapture body{.enabled = true, .bytes = "{not json"};
  EXPECT_FALSE(buildInput(ctx, body, at(kNow)).ok());
}

TEST(InputBuilder, PackAsBytesGivesRawBody) {
  testing::FakeFilterContext ctx;
  ctx.head().headers().add("content-type", "application/json");
  BodyCapture body{.enabled = true, .bytes = "{}", .pack_as_bytes = true};
  auto input = buildInput(ctx, body, at(kNow));
  ASSERT_TRUE(input.ok());
  const Value* http = input->field("attributes")->field("request")->field("http");
  EXPECT_EQ(http->field("raw_body")->asString(), "e30=");
  EXPECT_EQ(http->field("body"), nullptr);
  EXPECT_TRUE(input->field("parsed_body")->isNull()) << "OPA-Envoy parses only `body` as JSON";
}

TEST(InputBuilder, PeerAddressesAreExactAcrossManyClients) {
  // More distinct peers than the per-thread memo of socket addresses holds,
  // twice round: each input must carry its own request's peer.
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 10; ++i) {
      testing::FakeFilterContext ctx;
      std::string ip = "10.0." + std::to_string(i) + "." + std::to_string(200 + i);
      ctx.setClientAddress(ip, static_cast<uint16_t>(40000 + i % 3));
      auto input = buildInput(ctx, {}, at(kNow));
      ASSERT_TRUE(input.ok());
      const Value* sock =
          input->field("attributes")->field("source")->field("address")->field("socketAddress");
      ASSERT_NE(sock, nullptr);
      EXPECT_EQ(sock->field("address")->asString(), ip);
      EXPECT_EQ(sock->field("portValue")->asInt(), 40000 + i % 3);
    }
  }
}

TEST(InputBuilder, ParsedPathAsGoUrlParse) {
  EXPECT_EQ(*parsePath("/"), json(R"([""])"));
  EXPECT_EQ(*parsePath("/a/b/"), json(R"(["a", "b", ""])"));
  EXPECT_EQ(*parsePath("//a"), json(R"(["a"])"));
  // Go decodes the whole path before OPA-Envoy splits it: %2F becomes a separator.
  EXPECT_EQ(*parsePath("/a%2Fb/c%20d+e?x=1"), json(R"(["a", "b", "c d+e"])"));
  EXPECT_FALSE(parsePath("/a%zz").ok());
  EXPECT_FALSE(parsePath("/a%4").ok());
}

TEST(InputBuilder, ParsedQueryAsGoParseQuery) {
  EXPECT_EQ(parseQuery(""), Value::emptyObject());
  EXPECT_EQ(parseQuery("a=1&a=2&b"), json(R"({"a": ["1", "2"], "b": [""]})"));
  EXPECT_EQ(parseQuery("a=%zz&b=1;c&d=x+y%21&&=e"), json(R"({"d": ["x y!"], "": ["e"]})"));
}

TEST(InputBuilder, ProtojsonTimestamp) {
  EXPECT_EQ(protojsonTimestamp(at(0)), "1970-01-01T00:00:00Z");
  EXPECT_EQ(protojsonTimestamp(at(1500000)), "1970-01-01T00:00:00.001500Z");
  EXPECT_EQ(protojsonTimestamp(at(1)), "1970-01-01T00:00:00.000000001Z");
}

}  // namespace
}  // namespace meshgate::policy
