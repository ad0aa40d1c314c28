// SPDX-License-Identifier: Apache-2.0
// HTTP/1.1 serialization. Depends on http only.
#include "http/http1/serializer.h"

#include <cstring>

#include "http/chars.h"

namespace meshgate::http1 {

namespace {

char* put(char* out, std::string_view s) {
  if (!s.empty()) std::memcpy(out, s.data(), s.size());
  return out + s.size();
}

char* putName(char* out, std::string_view name, HeaderCase header_case) {
  if (header_case == HeaderCase::Lower) return put(out, name);
  bool upper = true;
  for (char c : name) {
    *out++ = upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c;
    upper = c == '-';
  }
  return out;
}

size_t decimalDigits(uint64_t v) {
  size_t n = 1;
  while (v >= 10) {
    v /= 10;
    ++n;
  }
  return n;
}

char* putDecimal(char* out, uint64_t v) {
  const size_t n = decimalDigits(v);
  for (size_t i = n; i > 0; --i) {
    out[i - 1] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  return out + n;
}

struct OriginTarget {
  std::string_view path;
  std::string_view query;
  bool has_query;
  bool whole;  // write head.target() as is
};

OriginTarget originTarget(const http::RequestHead& head) {
  if (head.targetForm() != http::TargetForm::Absolute) return {{}, {}, false, true};
  return {head.path(), head.query(), head.hasQuery(), false};
}

size_t targetSize(const http::RequestHead& head) {
  const OriginTarget t = originTarget(head);
  if (t.whole) return head.target().size();
  return t.path.size() + (t.has_query ? 1 + t.query.size() : 0);
}

std::string_view reasonOf(const http::ResponseHead& head) {
  return head.reason().empty() ? http::reasonPhrase(head.status()) : head.reason();
}

bool hasNoBody(uint16_t status) {
  return (status >= 100 && status < 200) || status == 204 || status == 304;
}

}  // namespace

size_t fieldsSize(const http::HeaderMap& fields) {
  return fields.byteSize() + 4 * fields.size();
}

char* writeFields(const http::HeaderMap& fields, char* out, HeaderCase header_case) {
  for (const http::HeaderField f : fields) {
    out = putName(out, f.name, header_case);
    *out++ = ':';
    *out++ = ' ';
    out = put(out, f.value);
    *out++ = '\r';
    *out++ = '\n';
  }
  return out;
}

size_t requestHeadSize(const http::RequestHead& head) {
  return head.methodText().size() + 1 + targetSize(head) + 1 + 8 + 2 + fieldsSize(head.headers()) +
         2;
}

char* writeRequestHead(const http::RequestHead& head, char* out, HeaderCase header_case) {
  out = put(out, head.methodText());
  *out++ = ' ';
  const OriginTarget t = originTarget(head);
  if (t.whole) {
    out = put(out, head.target());
  } else {
    out = put(out, t.path);
    if (t.has_query) {
      *out++ = '?';
      out = put(out, t.query);
    }
  }
  *out++ = ' ';
  out = put(out, http::versionText(head.version()));
  *out++ = '\r';
  *out++ = '\n';
  out = writeFields(head.headers(), out, header_case);
  *out++ = '\r';
  *out++ = '\n';
  return out;
}

void appendRequestHead(const http::RequestHead& head, std::string& out, HeaderCase header_case) {
  const size_t old = out.size();
  const size_t n = requestHeadSize(head);
  out.resize(old + n);
  char* end = writeRequestHead(head, out.data() + old, header_case);
  out.resize(static_cast<size_t>(end - out.data()));
}

size_t responseHeadSize(const http::ResponseHead& head) {
  const std::string_view reason = reasonOf(head);
  return 8 + 1 + 3 + (reason.empty() ? 0 : 1 + reason.size()) + 2 + fieldsSize(head.headers()) + 2;
}

char* writeResponseHead(const http::ResponseHead& head, char* out, HeaderCase header_case) {
  out = put(out, http::versionText(head.version()));
  *out++ = ' ';
  const uint16_t s = head.status();
  *out++ = static_cast<char>('0' + s / 100 % 10);
  *out++ = static_cast<char>('0' + s / 10 % 10);
  *out++ = static_cast<char>('0' + s % 10);
  const std::string_view reason = reasonOf(head);
  if (!reason.empty()) {
    *out++ = ' ';
    out = put(out, reason);
  }
  *out++ = '\r';
  *out++ = '\n';
  out = writeFields(head.headers(), out, header_case);
  *out++ = '\r';
  *out++ = '\n';
  return out;
}

void appendResponseHead(const http::ResponseHead& head, std::string& out, HeaderCase header_case) {
  const size_t old = out.size();
  out.resize(old + responseHeadSize(head));
  char* end = writeResponseHead(head, out.data() + old, header_case);
  out.resize(static_cast<size_t>(end - out.data()));
}

char* writeChunkHeader(uint64_t size, char* out) {
  int shift = 60;
  while (shift > 0 && ((size >> shift) & 0xf) == 0)
    shift -= 4;
  for (; shift >= 0; shift -= 4)
    *out++ = http::kUpperHexDigits[(size >> shift) & 0xf];
  *out++ = '\r';
  *out++ = '\n';
  return out;
}

void appendChunk(std::string_view data, std::string& out) {
  if (data.empty()) return;
  const size_t old = out.size();
  out.resize(old + kMaxChunkHeaderSize + data.size() + 2);
  char* p = writeChunkHeader(data.size(), out.data() + old);
  p = put(p, data);
  *p++ = '\r';
  *p++ = '\n';
  out.resize(static_cast<size_t>(p - out.data()));
}

void appendLastChunk(const http::HeaderMap* trailers, std::string& out, HeaderCase header_case) {
  const size_t old = out.size();
  const size_t fields = trailers == nullptr ? 0 : fieldsSize(*trailers);
  out.resize(old + 3 + fields + 2);
  char* p = put(out.data() + old, "0\r\n");
  if (trailers != nullptr) p = writeFields(*trailers, p, header_case);
  *p++ = '\r';
  *p++ = '\n';
  out.resize(static_cast<size_t>(p - out.data()));
}

void appendLocalReply(const LocalReply& r, std::string& out) {
  static constexpr std::string_view kContentLength = "content-length: ";
  static constexpr std::string_view kContentType = "content-type: ";
  static constexpr std::string_view kDate = "date: ";
  static constexpr std::string_view kClose = "connection: close\r\n";
  const bool bodyless = hasNoBody(r.status);
  const std::string_view body = bodyless ? std::string_view() : r.body;
  const std::string_view reason = http::reasonPhrase(r.status);

  size_t n = 8 + 1 + 3 + (reason.empty() ? 0 : 1 + reason.size()) + 2;
  if (!bodyless) n += kContentLength.size() + decimalDigits(body.size()) + 2;
  if (!body.empty()) n += kContentType.size() + r.content_type.size() + 2;
  if (!r.date.empty()) n += kDate.size() + r.date.size() + 2;
  if (r.close_connection) n += kClose.size();
  if (r.headers != nullptr) n += fieldsSize(*r.headers);
  n += 2;
  if (!r.head_request) n += body.size();

  const size_t old = out.size();
  out.resize(old + n);
  char* p = put(out.data() + old, "HTTP/1.1 ");
  *p++ = static_cast<char>('0' + r.status / 100 % 10);
  *p++ = static_cast<char>('0' + r.status / 10 % 10);
  *p++ = static_cast<char>('0' + r.status % 10);
  if (!reason.empty()) {
    *p++ = ' ';
    p = put(p, reason);
  }
  p = put(p, "\r\n");
  if (!bodyless) {
    p = put(p, kContentLength);
    p = putDecimal(p, body.size());
    p = put(p, "\r\n");
  }
  if (!body.empty()) {
    p = put(p, kContentType);
    p = put(p, r.content_type);
    p = put(p, "\r\n");
  }
  if (!r.date.empty()) {
    p = put(p, kDate);
    p = put(p, r.date);
    p = put(p, "\r\n");
  }
  if (r.close_connection) p = put(p, kClose);
  if (r.headers != nullptr) p = writeFields(*r.headers, p, HeaderCase::Lower);
  p = put(p, "\r\n");
  if (!r.head_request) p = put(p, body);
  out.resize(static_cast<size_t>(p - out.data()));
}

}  // namespace meshgate::http1
