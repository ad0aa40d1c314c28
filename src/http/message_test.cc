// SPDX-License-Identifier: Apache-2.0
#include "http/message.h"

#include <gtest/gtest.h>

#include <chrono>

namespace meshgate::http {
namespace {

TEST(MethodTest, StandardNamesAreCaseSensitive) {
  EXPECT_EQ(methodFromToken("GET"), Method::Get);
  EXPECT_EQ(methodFromToken("HEAD"), Method::Head);
  EXPECT_EQ(methodFromToken("POST"), Method::Post);
  EXPECT_EQ(methodFromToken("PUT"), Method::Put);
  EXPECT_EQ(methodFromToken("DELETE"), Method::Delete);
  EXPECT_EQ(methodFromToken("CONNECT"), Method::Connect);
  EXPECT_EQ(methodFromToken("OPTIONS"), Method::Options);
  EXPECT_EQ(methodFromToken("TRACE"), Method::Trace);
  EXPECT_EQ(methodFromToken("PATCH"), Method::Patch);
  EXPECT_EQ(methodFromToken("get"), Method::Other);
  EXPECT_EQ(methodFromToken("PROPFIND"), Method::Other);
  EXPECT_EQ(methodName(Method::Delete), "DELETE");
  EXPECT_EQ(methodName(Method::Other), "");
  EXPECT_TRUE(isSafeMethod(Method::Head));
  EXPECT_FALSE(isSafeMethod(Method::Put));
  EXPECT_TRUE(isIdempotentMethod(Method::Put));
  EXPECT_FALSE(isIdempotentMethod(Method::Post));
  EXPECT_FALSE(isIdempotentMethod(Method::Patch));
}

TEST(RequestHeadTest, DefaultsAndOriginTarget) {
  RequestHead h;
  EXPECT_EQ(h.method(), Method::Get);
  EXPECT_EQ(h.methodText(), "GET");
  EXPECT_EQ(h.target(), "/");
  EXPECT_EQ(h.path(), "/");
  EXPECT_EQ(h.version(), Version::Http11);
  EXPECT_EQ(h.setTarget("/a/b?x=1&y"), TargetError::None);
  EXPECT_EQ(h.targetForm(), TargetForm::Origin);
  EXPECT_EQ(h.path(), "/a/b");
  EXPECT_TRUE(h.hasQuery());
  EXPECT_EQ(h.query(), "x=1&y");
  EXPECT_EQ(h.authority(), "");
  h.headers().add("Host", "example.com");
  EXPECT_EQ(h.authority(), "example.com");
}

TEST(RequestHeadTest, AbsoluteFormTarget) {
  RequestHead h;
  ASSERT_EQ(h.setTarget("http://Example.com:8080?q"), TargetError::None);
  EXPECT_EQ(h.targetForm(), TargetForm::Absolute);
  EXPECT_EQ(h.targetScheme(), "http");
  EXPECT_EQ(h.targetAuthority(), "Example.com:8080");
  EXPECT_EQ(h.authority(), "Example.com:8080");
  EXPECT_EQ(h.path(), "/");
  EXPECT_EQ(h.query(), "q");
}

TEST(RequestHeadTest, MethodDecidesTargetForms) {
  RequestHead h;
  EXPECT_EQ(h.setTarget("*"), TargetError::AsteriskNotOptions);
  EXPECT_TRUE(h.setMethod("OPTIONS"));
  EXPECT_EQ(h.setTarget("*"), TargetError::None);
  EXPECT_EQ(h.targetForm(), TargetForm::Asterisk);
  EXPECT_EQ(h.path(), "*");
  h.setMethod(Method::Connect);
  EXPECT_EQ(h.methodText(), "CONNECT");
  EXPECT_EQ(h.setTarget("/x"), TargetError::ConnectNeedsAuthority);
  EXPECT_EQ(h.setTarget("example.com:443"), TargetError::None);
  EXPECT_EQ(h.targetForm(), TargetForm::Authority);
  EXPECT_EQ(h.path(), "");
  EXPECT_EQ(h.authority(), "example.com:443");
  EXPECT_FALSE(h.setMethod("BAD METHOD"));
  EXPECT_EQ(h.methodText(), "CONNECT");
}

TEST(RequestHeadTest, SetTargetFailureChangesNothing) {
  RequestHead h;
  ASSERT_EQ(h.setTarget("/keep?q"), TargetError::None);
  EXPECT_EQ(h.setTarget("/bad path"), TargetError::InvalidCharacter);
  EXPECT_EQ(h.setTarget("/frag#x"), TargetError::InvalidCharacter);
  EXPECT_EQ(h.target(), "/keep?q");
  EXPECT_EQ(h.path(), "/keep");
}

TEST(RequestHeadTest, SetPathKeepsQueryAndAliasingIsSafe) {
  RequestHead h;
  ASSERT_EQ(h.setTarget("http://a.example/old/path?k=v"), TargetError::None);
  EXPECT_TRUE(h.setPath("/new"));
  EXPECT_EQ(h.target(), "/new?k=v");
  EXPECT_EQ(h.targetForm(), TargetForm::Origin);
  EXPECT_EQ(h.query(), "k=v");
  // A path that points into the head itself.
  EXPECT_TRUE(h.setPath(h.path().substr(0, 2)));
  EXPECT_EQ(h.target(), "/n?k=v");
  EXPECT_FALSE(h.setPath("relative"));
  EXPECT_FALSE(h.setPath("/a?b"));
  EXPECT_FALSE(h.setPath("/a\r\n"));
  EXPECT_TRUE(h.setPathAndQuery("/p", "", false));
  EXPECT_EQ(h.target(), "/p");
  EXPECT_FALSE(h.hasQuery());
  EXPECT_TRUE(h.setPathAndQuery("/p", "", true));
  EXPECT_EQ(h.target(), "/p?");
}

TEST(RequestHeadTest, CopyAndClear) {
  RequestHead h;
  h.setMethod("POST");
  ASSERT_EQ(h.setTarget("/x?y"), TargetError::None);
  h.headers().add("host", "h");
  RequestHead copy = h;
  EXPECT_EQ(copy, h);
  EXPECT_EQ(copy.path(), "/x");
  EXPECT_EQ(copy.query(), "y");
  h.clear();
  EXPECT_EQ(h.methodText(), "GET");
  EXPECT_EQ(h.target(), "/");
  EXPECT_TRUE(h.headers().empty());
  EXPECT_FALSE(copy == h);
}

TEST(ResponseHeadTest, Basics) {
  ResponseHead r;
  EXPECT_EQ(r.status(), 200);
  r.setStatus(103);
  EXPECT_TRUE(r.isInterim());
  r.setStatus(101);
  EXPECT_FALSE(r.isInterim());
  EXPECT_TRUE(r.setReason("Switching"));
  EXPECT_FALSE(r.setReason("bad\r\n"));
  EXPECT_EQ(r.reason(), "Switching");
  ResponseHead c = r;
  EXPECT_EQ(c, r);
  r.clear();
  EXPECT_EQ(r.status(), 200);
  EXPECT_EQ(r.reason(), "");
}

TEST(ReasonPhraseTest, Known) {
  EXPECT_EQ(reasonPhrase(200), "OK");
  EXPECT_EQ(reasonPhrase(404), "Not Found");
  EXPECT_EQ(reasonPhrase(413), "Content Too Large");
  EXPECT_EQ(reasonPhrase(431), "Request Header Fields Too Large");
  EXPECT_EQ(reasonPhrase(505), "HTTP Version Not Supported");
  EXPECT_EQ(reasonPhrase(599), "");
}

TEST(DateTest, ImfFixdate) {
  char buf[kImfFixdateLength];
  formatImfFixdate(784111777, buf);  // RFC 9110's example
  EXPECT_EQ(std::string_view(buf, kImfFixdateLength), "Sun, 06 Nov 1994 08:49:37 GMT");
  formatImfFixdate(0, buf);
  EXPECT_EQ(std::string_view(buf, kImfFixdateLength), "Thu, 01 Jan 1970 00:00:00 GMT");
}

TEST(DateTest, CacheFollowsTheClock) {
  base::ManualClock clock;
  clock.setSystem(base::SystemTime(std::chrono::seconds(784111777)));
  DateCache cache(clock);
  EXPECT_EQ(cache.now(), "Sun, 06 Nov 1994 08:49:37 GMT");
  clock.advance(std::chrono::milliseconds(500));
  EXPECT_EQ(cache.now(), "Sun, 06 Nov 1994 08:49:37 GMT");
  clock.advance(std::chrono::milliseconds(600));
  EXPECT_EQ(cache.now(), "Sun, 06 Nov 1994 08:49:38 GMT");
}

}  // namespace
}  // namespace meshgate::http
