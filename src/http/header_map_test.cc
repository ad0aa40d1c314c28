// SPDX-License-Identifier: Apache-2.0
#include "http/header_map.h"

#include <gtest/gtest.h>

#include "http/chars.h"

#include <string>
#include <vector>

namespace meshgate::http {
namespace {

std::vector<std::pair<std::string, std::string>> fields(const HeaderMap& m) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const HeaderField f : m)
    out.emplace_back(std::string(f.name), std::string(f.value));
  return out;
}

using Fields = std::vector<std::pair<std::string, std::string>>;

TEST(HeaderMapTest, AddLowerCasesNamesAndKeepsOrder) {
  HeaderMap m;
  EXPECT_TRUE(m.add("Host", "example.com"));
  EXPECT_TRUE(m.add("X-Custom", "A Value"));
  EXPECT_TRUE(m.add("ACCEPT", "*/*"));
  EXPECT_EQ(fields(m),
            (Fields{{"host", "example.com"}, {"x-custom", "A Value"}, {"accept", "*/*"}}));
  EXPECT_EQ(m.size(), 3u);
  EXPECT_EQ(m.byteSize(), 4u + 11 + 8 + 7 + 6 + 3);
}

TEST(HeaderMapTest, GetIsCaseInsensitiveAndReturnsFirst) {
  HeaderMap m;
  m.add("x-a", "1");
  m.add("X-A", "2");
  m.add("content-length", "5");
  EXPECT_EQ(m.get("X-a"), "1");
  EXPECT_EQ(m.get("CONTENT-LENGTH"), "5");
  EXPECT_EQ(m.get(HeaderId::ContentLength), "5");
  EXPECT_EQ(m.get("missing"), std::nullopt);
  EXPECT_EQ(m.get(HeaderId::Host), std::nullopt);
  EXPECT_EQ(m.count("x-a"), 2u);
  EXPECT_EQ(m.count(HeaderId::ContentLength), 1u);
  EXPECT_EQ(m.count(HeaderId::Host), 0u);
}

TEST(HeaderMapTest, EmptyValueIsPresent) {
  HeaderMap m;
  m.add("x-empty", "");
  ASSERT_TRUE(m.get("x-empty").has_value());
  EXPECT_EQ(*m.get("x-empty"), "");
  EXPECT_TRUE(m.has("x-empty"));
}

TEST(HeaderMapTest, KnownIds) {
  EXPECT_EQ(headerIdOf("Transfer-Encoding"), HeaderId::TransferEncoding);
  EXPECT_EQ(headerIdOf("te"), HeaderId::Te);
  EXPECT_EQ(headerIdOf("X-Request-ID"), HeaderId::XRequestId);
  EXPECT_EQ(headerIdOf("x-request-idx"), HeaderId::Other);
  EXPECT_EQ(headerIdOf(""), HeaderId::Other);
  EXPECT_EQ(headerIdOf("a-very-long-name-that-is-not-known"), HeaderId::Other);
  for (size_t i = 0; i < kKnownHeaderCount; ++i) {
    const auto id = static_cast<HeaderId>(i);
    EXPECT_EQ(headerIdOf(headerName(id)), id) << headerName(id);
  }
  HeaderMap m;
  m.add("Via", "1.1 a");
  EXPECT_EQ(m.at(0).id, HeaderId::Via);
}

TEST(HeaderMapTest, AddRejectsInvalidNamesAndValues) {
  HeaderMap m;
  EXPECT_FALSE(m.add("", "v"));
  EXPECT_FALSE(m.add("bad name", "v"));
  EXPECT_FALSE(m.add("bad:name", "v"));
  EXPECT_FALSE(m.add("x", "a\r\nInjected: 1"));
  EXPECT_FALSE(m.add("x", std::string_view("a\0b", 3)));
  EXPECT_FALSE(m.add("x", "a\nb"));
  EXPECT_FALSE(m.add("x", " leading"));
  EXPECT_FALSE(m.add("x", "trailing\t"));
  EXPECT_FALSE(m.add("x", "del\x7f"));
  EXPECT_TRUE(m.add("x", "tab\tinside and obs-text \xe9"));
  EXPECT_EQ(m.size(), 1u);
  EXPECT_FALSE(m.set("x", "a\rb"));
  EXPECT_FALSE(m.append("x", "a\nb"));
  EXPECT_FALSE(m.append("x", "ok", "\r\n"));
  EXPECT_EQ(m.get("x"), "tab\tinside and obs-text \xe9");
}

