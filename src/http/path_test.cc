// SPDX-License-Identifier: Apache-2.0
#include "http/path.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "http/message.h"

namespace meshgate::http {
namespace {

using namespace std::string_literals;

// ------------------------------------------------------------------------------------
// Request-target

TEST(RequestTargetTest, Forms) {
  auto r = parseRequestTarget(Method::Get, "/where?q=now");
  ASSERT_EQ(r.error, TargetError::None);
  EXPECT_EQ(r.target.form, TargetForm::Origin);
  EXPECT_EQ(r.target.path, "/where");
  EXPECT_EQ(r.target.query, "q=now");
  EXPECT_TRUE(r.target.has_query);

  r = parseRequestTarget(Method::Get, "/where?");
  EXPECT_TRUE(r.target.has_query);
  EXPECT_EQ(r.target.query, "");

  r = parseRequestTarget(Method::Get, "http://www.example.org/pub/WWW/TheProject.html");
  ASSERT_EQ(r.error, TargetError::None);
  EXPECT_EQ(r.target.form, TargetForm::Absolute);
  EXPECT_EQ(r.target.scheme, "http");
  EXPECT_EQ(r.target.authority, "www.example.org");
  EXPECT_EQ(r.target.path, "/pub/WWW/TheProject.html");

  r = parseRequestTarget(Method::Get, "HTTPS://[::1]:8443");
  ASSERT_EQ(r.error, TargetError::None);
  EXPECT_EQ(r.target.authority, "[::1]:8443");
  EXPECT_EQ(r.target.path, "");

  r = parseRequestTarget(Method::Connect, "www.example.com:80");
  ASSERT_EQ(r.error, TargetError::None);
  EXPECT_EQ(r.target.form, TargetForm::Authority);
  EXPECT_EQ(r.target.authority, "www.example.com:80");

  r = parseRequestTarget(Method::Options, "*");
  ASSERT_EQ(r.error, TargetError::None);
  EXPECT_EQ(r.target.form, TargetForm::Asterisk);
}

TEST(RequestTargetTest, Rejections) {
  struct Case {
    Method method;
    std::string target;
    TargetError error;
  };
  const std::vector<Case> cases = {
      {Method::Get, "", TargetError::Empty},
      {Method::Get, "/a b", TargetError::InvalidCharacter},
      {Method::Get, "/a\tb", TargetError::InvalidCharacter},
      {Method::Get, "/a#frag", TargetError::InvalidCharacter},
      {Method::Get, "/caf\xc3\xa9", TargetError::InvalidCharacter},
      {Method::Get, "/a\0b"s, TargetError::InvalidCharacter},
      {Method::Get, "/a\x7f", TargetError::InvalidCharacter},
      {Method::Get, "*", TargetError::AsteriskNotOptions},
      {Method::Get, "example.com:443", TargetError::AuthorityFormNotConnect},
      {Method::Connect, "/path", TargetError::ConnectNeedsAuthority},
      {Method::Connect, "example.com", TargetError::ConnectNeedsAuthority},
      {Method::Connect, "user@example.com:443", TargetError::UserInfo},
      {Method::Get, "ftp://example.com/", TargetError::UnsupportedScheme},
      {Method::Get, "javascript:alert(1)", TargetError::UnsupportedScheme},
      {Method::Get, "http://user:pw@example.com/", TargetError::UserInfo},
      {Method::Get, "http:///path", TargetError::InvalidAuthority},
      {Method::Get, "http://exa mple/", TargetError::InvalidCharacter},
      {Method::Get, "http://example.com:99999/", TargetError::InvalidAuthority},
      {Method::Get, "http://example.com:/", TargetError::InvalidAuthority},
      {Method::Get, "http:/example.com/", TargetError::UnsupportedScheme},
      {Method::Get, "relative/path", TargetError::NotAbsolutePath},
      {Method::Options, "**", TargetError::NotAbsolutePath},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(parseRequestTarget(c.method, c.target).error, c.error) << c.target;
  }
}

TEST(AuthorityTest, ParseAndCompare) {
  auto hp = parseAuthority("Example.COM:8080");
  ASSERT_TRUE(hp.has_value());
  EXPECT_EQ(hp->host, "Example.COM");
  EXPECT_EQ(hp->port, 8080);
  hp = parseAuthority("[2001:db8::1]");
  ASSERT_TRUE(hp.has_value());
  EXPECT_EQ(hp->host, "[2001:db8::1]");
  EXPECT_FALSE(hp->port.has_value());
  EXPECT_TRUE(parseAuthority("10.0.0.1:0").has_value());
  for (const char* bad : {"", ":80", "a:", "a:b", "a:123456", "a b", "a,b", "a;b", "a@b", "[::1",
                          "[zz::1]", "[]", "a:80:90", "h\r"}) {
    EXPECT_FALSE(parseAuthority(bad).has_value()) << bad;
  }
  EXPECT_TRUE(sameAuthority("EXAMPLE.com", "example.com:80", false));
  EXPECT_TRUE(sameAuthority("example.com:443", "example.com", true));
  EXPECT_FALSE(sameAuthority("example.com:443", "example.com", false));
  EXPECT_FALSE(sameAuthority("a.example", "b.example", false));
}

// ------------------------------------------------------------------------------------
// Query strings

TEST(QueryParamsTest, DecodesInOrder) {
  QueryParams q;
  q.parse("a=1&b=%41%42&a=3&flag&=v&k=b=c&&sp=x+y&bad=%zz%4");
  ASSERT_EQ(q.size(), 8u);
  EXPECT_EQ(q[0].key, "a");
  EXPECT_EQ(q[0].value, "1");
  EXPECT_EQ(q[1].value, "AB");
  EXPECT_EQ(q[2].value, "3");
  EXPECT_EQ(q[3].key, "flag");
  EXPECT_EQ(q[3].value, "");
  EXPECT_EQ(q[4].key, "");
  EXPECT_EQ(q[4].value, "v");
  EXPECT_EQ(q[5].key, "k");
  EXPECT_EQ(q[5].value, "b=c");
  EXPECT_EQ(q[6].key, "sp");
  EXPECT_EQ(q[6].value, "x+y");
  EXPECT_EQ(q[7].key, "bad");
  EXPECT_EQ(q[7].value, "%zz%4");
  EXPECT_EQ(q.get("a"), "1");
  EXPECT_EQ(q.count("a"), 2u);
  EXPECT_EQ(q.get("missing"), std::nullopt);
}

TEST(QueryParamsTest, PlusAsSpaceAndInvalidEscapesKept) {
  QueryParams q;
  q.parse("sp=x+y&bad=%zz%4&enc%3D=%3D", PlusDecoding::Space);
  ASSERT_EQ(q.size(), 3u);
  EXPECT_EQ(q[0].value, "x y");
  EXPECT_EQ(q[1].value, "%zz%4");
  EXPECT_EQ(q[2].key, "enc=");
  EXPECT_EQ(q[2].value, "=");
  q.parse("");
  EXPECT_TRUE(q.empty());
  q.parse("&&&");
  EXPECT_TRUE(q.empty());
}

// ------------------------------------------------------------------------------------
// Path normalization

PathNormalizationOptions istio(IstioPathNormalization m) {
  return PathNormalizationOptions::fromIstio(m);
}

struct NormCase {
  std::string in;
  std::string none, base, merge, decode;  // expected output per Istio mode; "!" + reason = error
};

std::string run(std::string_view in, const PathNormalizationOptions& o) {
  std::string out;
  const PathNormalizeResult r = normalizePath(in, o, out);
  if (!r.ok()) return "!" + std::string(pathErrorReason(r.error));
  return out;
}

TEST(PathNormalizationTest, IstioModes) {
  const std::vector<NormCase> cases = {
      {"/admin/../x", "/admin/../x", "/x", "/x", "/x"},
      {"//admin", "//admin", "//admin", "/admin", "/admin"},
      {"/%61dmin", "/%61dmin", "/admin", "/admin", "/admin"},
      {"/admin;x", "/admin;x", "/admin;x", "/admin;x", "/admin;x"},
      {"/ADMIN", "/ADMIN", "/ADMIN", "/ADMIN", "/ADMIN"},
      {"/admin%2Fx", "/admin%2Fx", "/admin%2Fx", "/admin%2Fx", "/admin/x"},
      {"/admin%2fx", "/admin%2fx", "/admin%2Fx", "/admin%2Fx", "/admin/x"},
      {"/admin%5cx", "/admin%5cx", "/admin%5Cx", "/admin%5Cx", "/admin/x"},
      {"/a\\b", "/a\\b", "/a/b", "/a/b", "/a/b"},
      {"/a/%2e%2e/b", "/a/%2e%2e/b", "/b", "/b", "/b"},
      {"/a/%2E/b", "/a/%2E/b", "/a/b", "/a/b", "/a/b"},
      {"/%2e%2e%2fadmin", "/%2e%2e%2fadmin", "/..%2Fadmin", "/..%2Fadmin", "/admin"},
      {"/a%5C..%5Cb", "/a%5C..%5Cb", "/a%5C..%5Cb", "/a%5C..%5Cb", "/b"},
      {"/..", "/..", "/", "/", "/"},
      {"/../../etc/passwd", "/../../etc/passwd", "/etc/passwd", "/etc/passwd", "/etc/passwd"},
      {"/a/./b/.", "/a/./b/.", "/a/b/", "/a/b/", "/a/b/"},
      {"/a/b/..", "/a/b/..", "/a/", "/a/", "/a/"},
      {"/a//../b", "/a//../b", "/a/b", "/a/b", "/a/b"},
      {"/a//b///c/", "/a//b///c/", "/a//b///c/", "/a/b/c/", "/a/b/c/"},
      {"/", "/", "/", "/", "/"},
      {"//", "//", "//", "/", "/"},
      {"/%7Euser/%2D%5F", "/%7Euser/%2D%5F", "/~user/-_", "/~user/-_", "/~user/-_"},
      {"/a%20b%3a", "/a%20b%3a", "/a%20b%3A", "/a%20b%3A", "/a%20b%3A"},
      {"/a%252F", "/a%252F", "/a%252F", "/a%252F", "/a%252F"},
      {"/.../a", "/.../a", "/.../a", "/.../a", "/.../a"},
      {"/a%00b", "!path.encoded_nul", "!path.encoded_nul", "!path.encoded_nul",
       "!path.encoded_nul"},
      {"/a%zz", "!path.invalid_percent_encoding", "!path.invalid_percent_encoding",
       "!path.invalid_percent_encoding", "!path.invalid_percent_encoding"},
      {"/a%2", "!path.invalid_percent_encoding", "!path.invalid_percent_encoding",
       "!path.invalid_percent_encoding", "!path.invalid_percent_encoding"},
      {"/a b", "!path.invalid_character", "!path.invalid_character", "!path.invalid_character",
       "!path.invalid_character"},
      {"/a?b", "!path.invalid_character", "!path.invalid_character", "!path.invalid_character",
       "!path.invalid_character"},
      {"", "!path.not_absolute", "!path.not_absolute", "!path.not_absolute", "!path.not_absolute"},
      {"admin", "!path.not_absolute", "!path.not_absolute", "!path.not_absolute",
       "!path.not_absolute"},
  };
  for (const NormCase& c : cases) {
    EXPECT_EQ(run(c.in, istio(IstioPathNormalization::None)), c.none) << "NONE " << c.in;
    EXPECT_EQ(run(c.in, istio(IstioPathNormalization::Base)), c.base) << "BASE " << c.in;
    EXPECT_EQ(run(c.in, istio(IstioPathNormalization::MergeSlashes)), c.merge)
        << "MERGE_SLASHES " << c.in;
    EXPECT_EQ(run(c.in, istio(IstioPathNormalization::DecodeAndMergeSlashes)), c.decode)
        << "DECODE_AND_MERGE_SLASHES " << c.in;
  }
}

TEST(PathNormalizationTest, ExtraOptions) {
  PathNormalizationOptions o = istio(IstioPathNormalization::MergeSlashes);
  o.path_params = PathParamAction::Strip;
  EXPECT_EQ(run("/admin;x", o), "/admin");
  EXPECT_EQ(run("/admin;jsessionid=1/secret;a=b", o), "/admin/secret");
  EXPECT_EQ(run("/public/..;/admin", o), "/admin");
  EXPECT_EQ(run("/..;/admin", o), "/admin");
  EXPECT_EQ(run("/a%3Bb", o), "/a%3Bb");  // an encoded ';' is data, not a parameter
  o.path_params = PathParamAction::Reject;
  EXPECT_EQ(run("/admin;x", o), "!path.path_parameter");
  o.path_params = PathParamAction::Keep;

  o.lowercase = true;
  EXPECT_EQ(run("/ADMIN/%4A", o), "/admin/j");
  EXPECT_EQ(run("/A%2Fb", o), "/a%2fb");
  o.lowercase = false;

  o.reject_above_root = true;
  EXPECT_EQ(run("/..", o), "!path.above_root");
  EXPECT_EQ(run("/a/../..", o), "!path.above_root");
  EXPECT_EQ(run("/a/../b", o), "/b");

  PathNormalizationOptions e = istio(IstioPathNormalization::Base);
  e.escaped_slashes = EscapedSlashAction::Reject;
  EXPECT_EQ(run("/a%2fb", e), "!path.escaped_slash");
  EXPECT_EQ(run("/a%5Cb", e), "!path.escaped_slash");
  EXPECT_EQ(run("/a/b", e), "/a/b");

  e.escaped_slashes = EscapedSlashAction::DecodeAndRedirect;
  std::string out;
  PathNormalizeResult r = normalizePath("/a%2Fb", e, out);
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(r.redirect);
  EXPECT_EQ(out, "/a/b");
  r = normalizePath("/a/b", e, out);
  EXPECT_FALSE(r.redirect);

  // Decoding slashes without backslash conversion keeps a literal backslash.
  PathNormalizationOptions d;
  d.escaped_slashes = EscapedSlashAction::Decode;
  EXPECT_EQ(run("/a%5Cb%2Fc", d), "/a\\b/c");
}

TEST(PathNormalizationTest, IstioNames) {
  EXPECT_EQ(parseIstioPathNormalization("NONE"), IstioPathNormalization::None);
  EXPECT_EQ(parseIstioPathNormalization("BASE"), IstioPathNormalization::Base);
  EXPECT_EQ(parseIstioPathNormalization("MERGE_SLASHES"), IstioPathNormalization::MergeSlashes);
  EXPECT_EQ(parseIstioPathNormalization("DECODE_AND_MERGE_SLASHES"),
            IstioPathNormalization::DecodeAndMergeSlashes);
  EXPECT_EQ(parseIstioPathNormalization("base"), std::nullopt);
  const auto none = istio(IstioPathNormalization::None);
  EXPECT_FALSE(none.decode_unreserved || none.backslash_to_slash || none.resolve_dot_segments ||
               none.merge_slashes);
  const auto d = istio(IstioPathNormalization::DecodeAndMergeSlashes);
  EXPECT_TRUE(d.decode_unreserved && d.backslash_to_slash && d.resolve_dot_segments &&
              d.merge_slashes);
  EXPECT_EQ(d.escaped_slashes, EscapedSlashAction::Decode);
}

TEST(PathNormalizationTest, Idempotent) {
  const std::vector<std::string> inputs = {"/a/../b",    "//x//y/",       "/%2e%2E/%2f%5c/a",
                                           "/a;b/..;/c", "/A%41%2f%252F", "/./.././",
                                           "/a\\..\\b",  "/%7e%7E~",      "/a//..//..//b"};
  for (int mode = 0; mode < 4; ++mode) {
    for (int extra = 0; extra < 4; ++extra) {
      PathNormalizationOptions o = istio(static_cast<IstioPathNormalization>(mode));
      o.lowercase = extra & 1;
      o.path_params = extra & 2 ? PathParamAction::Strip : PathParamAction::Keep;
      for (const std::string& in : inputs) {
        std::string once;
        std::string twice;
        ASSERT_TRUE(normalizePath(in, o, once).ok()) << in;
        ASSERT_TRUE(normalizePath(once, o, twice).ok()) << once;
        EXPECT_EQ(once, twice) << "mode " << mode << " extra " << extra << " in " << in;
      }
    }
  }
}

}  // namespace
}  // namespace meshgate::http
