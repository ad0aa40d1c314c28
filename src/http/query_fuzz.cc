// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for query-string parsing: pairs re-encoded and re-parsed are identical,
// decoding never grows the text, and '+' handling follows the option.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/chars.h"
#include "http/path.h"

namespace {

using namespace meshgate::http;

void check(bool cond, const char* what) {
  if (!cond) {
    fprintf(stderr, "invariant violated: %s\n", what);
    abort();
  }
}

void encode(std::string_view s, std::string& out) {
  for (char c : s) {
    if (kUnreservedChar[static_cast<uint8_t>(c)]) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kUpperHexDigits[static_cast<uint8_t>(c) >> 4]);
      out.push_back(kUpperHexDigits[static_cast<uint8_t>(c) & 15]);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const PlusDecoding plus = (data[0] & 1) ? PlusDecoding::Space : PlusDecoding::Plus;
  const std::string_view query(reinterpret_cast<const char*>(data) + 1, size - 1);
  QueryParams q;
  q.parse(query, plus);
  size_t amps = 0;
  for (char c : query)
    amps += c == '&' ? 1 : 0;
  check(q.size() <= amps + 1, "at most one pair per '&'-separated part");
  size_t decoded = 0;
  for (const QueryParam& p : q)
    decoded += p.key.size() + p.value.size();
  check(decoded <= query.size(), "decoding never grows");
  if (plus == PlusDecoding::Space && query.find("%2") == std::string_view::npos) {
    for (const QueryParam& p : q) {
      check(
          p.key.find('+') == std::string_view::npos && p.value.find('+') == std::string_view::npos,
          "'+' decoded as space");
    }
  }

  std::string again;
  for (const QueryParam& p : q) {
    if (!again.empty()) again.push_back('&');
    encode(p.key, again);
    again.push_back('=');
    encode(p.value, again);
  }
  QueryParams r;
  r.parse(again, plus);
  check(r.size() == q.size(), "same number of pairs");
  for (size_t i = 0; i < q.size(); ++i) {
    check(r[i].key == q[i].key && r[i].value == q[i].value, "same pairs after re-encoding");
  }
  for (const QueryParam& p : q)
    check(q.get(p.key).has_value(), "get finds every key");
  return 0;
}