TEST(HeaderMapTest, SetReplacesAllAtFirstPosition) {
  HeaderMap m;
  m.add("a", "1");
  m.add("x-dup", "1");
  m.add("b", "2");
  m.add("X-Dup", "2");
  EXPECT_TRUE(m.set("x-DUP", "new"));
  EXPECT_EQ(fields(m), (Fields{{"a", "1"}, {"x-dup", "new"}, {"b", "2"}}));
  EXPECT_TRUE(m.set("c", "3"));
  EXPECT_EQ(fields(m).back(), (std::pair<std::string, std::string>{"c", "3"}));
  m.add("host", "a");
  m.add("host", "b");
  EXPECT_TRUE(m.set(HeaderId::Host, "c"));
  EXPECT_EQ(m.count(HeaderId::Host), 1u);
  EXPECT_EQ(m.get(HeaderId::Host), "c");
  EXPECT_EQ(m.byteSize(), 1u + 1 + 5 + 3 + 1 + 1 + 1 + 1 + 4 + 1);
}

TEST(HeaderMapTest, AppendJoinsOrAdds) {
  HeaderMap m;
  EXPECT_TRUE(m.append("x-forwarded-for", "10.0.0.1"));
  EXPECT_TRUE(m.append("X-Forwarded-For", "10.0.0.2"));
  EXPECT_EQ(m.get(HeaderId::XForwardedFor), "10.0.0.1, 10.0.0.2");
  m.add("x-empty", "");
  EXPECT_TRUE(m.append("x-empty", "v", ","));
  EXPECT_EQ(m.get("x-empty"), "v");
  EXPECT_TRUE(m.append("x-empty", "w", ","));
  EXPECT_EQ(m.get("x-empty"), "v,w");
  EXPECT_EQ(m.byteSize(), 15u + 18 + 7 + 3);
}

TEST(HeaderMapTest, RemoveAndRemoveIf) {
  HeaderMap m;
  m.add("connection", "close");
  m.add("x-a", "1");
  m.add("Connection", "x-a");
  m.add("x-b", "2");
  m.add("X-A", "3");
  EXPECT_EQ(m.remove("CONNECTION"), 2u);
  EXPECT_EQ(m.count(HeaderId::Connection), 0u);
  EXPECT_EQ(m.remove("X-a"), 2u);
  EXPECT_EQ(m.remove("nothing"), 0u);
  EXPECT_EQ(fields(m), (Fields{{"x-b", "2"}}));
  m.add("x-c", "3");
  m.add("host", "h");
  EXPECT_EQ(m.removeIf([](const HeaderField& f) { return f.name.starts_with("x-"); }), 2u);
  EXPECT_EQ(fields(m), (Fields{{"host", "h"}}));
  EXPECT_EQ(m.get(HeaderId::Host), "h");  // the index follows the compaction
  const auto is_host = [](const HeaderField& f) { return f.id == HeaderId::Host; };  // an lvalue
  EXPECT_EQ(m.removeIf(is_host), 1u);
  EXPECT_TRUE(m.empty());
  m.add("host", "h");
  EXPECT_EQ(m.byteSize(), 5u);
}

TEST(HeaderMapTest, ForEachValueAndJoined) {
  HeaderMap m;
  m.add("cookie", "a=1");
  m.add("x", "y");
  m.add("Cookie", "b=2");
  std::vector<std::string> seen;
  m.forEachValue(HeaderId::Cookie, [&](std::string_view v) { seen.emplace_back(v); });
  m.forEachValue("X", [&](std::string_view v) { seen.emplace_back(v); });
  EXPECT_EQ(seen, (std::vector<std::string>{"a=1", "b=2", "y"}));
  std::string joined;
  EXPECT_TRUE(m.getJoined("cookie", joined));
  EXPECT_EQ(joined, "a=1, b=2");
  EXPECT_FALSE(m.getJoined("absent", joined));
  EXPECT_EQ(joined, "");
}

TEST(HeaderMapTest, ViewsStayValidAcrossMutations) {
  HeaderMap m;
  m.add("host", "example.com");
  const std::string_view host = *m.get(HeaderId::Host);
  // Force several new arena blocks.
  const std::string big(3000, 'v');
  for (int i = 0; i < 40; ++i)
    m.add("x-big-" + std::to_string(i), big);
  m.set("host", "other");
  m.remove("x-big-3");
  EXPECT_EQ(host, "example.com");
  // Adding a value that aliases the map's own storage is safe.
  EXPECT_TRUE(m.add("x-copy", *m.get("x-big-0")));
  EXPECT_EQ(m.get("x-copy"), big);
}

