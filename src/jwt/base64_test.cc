// SPDX-License-Identifier: Apache-2.0
#include "jwt/base64.h"

#include <gtest/gtest.h>

namespace meshgate::jwt {
namespace {

TEST(Base64Url, RoundTripsEveryLength) {
  std::string data;
  for (int i = 0; i < 300; ++i) {
    std::string enc = base64UrlEncode(data);
    EXPECT_EQ(enc.find('='), std::string::npos);
    auto dec = base64UrlDecode(enc);
    ASSERT_TRUE(dec.has_value()) << enc;
    EXPECT_EQ(*dec, data);
    data.push_back(static_cast<char>(i * 37 + 11));
  }
}

TEST(Base64Url, KnownVectors) {
  // RFC 4648 §10, with the URL alphabet and padding dropped.
  EXPECT_EQ(base64UrlEncode(""), "");
  EXPECT_EQ(base64UrlEncode("f"), "Zg");
  EXPECT_EQ(base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(base64UrlEncode("foo"), "Zm9v");
  EXPECT_EQ(base64UrlEncode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_EQ(*base64UrlDecode("-_8"), "\xfb\xff");
}

TEST(Base64Url, RejectsPaddingWhenForbidden) {
  EXPECT_FALSE(base64UrlDecode("Zg=="));
  EXPECT_FALSE(base64UrlDecode("Zm8="));
  EXPECT_FALSE(base64UrlDecode("Zm9v="));
}

TEST(Base64Url, AcceptsOnlyCanonicalPaddingWhenOptional) {
  auto opt = Base64UrlPadding::Optional;
  EXPECT_EQ(*base64UrlDecode("Zg==", opt), "f");
  EXPECT_EQ(*base64UrlDecode("Zg", opt), "f");
  EXPECT_EQ(*base64UrlDecode("Zm8=", opt), "fo");
  EXPECT_FALSE(base64UrlDecode("Zg=", opt));    // short padding
  EXPECT_FALSE(base64UrlDecode("Zg===", opt));  // too much
  EXPECT_FALSE(base64UrlDecode("Zm9v====", opt));
  EXPECT_FALSE(base64UrlDecode("====", opt));
  EXPECT_FALSE(base64UrlDecode("Z=g=", opt));  // '=' inside
}

TEST(Base64Url, RejectsInvalidCharacters) {
  for (std::string bad : {"Zm9v+", "Zm9v/", "Zm 9v", "Zm9v\n", "Zm.9", "Zm9v\x80", "Zm\0v"}) {
    EXPECT_FALSE(base64UrlDecode(bad)) << bad;
  }
  EXPECT_FALSE(base64UrlDecode(std::string("Zm9\0", 4)));
}

TEST(Base64Url, RejectsImpossibleLength) {
  EXPECT_FALSE(base64UrlDecode("Z"));
  EXPECT_FALSE(base64UrlDecode("Zm9vY"));
}

TEST(Base64Url, RejectsNonCanonicalTrailingBits) {
  // "Zg" is the only encoding of "f"; "Zh".."Zv" carry non-zero unused bits.
  EXPECT_TRUE(base64UrlDecode("Zg"));
  EXPECT_FALSE(base64UrlDecode("Zh"));
  EXPECT_FALSE(base64UrlDecode("Zv"));
  EXPECT_TRUE(base64UrlDecode("Zm8"));
  EXPECT_FALSE(base64UrlDecode("Zm9"));
  EXPECT_FALSE(base64UrlDecode("Zm-"));
}

TEST(Base64Std, RoundTripAndStrictness) {
  EXPECT_EQ(base64Encode("foob"), "Zm9vYg==");
  EXPECT_EQ(*base64Decode("Zm9vYg=="), "foob");
  EXPECT_EQ(*base64Decode("+/8="), "\xfb\xff");
  EXPECT_FALSE(base64Decode("Zm9vYg"));      // padding required
  EXPECT_FALSE(base64Decode("Zm9vYg="));     // wrong amount
  EXPECT_FALSE(base64Decode("Zm9vYh=="));    // non-canonical bits
  EXPECT_FALSE(base64Decode("-_8="));        // URL alphabet
  EXPECT_FALSE(base64Decode("Zm9v\nYg=="));  // whitespace
  EXPECT_EQ(*base64Decode(""), "");
  std::string data;
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(*base64Decode(base64Encode(data)), data);
    data.push_back(static_cast<char>(255 - i));
  }
}

}  // namespace
}  // namespace meshgate::jwt
