// SPDX-License-Identifier: Apache-2.0
// Fuzzes the request-side parsers of the JWT filter: token extraction from header values with
// a prefix, query parameters and cookies, their removal, and jwksUri parsing. Checks the
// invariants: extracted views lie inside the request, removal really removes, and a parsed
// URL re-parses to itself.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/assert.h"
#include "filters/jwt_authn/token_extractor.h"
#include "upstream/http_fetcher.h"

using namespace meshgate;
using namespace meshgate::filters::jwt_authn;
using meshgate::upstream::parseHttpUrl;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  // "<name>\n<rest>": a location name (parameter or cookie), then the text.
  const size_t nl = in.find('\n');
  const std::string_view name = nl == std::string_view::npos ? "access_token" : in.substr(0, nl);
  const std::string_view text = nl == std::string_view::npos ? in : in.substr(nl + 1);

  if (auto v = valueAfterPrefix(text, "Bearer ")) {
    MG_ASSERT(v->data() >= text.data() && v->data() + v->size() <= text.data() + text.size(),
              "token view outside the header value");
  }
  if (queryParamValue(text, name)) {
    const std::string rest = removeQueryParam(text, name);
    MG_ASSERT(!queryParamValue(rest, name), "parameter still present after removal");
    MG_ASSERT(rest.size() <= text.size(), "removal grew the query");
  }

  http::RequestHead head;
  if (head.headers().add("cookie", text) && head.headers().add("authorization", text)) {
    LocationTable table({TokenLocation{LocationKind::Header, "authorization", "Bearer "},
                         TokenLocation{LocationKind::Cookie, std::string(name), ""},
                         TokenLocation{LocationKind::Param, std::string(name), ""}});
    TokenList tokens;
    table.extract(head, ~LocationMask{0}, tokens);
    if (cookieValue(head.headers(), name)) {
      removeCookie(head.headers(), name);
      MG_ASSERT(!cookieValue(head.headers(), name), "cookie still present after removal");
    }
  }

  auto url = parseHttpUrl(text);
  if (url.ok()) {
    const std::string again_text =
        std::string(url->https ? "https://" : "http://") + url->authority + url->path;
    auto again = parseHttpUrl(again_text);
    MG_ASSERT(again.ok(), "a parsed URL does not re-parse");
    MG_ASSERT(again->host == url->host && again->port == url->port && again->path == url->path,
              "URL round trip changed it");
  }
  return 0;
}