TEST(HeaderMapTest, ClearReusesMemory) {
  HeaderMap m;
  for (int round = 0; round < 3; ++round) {
    m.clear();
    EXPECT_TRUE(m.empty());
    EXPECT_EQ(m.byteSize(), 0u);
    EXPECT_EQ(m.get(HeaderId::Host), std::nullopt);
    m.add("host", "h" + std::to_string(round));
    m.add("user-agent", "curl");
    EXPECT_EQ(m.get(HeaderId::Host), "h" + std::to_string(round));
    EXPECT_EQ(m.count(HeaderId::Host), 1u);
  }
  m.releaseMemory();
  EXPECT_TRUE(m.empty());
  m.add("a", "b");
  EXPECT_EQ(m.get("a"), "b");
}

TEST(HeaderMapTest, CopyIsDeepAndEqual) {
  HeaderMap a;
  a.add("host", "h");
  a.add("x", "1");
  HeaderMap b = a;
  EXPECT_EQ(a, b);
  b.set("x", "2");
  EXPECT_EQ(a.get("x"), "1");
  EXPECT_FALSE(a == b);
  HeaderMap c;
  c = b;
  EXPECT_EQ(c.get("x"), "2");
  HeaderMap d = std::move(c);
  EXPECT_EQ(d.get(HeaderId::Host), "h");
  // The moved-from map is empty and usable.
  EXPECT_TRUE(c.empty());                          // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(c.get(HeaderId::Host), std::nullopt);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(c.byteSize(), 0u);                     // NOLINT(bugprone-use-after-move)
  c.add("host", "again");
  EXPECT_EQ(c.get(HeaderId::Host), "again");
  HeaderMap e;
  e.add("x", "1");
  e = std::move(d);
  EXPECT_EQ(e.get("x"), "2");
  EXPECT_EQ(e.count("x"), 1u);
  EXPECT_EQ(e.get(HeaderId::Host), "h");
}

// Names of every length and shape, through both the 8-bytes-at-a-time and byte-wise paths.
TEST(HeaderMapTest, NameLowerCasingAndValidationAllLengths) {
  const std::string alphabet = "AbCdEfGhIjKlMnOpQrStUvWxYz-0123456789";
  for (size_t len = 1; len <= 40; ++len) {
    for (size_t shift = 0; shift < 3; ++shift) {
      std::string name;
      for (size_t i = 0; i < len; ++i)
        name.push_back(alphabet[(i + shift * 7) % alphabet.size()]);
      std::string lower = name;
      for (char& c : lower)
        c = lowerAscii(c);
      HeaderMap m;
      ASSERT_TRUE(m.addCodecField(name, "v")) << name;
      EXPECT_EQ(m.at(0).name, lower);
      EXPECT_EQ(m.at(0).id, headerIdOf(lower));
      // Other token characters take the byte-wise path; non-tokens anywhere are rejected.
      for (size_t at = 0; at < len; ++at) {
        std::string tok = name;
        tok[at] = '_';
        HeaderMap t;
        ASSERT_TRUE(t.addCodecField(tok, "v")) << tok;
        std::string bad = name;
        bad[at] = at % 2 ? ' ' : '\xc3';
        EXPECT_FALSE(t.addCodecField(bad, "v")) << bad;
        EXPECT_EQ(t.size(), 1u);
      }
    }
  }
  // Known names in any case, at the 8-byte boundaries.
  for (size_t i = 0; i < kKnownHeaderCount; ++i) {
    std::string upper(headerName(static_cast<HeaderId>(i)));
    for (char& c : upper)
      c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
    HeaderMap m;
    ASSERT_TRUE(m.addCodecField(upper, "v"));
    EXPECT_EQ(m.at(0).id, static_cast<HeaderId>(i)) << upper;
    EXPECT_EQ(m.at(0).name, headerName(static_cast<HeaderId>(i)));
    upper.back() = 'Q';
    HeaderMap n;
    ASSERT_TRUE(n.addCodecField(upper, "v"));
    EXPECT_EQ(n.at(0).id, HeaderId::Other) << upper;
  }
}

TEST(HeaderMapTest, AddCodecFieldValidatesAndLowerCasesName) {
  HeaderMap m;
  EXPECT_TRUE(m.addCodecField("Content-Length", "10"));
  EXPECT_EQ(m.at(0).name, "content-length");
  EXPECT_EQ(m.at(0).id, HeaderId::ContentLength);
  EXPECT_FALSE(m.addCodecField("Bad Name", "1"));
  EXPECT_FALSE(m.addCodecField("", "1"));
  EXPECT_FALSE(m.addCodecField("X\r", "1"));
  EXPECT_EQ(m.size(), 1u);
  EXPECT_EQ(m.byteSize(), 16u);
  EXPECT_TRUE(m.addCodecField("X-A", "2"));
  EXPECT_EQ(m.get("x-a"), "2");
}

}  // namespace
}  // namespace meshgate::http
