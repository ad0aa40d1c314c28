// SPDX-License-Identifier: Apache-2.0
#include "http/http1/hop_by_hop.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace meshgate::http1 {
namespace {

using http::HeaderMap;

std::string names(const HeaderMap& m) {
  std::string s;
  for (const http::HeaderField f : m) {
    if (!s.empty()) s += ",";
    s += std::string(f.name) + "=" + std::string(f.value);
  }
  return s;
}

TEST(HopByHopTest, KeepAliveSemantics) {
  HeaderMap h;
  EXPECT_TRUE(isKeepAlive(http::Version::Http11, h));
  EXPECT_FALSE(isKeepAlive(http::Version::Http10, h));
  h.add("connection", "Keep-Alive");
  EXPECT_TRUE(isKeepAlive(http::Version::Http10, h));
  h.add("Connection", "x, CLOSE");
  EXPECT_FALSE(isKeepAlive(http::Version::Http10, h));
  EXPECT_FALSE(isKeepAlive(http::Version::Http11, h));
  EXPECT_TRUE(connectionHasOption(h, "x"));
  EXPECT_FALSE(connectionHasOption(h, "y"));
}

TEST(HopByHopTest, ExpectsContinue) {
  http::RequestHead r;
  EXPECT_FALSE(expectsContinue(r));
  r.headers().add("expect", "100-Continue");
  EXPECT_TRUE(expectsContinue(r));
  r.setVersion(http::Version::Http10);
  EXPECT_FALSE(expectsContinue(r));
}

TEST(HopByHopTest, RemovesFixedAndNominatedFields) {
  HeaderMap h;
  h.add("host", "h");
  h.add("connection", "keep-alive, X-Secret, close");
  h.add("keep-alive", "timeout=5");
  h.add("proxy-connection", "keep-alive");
  h.add("transfer-encoding", "chunked");
  h.add("x-secret", "1");
  h.add("X-Secret", "2");
  h.add("http2-settings", "AAMAAABkAARAAAAAAAIAAAAA");
  h.add("proxy-authorization", "Basic x");
  h.add("trailer", "x-sum");
  h.add("x-keep", "k");
  const HopByHopResult r = removeHopByHopHeaders(h);
  EXPECT_EQ(names(h), "host=h,proxy-authorization=Basic x,trailer=x-sum,x-keep=k");
  EXPECT_EQ(r.removed, 7u);
  EXPECT_FALSE(r.upgrade_kept);
}

TEST(HopByHopTest, TeKeepsOnlyTrailers) {
  HeaderMap h;
  h.add("te", "gzip, trailers;q=0.5");
  h.add("connection", "te");
  removeHopByHopHeaders(h);
  EXPECT_EQ(names(h), "te=trailers");
  h.clear();
  h.add("te", "trailers");
  removeHopByHopHeaders(h);
  EXPECT_EQ(names(h), "te=trailers");
  h.clear();
  h.add("te", "gzip");
  removeHopByHopHeaders(h);
  EXPECT_EQ(names(h), "");
}

TEST(HopByHopTest, UpgradeDroppedOrKeptWithoutH2c) {
  HeaderMap h;
  h.add("upgrade", "websocket");
  h.add("connection", "Upgrade");
  removeHopByHopHeaders(h);
  EXPECT_EQ(names(h), "");

  h.clear();
  h.add("upgrade", "websocket");
  h.add("connection", "Upgrade");
  HopByHopResult r = removeHopByHopHeaders(h, HopByHopOptions{.keep_upgrade = true});
  EXPECT_TRUE(r.upgrade_kept);
  EXPECT_EQ(names(h), "upgrade=websocket");

  h.clear();
  h.add("upgrade", "h2c");
  h.add("http2-settings", "AAMAAABk");
  h.add("connection", "Upgrade, HTTP2-Settings");
  r = removeHopByHopHeaders(h, HopByHopOptions{.keep_upgrade = true});
  EXPECT_FALSE(r.upgrade_kept);
  EXPECT_EQ(names(h), "");

  h.clear();
  h.add("upgrade", "h2c, websocket/13");
  h.add("Upgrade", "H2C");
  r = removeHopByHopHeaders(h, HopByHopOptions{.keep_upgrade = true});
  EXPECT_TRUE(r.upgrade_kept);
  EXPECT_EQ(names(h), "upgrade=websocket/13");
}

TEST(HopByHopTest, ForwardFraming) {
  HeaderMap h;
  Framing f;
  f.body = BodyFraming::ContentLength;
  f.content_length = 3;
  h.add("content-length", "3");
  EXPECT_EQ(prepareForwardFraming(h, f, http::Version::Http11), ForwardFraming::ContentLength);
  EXPECT_EQ(names(h), "content-length=3");

  h.clear();
  f.body = BodyFraming::Chunked;
  EXPECT_EQ(prepareForwardFraming(h, f, http::Version::Http11), ForwardFraming::Chunked);
  EXPECT_EQ(names(h), "transfer-encoding=chunked");
  h.clear();
  EXPECT_EQ(prepareForwardFraming(h, f, http::Version::Http10), ForwardFraming::CloseDelimited);
  EXPECT_EQ(names(h), "connection=close");

  h.clear();
  f.body = BodyFraming::CloseDelimited;
  EXPECT_EQ(prepareForwardFraming(h, f, http::Version::Http11), ForwardFraming::Chunked);
  EXPECT_EQ(names(h), "transfer-encoding=chunked");

  h.clear();
  h.add("content-length", "10");
  f.body = BodyFraming::None;  // e.g. a HEAD response
  EXPECT_EQ(prepareForwardFraming(h, f, http::Version::Http11), ForwardFraming::None);
  EXPECT_EQ(names(h), "content-length=10");
}

}  // namespace
}  // namespace meshgate::http1
