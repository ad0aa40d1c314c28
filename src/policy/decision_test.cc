// SPDX-License-Identifier: Apache-2.0
#include "policy/decision.h"

#include <gtest/gtest.h>

#include "rego/value/json.h"

namespace meshgate::policy {
namespace {

using filters::authz::CustomDecision;
using rego::Value;

base::Result<CustomDecision> parse(std::string_view json) {
  auto v = rego::parseJson(json);
  EXPECT_TRUE(v.ok()) << json;
  return parseDecision(*v);
}

using Headers = std::vector<std::pair<std::string, std::string>>;

TEST(Decision, Booleans) {
  auto allow = parseDecision(Value::boolean(true));
  ASSERT_TRUE(allow.ok());
  EXPECT_EQ(allow->result, CustomDecision::Result::Allow);
  auto deny = parseDecision(Value::boolean(false));
  ASSERT_TRUE(deny.ok());
  EXPECT_EQ(deny->result, CustomDecision::Result::Deny);
  EXPECT_EQ(deny->status, 403);
  EXPECT_TRUE(deny->body.empty());
}

TEST(Decision, AllowObjectWithEveryField) {
  auto d = parse(R"({"allowed": true,
                     "headers": {"x-user": "alice", "x-groups": ["a", "b"]},
                     "response_headers_to_add": [{"x-a": "1"}, {"x-b": ["2", "3"]}],
                     "request_headers_to_remove": ["x-secret", "cookie"],
                     "http_status": "ignored on allow", "body": 7})");
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->result, CustomDecision::Result::Allow);
  EXPECT_EQ(d->request_headers,
            (Headers{{"x-groups", "a"}, {"x-groups", "b"}, {"x-user", "alice"}}));
  EXPECT_EQ(d->response_headers, (Headers{{"x-a", "1"}, {"x-b", "2"}, {"x-b", "3"}}));
  EXPECT_EQ(d->request_headers_to_remove, (std::vector<std::string>{"x-secret", "cookie"}));
}

TEST(Decision, DenyObjectWithEveryField) {
  auto d = parse(R"({"allowed": false, "http_status": 401, "body": "no",
                     "headers": {"www-authenticate": "Bearer"},
                     "request_headers_to_remove": 5})");
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->result, CustomDecision::Result::Deny);
  EXPECT_EQ(d->status, 401);
  EXPECT_EQ(d->body, "no");
  EXPECT_EQ(d->response_headers, (Headers{{"www-authenticate", "Bearer"}}));
  EXPECT_TRUE(d->request_headers.empty());
}

TEST(Decision, DenyDefaultsTo403WithoutBody) {
  auto d = parse(R"({"allowed": false})");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->status, 403);
  EXPECT_EQ(d->body, "");
}

TEST(Decision, MalformedResultsAreErrors) {
  EXPECT_EQ(parseDecision(Value()).error().message, "undefined decision");
  EXPECT_EQ(parse(R"("yes")").error().message,
            "illegal value for policy evaluation result: string");
  EXPECT_EQ(parse(R"([true])").error().message,
            "illegal value for policy evaluation result: []interface {}");
  EXPECT_EQ(parse(R"({"headers": {}})").error().message,
            "unable to determine evaluation result due to missing \"allowed\" key");
  EXPECT_EQ(parse(R"({"allowed": "true"})").error().message,
            "type assertion error, expected allowed to be of type 'boolean' but got 'string'");
  EXPECT_FALSE(parse(R"({"allowed": true, "headers": "x"})").ok());
  EXPECT_FALSE(parse(R"({"allowed": true, "headers": {"x": 1}})").ok());
  EXPECT_FALSE(parse(R"({"allowed": true, "headers": {"x": ["a", 1]}})").ok());
  EXPECT_FALSE(parse(R"({"allowed": true, "response_headers_to_add": [1]})").ok());
  EXPECT_FALSE(parse(R"({"allowed": true, "request_headers_to_remove": "x"})").ok());
  EXPECT_FALSE(parse(R"({"allowed": true, "request_headers_to_remove": [1]})").ok());
  EXPECT_EQ(parse(R"({"allowed": false, "http_status": "401"})").error().message,
            "type assertion error, expected http_status to be of type 'number' but got "
            "'string'");
  EXPECT_EQ(parse(R"({"allowed": false, "http_status": 999})").error().message,
            "invalid HTTP status code 999");
  EXPECT_FALSE(parse(R"({"allowed": false, "http_status": 401.5})").ok());
  EXPECT_FALSE(parse(R"({"allowed": false, "body": {"a": 1}})").ok());
  EXPECT_FALSE(parse(R"({"allowed": false, "headers": [{"a": 1}]})").ok());
}

}  // namespace
}  // namespace meshgate::policy
