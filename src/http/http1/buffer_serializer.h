// SPDX-License-Identifier: Apache-2.0
// The serializer's functions writing straight into a connection's base::Buffer
// (one size computation, one reservation, no intermediate string).
// Depends on http1/serializer and base/buffer.
#pragma once

#include <cstring>
#include <string_view>

#include "base/buffer.h"
#include "http/http1/serializer.h"

namespace meshgate::http1 {

void appendRequestHead(const http::RequestHead& head, base::Buffer& out);
void appendResponseHead(const http::ResponseHead& head, base::Buffer& out);
/// One chunk; empty data appends nothing.
void appendChunk(std::string_view data, base::Buffer& out);
/// "0\r\n" + trailers + "\r\n".
void appendLastChunk(const http::HeaderMap* trailers, base::Buffer& out);

}  // namespace meshgate::http1
