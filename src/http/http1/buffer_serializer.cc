// SPDX-License-Identifier: Apache-2.0
#include "http/http1/buffer_serializer.h"

namespace meshgate::http1 {

void appendRequestHead(const http::RequestHead& head, base::Buffer& out) {
  const size_t n = requestHeadSize(head);
  char* p = out.prepare(n);
  out.commit(static_cast<size_t>(writeRequestHead(head, p) - p));
}

void appendResponseHead(const http::ResponseHead& head, base::Buffer& out) {
  const size_t n = responseHeadSize(head);
  char* p = out.prepare(n);
  out.commit(static_cast<size_t>(writeResponseHead(head, p) - p));
}

void appendChunk(std::string_view data, base::Buffer& out) {
  if (data.empty()) return;
  char* p = out.prepare(kMaxChunkHeaderSize + data.size() + kChunkTerminator.size());
  char* e = writeChunkHeader(data.size(), p);
  std::memcpy(e, data.data(), data.size());
  e += data.size();
  std::memcpy(e, kChunkTerminator.data(), kChunkTerminator.size());
  e += kChunkTerminator.size();
  out.commit(static_cast<size_t>(e - p));
}

void appendLastChunk(const http::HeaderMap* trailers, base::Buffer& out) {
  if (!trailers || trailers->empty()) {
    out.append("0\r\n\r\n");
    return;
  }
  const size_t n = 3 + fieldsSize(*trailers) + 2;
  char* p = out.prepare(n);
  std::memcpy(p, "0\r\n", 3);
  char* e = writeFields(*trailers, p + 3, HeaderCase::Lower);
  std::memcpy(e, "\r\n", 2);
  out.commit(static_cast<size_t>(e + 2 - p));
}

}  // namespace meshgate::http1
