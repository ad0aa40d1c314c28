// SPDX-License-Identifier: Apache-2.0
#include "policy/decision_log.h"

#include <gtest/gtest.h>

#include "base/clock.h"
#include "base/file.h"
#include "event/event_loop.h"
#include "rego/value/json.h"
#include "testing/temp_dir.h"

namespace meshgate::policy {
namespace {

using rego::Value;

Value json(std::string_view text) {
  return *rego::parseJson(text);
}

TEST(Redactor, ReplacesExistingPathsOnly) {
  Redactor r({"attributes.request.http.headers.authorization", "input.parsed_body.password",
              "attributes.missing.field", "parsed_path.x"});
  const Value input = json(R"({"attributes": {"request": {"http": {"headers":
      {"authorization": "Bearer t", "accept": "*/*"}}}},
      "parsed_body": {"password": {"nested": 1}, "user": "u"}, "parsed_path": ["a"]})");
  std::vector<std::string> masked;
  const Value out = r.apply(input, &masked);
  EXPECT_EQ(out, json(R"({"attributes": {"request": {"http": {"headers":
      {"authorization": "<redacted>", "accept": "*/*"}}}},
      "parsed_body": {"password": "<redacted>", "user": "u"}, "parsed_path": ["a"]})"));
  EXPECT_EQ(masked,
            (std::vector<std::string>{"/input/attributes/request/http/headers/authorization",
                                      "/input/parsed_body/password"}));
  EXPECT_EQ(input.field("parsed_body")->field("user")->asString(), "u")
      << "the original input is not modified";
  EXPECT_EQ(*input.field("attributes"), json(R"({"request": {"http": {"headers":
      {"authorization": "Bearer t", "accept": "*/*"}}}})"));
}

TEST(DecisionLogger, FormatsOneJsonLine) {
  DecisionLogger logger(nullptr, true, {"attributes.request.http.headers.authorization"});
  const Value input =
      json(R"({"attributes": {"request": {"http": {"headers": {"authorization": "x"}}}}})");
  const Value result = json(R"({"allowed": false, "http_status": 401})");
  DecisionRecord r;
  r.time = base::SystemTime(std::chrono::seconds(1));
  r.decision_id = "id-1";
  r.request_id = "req-1";
  r.provider = "opa";
  r.path = "envoy/authz/allow";
  r.revision = "rev";
  r.result = &result;
  r.decision = "deny";
  r.eval_ns = 1234;
  r.input = &input;
  std::string line;
  logger.format(r, line);
  EXPECT_EQ(
      line,
      R"({"timestamp":"1970-01-01T00:00:01.000000000Z","decision_id":"id-1",)"
      R"("request_id":"req-1","provider":"opa","path":"envoy/authz/allow","revision":"rev",)"
      R"("decision":"deny","result":{"allowed":false,"http_status":401},)"
      R"("metrics":{"timer_rego_query_eval_ns":1234},)"
      R"("input":{"attributes":{"request":{"http":{"headers":{"authorization":"<redacted>"}}}}},)"
      R"("masked":["/input/attributes/request/http/headers/authorization"]})"
      "\n");
  auto parsed = rego::parseJson(line);
  ASSERT_TRUE(parsed.ok());

  DecisionLogger no_input(nullptr, false, {});
  std::string short_line;
  r.result = nullptr;
  r.decision = "error";
  r.error = "eval_conflict_error: complete rules must not produce multiple outputs";
  no_input.format(r, short_line);
  EXPECT_EQ(short_line.find("\"input\""), std::string::npos);
  EXPECT_NE(short_line.find("\"error\":\"eval_conflict_error"), std::string::npos);
}

TEST(DecisionLogger, BuffersUntilTheLoopIterationEnds) {
  testing::TempDir dir;
  const std::string path = dir.file("decisions.log");
  auto sink = LogSink::openFile(path, "decision log");
  ASSERT_TRUE(sink.ok());
  DecisionLogger logger(*sink, false, {});
  base::ManualClock clock;
  event::EventLoop loop(clock);
  DecisionRecord r;
  r.decision = "allow";
  logger.log(loop, r);
  logger.log(loop, r);
  EXPECT_EQ(*base::readFile(path), "") << "nothing is written on the request path";
  loop.runOnce(std::chrono::milliseconds(0));
  const std::string text = *base::readFile(path);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2);
}

}  // namespace
}  // namespace meshgate::policy
