// SPDX-License-Identifier: Apache-2.0
// The HTTP/1.1 parser state machine. Lines are found with an SSE2 scan (bounded by the section's
// remaining budget) and validated in one table-driven pass; a line split across parse()
// calls is carried in a small buffer. Depends on http only.
#include "http/http1/parser.h"

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "base/assert.h"
#include "http/chars.h"
#include "http/http1/hop_by_hop.h"
#include "http/path.h"

namespace meshgate::http1 {

using http::HeaderId;
using http::HeaderMap;
using http::Version;

namespace {

struct ErrorInfo {
  uint16_t status;
  std::string_view reason;
  std::string_view message;
};

// Indexed by ParseErrorCode.
constexpr ErrorInfo kErrors[] = {
    {0, "", ""},
    {400, "http1.invalid_method", "the method is not a token"},
    {400, "http1.lowercase_method", "the method has lower-case letters"},
    {400, "http1.invalid_target", "invalid request-target"},
    {400, "http1.invalid_request_line", "malformed request line (extra or missing spaces)"},
    {400, "http1.http09_request", "HTTP/0.9 requests are not supported"},
    {400, "http1.invalid_version", "malformed HTTP version"},
    {505, "http1.unsupported_version", "only HTTP/1.0 and HTTP/1.1 are supported"},
    {505, "http1.http2_preface",
     "HTTP/2 with prior knowledge is not supported on this listener (HTTP/1.1 only)"},
    {414, "http1.start_line_too_long", "the request or status line is longer than the limit"},
    {400, "http1.invalid_status_line", "malformed status line"},
    {400, "http1.invalid_status", "invalid status code"},
    {400, "http1.bare_lf", "line ending without CR (bare LF)"},
    {400, "http1.bare_cr", "CR not followed by LF"},
    {400, "http1.obs_fold", "obsolete line folding (a field line starting with whitespace)"},
    {400, "http1.whitespace_before_colon", "whitespace between a field name and the colon"},
    {400, "http1.empty_header_name", "empty field name"},
    {400, "http1.invalid_header_name", "invalid character in a field name, or no colon"},
    {400, "http1.invalid_header_value", "invalid character (NUL or control) in a field value"},
    {431, "http1.headers_too_large", "the header section is larger than the limit"},
    {431, "http1.too_many_headers", "more header fields than the limit"},
    {400, "http1.missing_host", "HTTP/1.1 request without Host"},
    {400, "http1.multiple_host", "more than one Host field"},
    {400, "http1.invalid_host", "invalid Host"},
    {400, "http1.host_mismatch", "Host differs from the authority of the absolute-form target"},
    {400, "http1.content_length_and_transfer_encoding",
     "both Content-Length and Transfer-Encoding are present"},
    {400, "http1.multiple_content_length", "more than one Content-Length value"},
    {400, "http1.invalid_content_length", "Content-Length is not a decimal number below 2^63"},
    {400, "http1.transfer_encoding_http10", "Transfer-Encoding in an HTTP/1.0 message"},
    {400, "http1.transfer_encoding_not_chunked", "the final transfer coding is not chunked"},
    {400, "http1.invalid_transfer_encoding",
     "malformed Transfer-Encoding (empty element, parameters on chunked, chunked twice)"},
    {501, "http1.unsupported_transfer_encoding",
     "transfer codings other than chunked are not supported"},
    {400, "http1.invalid_connection", "malformed Connection field"},
    {400, "http1.connection_protected_header",
     "Connection names Host, Content-Length or Transfer-Encoding"},
    {417, "http1.unsupported_expect", "expectations other than 100-continue are not supported"},
    {413, "http1.body_too_large", "the body is larger than the limit"},
    {400, "http1.invalid_chunk_size", "invalid chunk size (not hex, too long, or above 2^63)"},
    {400, "http1.invalid_chunk_extension", "malformed chunk extension"},
    {400, "http1.chunk_header_too_long", "chunk extensions longer than the limit"},
    {400, "http1.invalid_chunk_terminator", "chunk data not followed by CRLF"},
    {431, "http1.trailers_too_large", "the trailer section is larger than the limit"},
    {431, "http1.too_many_trailers", "more trailer fields than the limit"},
    {400, "http1.forbidden_trailer", "a framing, routing or hop-by-hop field in the trailers"},
    {400, "http1.too_many_interim_responses", "too many 1xx interim responses"},
    {400, "http1.premature_close", "the connection closed in the middle of a message"},
};

static_assert(sizeof(kErrors) / sizeof(kErrors[0]) ==
              static_cast<size_t>(ParseErrorCode::PrematureClose) + 1);

constexpr uint64_t kMaxLength = static_cast<uint64_t>(INT64_MAX);  // 2^63 - 1
constexpr uint32_t kMaxInterimResponses = 16;
constexpr size_t kRetainedLineCapacity = 4096;

// Index of the first byte of [p, p+n) that is not field-content, or n.
size_t findInvalidValueChar(const char* p, size_t n) {
  size_t i = 0;
#if defined(__SSE2__)
  const __m128i k20 = _mm_set1_epi8(0x20);
  const __m128i k7f = _mm_set1_epi8(0x7f);
  for (; i + 16 <= n; i += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    // Valid when x >= 0x20 (unsigned) and x != 0x7f; HTAB goes to the scalar check.
    const __m128i ge20 = _mm_cmpeq_epi8(_mm_max_epu8(x, k20), x);
    const __m128i del = _mm_cmpeq_epi8(x, k7f);
    const int ok = _mm_movemask_epi8(_mm_andnot_si128(del, ge20));
    if (ok != 0xffff) {
      for (size_t j = i; j < i + 16; ++j) {
        if (!http::isFieldValueChar(p[j])) return j;
      }
    }
  }
#endif
  for (; i < n; ++i) {
    if (!http::isFieldValueChar(p[i])) return i;
  }
  return n;
}

// The first `c` in [p, p+n), or nullptr. Inline SSE2 for the short spans of a head (lines
// are ~20-100 bytes), where a libc memchr call costs more than the scan; memchr for long ones.
inline const char* findByte(const char* p, size_t n, char c) {
#if defined(__SSE2__)
  if (n > 256) return static_cast<const char*>(std::memchr(p, c, n));
  const __m128i needle = _mm_set1_epi8(c);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const int mask = _mm_movemask_epi8(_mm_cmpeq_epi8(x, needle));
    if (mask != 0) return p + i + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
  }
  for (; i < n; ++i) {
    if (p[i] == c) return p + i;
  }
  return nullptr;
#else
  return static_cast<const char*>(std::memchr(p, c, n));
#endif
}

bool hasLower(std::string_view s) {
  for (char c : s) {
    if (c >= 'a' && c <= 'z') return true;
  }
  return false;
}

// Calls fn(element) for each comma-separated element of `value`, trimmed of OWS
// (empty elements included). Stops early when fn returns false.
template <typename Fn>
bool forEachElement(std::string_view value, Fn&& fn) {
  size_t start = 0;
  while (true) {
    const size_t comma = value.find(',', start);
    const std::string_view elem = http::trimOws(
        value.substr(start, comma == std::string_view::npos ? value.npos : comma - start));
    if (!fn(elem)) return false;
    if (comma == std::string_view::npos) return true;
    start = comma + 1;
  }
}

// chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
// chunk-ext-val = token / quoted-string
bool validChunkExtensions(std::string_view ext) {
  const size_t n = ext.size();
  size_t k = 0;
  auto skipBws = [&] {
    while (k < n && http::isOws(ext[k]))
      ++k;
  };
  while (k < n) {
    skipBws();
    if (k == n || ext[k] != ';') return false;
    ++k;
    skipBws();
    const size_t name_start = k;
    while (k < n && http::isTchar(ext[k]))
      ++k;
    if (k == name_start) return false;
    const size_t after_name = k;
    skipBws();
    if (k == n || ext[k] != '=') {
      k = after_name;  // that whitespace must lead to the next ';'
      continue;
    }
    ++k;
    skipBws();
    if (k < n && ext[k] == '"') {
      ++k;
      bool closed = false;
      while (k < n && !closed) {
        const char c = ext[k];
        if (c == '"') {
          closed = true;
        } else if (c == '\\') {
          if (k + 1 >= n || !http::isFieldValueChar(ext[k + 1])) return false;
          ++k;
        } else if (!http::isFieldValueChar(c)) {
          return false;
        }
        ++k;
      }
      if (!closed) return false;
    } else {
      const size_t value_start = k;
      while (k < n && http::isTchar(ext[k]))
        ++k;
      if (k == value_start) return false;
    }
  }
  return true;
}

bool isForbiddenTrailer(HeaderId id) {
  switch (id) {
    case HeaderId::ContentLength:
    case HeaderId::TransferEncoding:
    case HeaderId::Host:
    case HeaderId::Connection:
    case HeaderId::KeepAlive:
    case HeaderId::ProxyConnection:
    case HeaderId::Te:
    case HeaderId::Trailer:
    case HeaderId::Upgrade:
    case HeaderId::Expect:
    case HeaderId::Http2Settings:
      return true;
    default:
      return false;
  }
}

}  // namespace

ParseError describe(ParseErrorCode code, Direction direction) {
  const ErrorInfo& info = kErrors[static_cast<size_t>(code)];
  ParseError e;
  e.code = code;
  e.reason = info.reason;
  e.message = info.message;
  e.status = code == ParseErrorCode::None       ? 0
             : direction == Direction::Response ? 502
                                                : info.status;
  return e;
}

// ---------------------------------------------------------------------------------------
// MessageParser

namespace detail {

MessageParser::MessageParser(Direction direction, const ParserOptions& options)
    : direction_(direction), options_(options) {}

void MessageParser::startMessage(HeaderMap* fields) {
  fields_ = fields;
  state_ = State::StartLine;
  framing_ = Framing{};
  trailers_.clear();
  error_ = ParseError{};
  error_detail_ = {};
  // A long line split across reads grew the carry buffer; do not keep that per connection.
  if (line_.capacity() > kRetainedLineCapacity) {
    std::string().swap(line_);
  } else {
    line_.clear();
  }
  line_in_use_ = false;
  budget_ = options_.max_start_line_bytes;
  fields_seen_ = 0;
  remaining_ = 0;
  body_bytes_ = 0;
  announced_ = 0;
}

uint32_t MessageParser::chunkLineBudget() const {
  // 16 hex digits, the extensions, CRLF; clamped so that a huge extension limit cannot wrap.
  const uint64_t budget = 16ull + options_.max_chunk_extension_bytes + 2;
  return budget > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(budget);
}

void MessageParser::releaseBuffers() {
  std::string().swap(line_);
  line_in_use_ = false;
  trailers_.releaseMemory();
}

Event MessageParser::fail(ParseErrorCode code, size_t consumed) {
  state_ = State::Error;
  error_ = describe(code, direction_);
  if (!error_detail_.empty()) error_.message = error_detail_;
  return Event{EventType::Error, consumed, {}};
}

MessageParser::LineStatus MessageParser::readLine(std::string_view in, size_t& pos,
                                                  std::string_view& line) {
  if (line_in_use_) {
    line_.clear();
    line_in_use_ = false;
  }
  const size_t avail = in.size() - pos;
  const size_t scan = avail < budget_ ? avail : budget_;
  const char* start = in.data() + pos;
  const char* lf = findByte(start, scan, '\n');
  if (lf == nullptr) {
    // No LF within the budget: the line cannot fit once the budget is used up.
    if (avail != 0 && avail >= budget_) return LineStatus::TooLong;
    line_.append(start, avail);
    budget_ -= static_cast<uint32_t>(avail);
    pos = in.size();
    return LineStatus::NeedMore;
  }
  const size_t n = static_cast<size_t>(lf - start);
  budget_ -= static_cast<uint32_t>(n + 1);
  pos += n + 1;
  if (line_.empty()) {
    line = std::string_view(start, n);
  } else {
    line_.append(start, n);
    line = line_;
    line_in_use_ = true;
  }
  if (line.empty() || line.back() != '\r') return LineStatus::BareLf;
  line.remove_suffix(1);
  return LineStatus::Line;
}

ParseErrorCode MessageParser::parseFieldLine(std::string_view line, HeaderMap& into, bool trailer) {
  const char* p = line.data();
  const size_t n = line.size();
  if (http::isOws(p[0])) return ParseErrorCode::ObsFold;
  // The name ends at the first ':' (which is not a tchar); HeaderMap validates its bytes
  // while copying them.
  const char* colon_ptr = findByte(p, n, ':');
  const size_t colon =
      colon_ptr == nullptr ? n : static_cast<size_t>(static_cast<const char*>(colon_ptr) - p);
  if (colon == 0) return ParseErrorCode::EmptyHeaderName;
  size_t v = colon + 1;
  while (v < n && http::isOws(p[v]))
    ++v;
  size_t e = n;
  while (e > v && http::isOws(p[e - 1]))
    --e;
  if (colon != n) {
    const size_t bad = findInvalidValueChar(p + v, e - v);
    if (bad != e - v) {
      return p[v + bad] == '\r' ? ParseErrorCode::BareCr : ParseErrorCode::InvalidHeaderValue;
    }
  }
  if (colon != n && ++fields_seen_ > options_.max_headers) {
    return trailer ? ParseErrorCode::TooManyTrailers : ParseErrorCode::TooManyHeaders;
  }
  if (colon == n ||
      !into.addCodecField(std::string_view(p, colon), std::string_view(p + v, e - v))) {
    // Say what is wrong with the name, from its first non-token byte.
    size_t i = 0;
    while (i < colon && http::isTchar(p[i]))
      ++i;
    if (i == colon) return ParseErrorCode::InvalidHeaderName;  // no colon at all
    if (http::isOws(p[i])) return ParseErrorCode::WhitespaceBeforeColon;
    if (p[i] == '\r') return ParseErrorCode::BareCr;
    return ParseErrorCode::InvalidHeaderName;
  }
  return ParseErrorCode::None;
}

ParseErrorCode MessageParser::parseChunkSize(std::string_view line) {
  size_t i = 0;
  uint64_t size = 0;
  while (i < line.size() && http::isHexDigit(line[i])) {
    if (i == 16) return ParseErrorCode::InvalidChunkSize;
    size = size << 4 | http::kHexValue[static_cast<uint8_t>(line[i])];
    ++i;
  }
  if (i == 0) {
    return !line.empty() && line[0] == '\r' ? ParseErrorCode::BareCr
                                            : ParseErrorCode::InvalidChunkSize;
  }
  if (size > kMaxLength) return ParseErrorCode::InvalidChunkSize;
  const std::string_view ext = line.substr(i);
  if (ext.size() > options_.max_chunk_extension_bytes) return ParseErrorCode::ChunkHeaderTooLong;
  if (!ext.empty() && !validChunkExtensions(ext)) {
    return ext.find('\r') != std::string_view::npos ? ParseErrorCode::BareCr
                                                    : ParseErrorCode::InvalidChunkExtension;
  }
  if (size > options_.max_body_bytes - announced_) return ParseErrorCode::BodyTooLarge;
  announced_ += size;
  if (size == 0) {
    state_ = State::TrailerLines;
    budget_ = options_.max_header_bytes;
    fields_seen_ = 0;
  } else {
    remaining_ = size;
    state_ = State::ChunkData;
  }
  return ParseErrorCode::None;
}

ParseErrorCode MessageParser::checkTrailers() const {
  for (const http::HeaderField f : trailers_) {
    if (isForbiddenTrailer(f.id)) return ParseErrorCode::ForbiddenTrailer;
  }
  return ParseErrorCode::None;
}

ParseErrorCode MessageParser::resolveBodyLength(const HeaderMap& h, Version version, bool& chunked,
                                                bool& has_length, uint64_t& length) const {
  chunked = false;
  has_length = false;
  length = 0;
  const size_t te_count = h.count(HeaderId::TransferEncoding);
  const size_t cl_count = h.count(HeaderId::ContentLength);
  if (te_count != 0) {
    if (cl_count != 0) return ParseErrorCode::ContentLengthAndTransferEncoding;
    if (version == Version::Http10) return ParseErrorCode::TransferEncodingHttp10;
    bool invalid = false;
    bool other = false;
    bool last_chunked = false;
    int chunked_seen = 0;
    h.forEachValue(HeaderId::TransferEncoding, [&](std::string_view value) {
      forEachElement(value, [&](std::string_view elem) {
        const size_t semi = elem.find(';');
        const std::string_view name = http::trimOws(elem.substr(0, semi));
        if (!http::isToken(name)) {
          invalid = true;
          return false;
        }
        if (http::equalsIgnoreCase(name, "chunked")) {
          if (semi != std::string_view::npos) invalid = true;  // chunked takes no parameters
          ++chunked_seen;
          last_chunked = true;
        } else {
          other = true;
          last_chunked = false;
        }
        return !invalid;
      });
    });
    if (invalid) return ParseErrorCode::InvalidTransferEncoding;
    if (!last_chunked) return ParseErrorCode::TransferEncodingNotChunked;
    if (chunked_seen > 1) return ParseErrorCode::InvalidTransferEncoding;
    if (other) return ParseErrorCode::UnsupportedTransferEncoding;
    chunked = true;
    return ParseErrorCode::None;
  }
  if (cl_count > 1) return ParseErrorCode::MultipleContentLength;
  if (cl_count == 1) {
    const std::string_view v = *h.get(HeaderId::ContentLength);
    if (v.find(',') != std::string_view::npos) return ParseErrorCode::MultipleContentLength;
    if (v.empty() || v.size() > 19) return ParseErrorCode::InvalidContentLength;
    uint64_t n = 0;
    for (char c : v) {
      if (c < '0' || c > '9') return ParseErrorCode::InvalidContentLength;
      n = n * 10 + static_cast<uint64_t>(c - '0');  // 19 digits cannot overflow uint64
    }
    if (n > kMaxLength) return ParseErrorCode::InvalidContentLength;
    has_length = true;
    length = n;
  }
  return ParseErrorCode::None;
}

ParseErrorCode MessageParser::parseConnection(const HeaderMap& h, bool& close, bool& keep_alive,
                                              bool& upgrade) const {
  close = keep_alive = upgrade = false;
  ParseErrorCode err = ParseErrorCode::None;
  size_t options = 0;
  h.forEachValue(HeaderId::Connection, [&](std::string_view value) {
    forEachElement(value, [&](std::string_view elem) {
      if (elem.empty()) return true;  // RFC 9110 §5.6.1: empty list elements are ignored
      if (!http::isToken(elem) || ++options > kMaxConnectionOptions) {
        err = ParseErrorCode::InvalidConnection;
        return false;
      }
      if (http::equalsIgnoreCase(elem, "close")) {
        close = true;
      } else if (http::equalsIgnoreCase(elem, "keep-alive")) {
        keep_alive = true;
      } else if (http::equalsIgnoreCase(elem, "upgrade")) {
        upgrade = true;
      } else {
        const HeaderId id = http::headerIdOf(elem);
        // A hop-by-hop nomination of a framing or routing field would make the next hop
        // see a different message than we do.
        if (id == HeaderId::Host || id == HeaderId::ContentLength ||
            id == HeaderId::TransferEncoding) {
          err = ParseErrorCode::ConnectionProtectedHeader;
          return false;
        }
      }
      return true;
    });
  });
  return err;
}

Event MessageParser::onHeadComplete(size_t pos) {
  bool interim = false;
  const ParseErrorCode e = onHeadDone(interim);
  if (e != ParseErrorCode::None) return fail(e, pos);
  if (interim) {
    startMessage(fields_);
    return Event{EventType::InterimHeaders, pos, {}};
  }
  switch (framing_.body) {
    case BodyFraming::None:
    case BodyFraming::Tunnel:
      state_ = State::CompletePending;
      break;
    case BodyFraming::ContentLength:
      remaining_ = framing_.content_length;
      state_ = remaining_ == 0 ? State::CompletePending : State::BodyFixed;
      break;
    case BodyFraming::Chunked:
      state_ = State::ChunkSize;
      budget_ = chunkLineBudget();
      break;
    case BodyFraming::CloseDelimited:
      state_ = State::BodyCloseDelimited;
      break;
  }
  return Event{EventType::Headers, pos, {}};
}

Event MessageParser::parse(std::string_view in) {
  size_t pos = 0;
  std::string_view line;
  while (true) {
    switch (state_) {
      case State::StartLine: {
        const LineStatus st = readLine(in, pos, line);
        if (st == LineStatus::NeedMore) return Event{EventType::NeedMoreData, pos, {}};
        if (st == LineStatus::TooLong) return fail(ParseErrorCode::StartLineTooLong, pos);
        if (st == LineStatus::BareLf) return fail(ParseErrorCode::BareLf, pos);
        if (line.empty()) {
          // RFC 9112 §2.2: a server SHOULD ignore empty lines before a request-line. They
          // still use the start-line budget, so a stream of CRLFs is bounded.
          if (direction_ == Direction::Request) continue;
          return fail(ParseErrorCode::InvalidStatusLine, pos);
        }
        const ParseErrorCode e = onStartLine(line);
        if (e != ParseErrorCode::None) return fail(e, pos);
        state_ = State::HeaderLines;
        budget_ = options_.max_header_bytes;
        break;
      }
      case State::HeaderLines: {
        const LineStatus st = readLine(in, pos, line);
        if (st == LineStatus::NeedMore) return Event{EventType::NeedMoreData, pos, {}};
        if (st == LineStatus::TooLong) return fail(ParseErrorCode::HeadersTooLarge, pos);
        if (st == LineStatus::BareLf) return fail(ParseErrorCode::BareLf, pos);
        if (line.empty()) return onHeadComplete(pos);
        const ParseErrorCode e = parseFieldLine(line, *fields_, false);
        if (e != ParseErrorCode::None) return fail(e, pos);
        break;
      }
      case State::BodyFixed:
      case State::ChunkData: {
        const size_t avail = in.size() - pos;
        if (avail == 0) return Event{EventType::NeedMoreData, pos, {}};
        const size_t n = remaining_ < avail ? static_cast<size_t>(remaining_) : avail;
        remaining_ -= n;
        body_bytes_ += n;
        if (remaining_ == 0) {
          state_ = state_ == State::BodyFixed ? State::CompletePending : State::ChunkDataCr;
        }
        return Event{EventType::Body, pos + n, in.substr(pos, n)};
      }
      case State::ChunkDataCr:
      case State::ChunkDataLf: {
        if (pos == in.size()) return Event{EventType::NeedMoreData, pos, {}};
        const char want = state_ == State::ChunkDataCr ? '\r' : '\n';
        if (in[pos] != want) {
          return fail(state_ == State::ChunkDataCr && in[pos] == '\n'
                          ? ParseErrorCode::BareLf
                          : ParseErrorCode::InvalidChunkTerminator,
                      pos);
        }
        ++pos;
        if (state_ == State::ChunkDataCr) {
          state_ = State::ChunkDataLf;
        } else {
          state_ = State::ChunkSize;
          budget_ = chunkLineBudget();
        }
        break;
      }
      case State::ChunkSize: {
        const LineStatus st = readLine(in, pos, line);
        if (st == LineStatus::NeedMore) return Event{EventType::NeedMoreData, pos, {}};
        if (st == LineStatus::TooLong) return fail(ParseErrorCode::ChunkHeaderTooLong, pos);
        if (st == LineStatus::BareLf) return fail(ParseErrorCode::BareLf, pos);
        const ParseErrorCode e = parseChunkSize(line);
        if (e != ParseErrorCode::None) return fail(e, pos);
        break;
      }
      case State::TrailerLines: {
        const LineStatus st = readLine(in, pos, line);
        if (st == LineStatus::NeedMore) return Event{EventType::NeedMoreData, pos, {}};
        if (st == LineStatus::TooLong) return fail(ParseErrorCode::TrailersTooLarge, pos);
        if (st == LineStatus::BareLf) return fail(ParseErrorCode::BareLf, pos);
        if (line.empty()) {
          const ParseErrorCode e = checkTrailers();
          if (e != ParseErrorCode::None) return fail(e, pos);
          state_ = State::CompletePending;
          if (!trailers_.empty()) return Event{EventType::Trailers, pos, {}};
          break;
        }
        const ParseErrorCode e = parseFieldLine(line, trailers_, true);
        if (e != ParseErrorCode::None) return fail(e, pos);
        break;
      }
      case State::BodyCloseDelimited: {
        const size_t avail = in.size() - pos;
        if (avail == 0) return Event{EventType::NeedMoreData, pos, {}};
        // Deliver up to the limit, and fail on the first byte beyond it, so that the events
        // do not depend on how the bytes were split.
        const uint64_t room = options_.max_body_bytes - body_bytes_;
        if (room == 0) return fail(ParseErrorCode::BodyTooLarge, pos);
        const size_t n = avail < room ? avail : static_cast<size_t>(room);
        body_bytes_ += n;
        return Event{EventType::Body, pos + n, in.substr(pos, n)};
      }
      case State::CompletePending:
        state_ = State::Paused;
        return Event{EventType::MessageComplete, pos, {}};
      case State::Paused:
        return Event{EventType::Paused, pos, {}};
      case State::Error:
        return Event{EventType::Error, pos, {}};
    }
  }
}

Event MessageParser::finish() {
  switch (state_) {
    case State::StartLine:
      // A request connection may close between requests (only a partial line counts as a
      // started message); a response was expected, so its absence is an error.
      if (direction_ == Direction::Request && idle()) {
        state_ = State::Paused;
        return Event{EventType::Closed, 0, {}};
      }
      return fail(ParseErrorCode::PrematureClose, 0);
    case State::BodyCloseDelimited:
    case State::CompletePending:
      state_ = State::Paused;
      return Event{EventType::MessageComplete, 0, {}};
    case State::Paused:
      return Event{EventType::Closed, 0, {}};
    case State::Error:
      return Event{EventType::Error, 0, {}};
    default:
      return fail(ParseErrorCode::PrematureClose, 0);
  }
}

}  // namespace detail

// ---------------------------------------------------------------------------------------
// RequestParser

RequestParser::RequestParser(const ParserOptions& options)
    : MessageParser(Direction::Request, options) {
  startMessage(&head_.headers());
}

void RequestParser::resume() {
  MG_ASSERT(paused(), "RequestParser::resume() outside the paused state");
  startMessage(&head_.headers());
}

void RequestParser::releaseMemory() {
  MG_ASSERT(idle(), "RequestParser::releaseMemory() inside a message");
  head_.clear();
  head_.headers().releaseMemory();
  releaseBuffers();
}

ParseErrorCode RequestParser::onStartLine(std::string_view line) {
  head_.clear();
  const char* p = line.data();
  const size_t n = line.size();
  size_t i = 0;
  while (i < n && http::isTchar(p[i]))
    ++i;
  if (i == n) return ParseErrorCode::InvalidRequestLine;
  if (p[i] != ' ') return p[i] == '\r' ? ParseErrorCode::BareCr : ParseErrorCode::InvalidMethod;
  if (i == 0) return ParseErrorCode::InvalidMethod;
  const std::string_view method(p, i);
  if (!options_.allow_lowercase_methods && hasLower(method)) return ParseErrorCode::LowercaseMethod;

  // The target ends at the next SP; parseRequestTarget() validates its bytes.
  const size_t t0 = i + 1;
  const char* sp = findByte(p + t0, n - t0, ' ');
  if (sp == nullptr) return ParseErrorCode::Http09Request;
  const size_t j = static_cast<size_t>(static_cast<const char*>(sp) - p);
  if (j == t0) return ParseErrorCode::InvalidRequestLine;
  const std::string_view target(p + t0, j - t0);

  const std::string_view v = line.substr(j + 1);
  if (v.size() != 8 || std::memcmp(v.data(), "HTTP/", 5) != 0 || v[5] < '0' || v[5] > '9' ||
      v[6] != '.' || v[7] < '0' || v[7] > '9') {
    if (v.find('\r') != std::string_view::npos) return ParseErrorCode::BareCr;
    if (v.find(' ') != std::string_view::npos || v.empty())
      return ParseErrorCode::InvalidRequestLine;
    return ParseErrorCode::InvalidVersion;
  }
  if (v[5] == '1' && v[7] == '1') {
    head_.setVersion(Version::Http11);
  } else if (v[5] == '1' && v[7] == '0') {
    head_.setVersion(Version::Http10);
  } else if (v[5] == '2' && v[7] == '0' && method == "PRI" && target == "*") {
    return ParseErrorCode::Http2Preface;
  } else {
    return ParseErrorCode::UnsupportedVersion;
  }

  http::RequestHeadCodecAccess::setMethod(head_, method);
  const http::TargetParseResult t = http::parseRequestTarget(head_.method(), target);
  if (t.error != http::TargetError::None) {
    if (target.find('\r') != std::string_view::npos) return ParseErrorCode::BareCr;
    error_detail_ = http::targetErrorMessage(t.error);
    return ParseErrorCode::InvalidTarget;
  }
  http::RequestHeadCodecAccess::setTarget(head_, target, t.target);
  return ParseErrorCode::None;
}

ParseErrorCode RequestParser::onHeadDone(bool& interim) {
  interim = false;
  const HeaderMap& h = head_.headers();
  const Version version = head_.version();

  const size_t hosts = h.count(HeaderId::Host);
  if (hosts > 1) return ParseErrorCode::MultipleHost;
  if (hosts == 0 && version == Version::Http11) return ParseErrorCode::MissingHost;
  if (hosts == 1) {
    const std::string_view host = *h.get(HeaderId::Host);
    if (!http::parseAuthority(host)) return ParseErrorCode::InvalidHost;
    if (head_.targetForm() == http::TargetForm::Absolute &&
        !http::sameAuthority(head_.targetAuthority(), host,
                             http::equalsIgnoreCase(head_.targetScheme(), "https"))) {
      return ParseErrorCode::HostMismatch;
    }
  }

  bool chunked = false;
  bool has_length = false;
  uint64_t length = 0;
  ParseErrorCode e = resolveBodyLength(h, version, chunked, has_length, length);
  if (e != ParseErrorCode::None) return e;
  if (chunked) {
    framing_.body = BodyFraming::Chunked;
  } else if (has_length) {
    if (length > options_.max_body_bytes) return ParseErrorCode::BodyTooLarge;
    framing_.body = BodyFraming::ContentLength;
    framing_.content_length = length;
  } else {
    framing_.body = BodyFraming::None;
  }

  bool close = false;
  bool keep_alive = false;
  bool upgrade = false;
  e = parseConnection(h, close, keep_alive, upgrade);
  if (e != ParseErrorCode::None) return e;
  framing_.keep_alive = version == Version::Http11 ? !close : keep_alive && !close;

  // RFC 9110 §10.1.1: an HTTP/1.0 expectation is ignored; anything but 100-continue may
  // be answered with 417, which we do rather than guess.
  if (version == Version::Http11 && h.has(HeaderId::Expect)) {
    bool ok = true;
    bool cont = false;
    h.forEachValue(HeaderId::Expect, [&](std::string_view value) {
      forEachElement(value, [&](std::string_view elem) {
        if (elem.empty()) return true;
        if (!http::equalsIgnoreCase(elem, "100-continue")) {
          ok = false;
          return false;
        }
        cont = true;
        return true;
      });
    });
    if (!ok) return ParseErrorCode::UnsupportedExpect;
    // A 100 Continue only makes sense when a body follows.
    framing_.expect_continue =
        cont && (framing_.body == BodyFraming::Chunked ||
                 (framing_.body == BodyFraming::ContentLength && framing_.content_length != 0));
  }
  // RFC 9110 §7.8: Upgrade in an HTTP/1.0 request is ignored.
  framing_.upgrade = version == Version::Http11 && upgrade && h.has(HeaderId::Upgrade);
  return ParseErrorCode::None;
}

// ---------------------------------------------------------------------------------------
// ResponseParser

ResponseParser::ResponseParser(const ParserOptions& options)
    : MessageParser(Direction::Response, options) {
  startMessage(&head_.headers());
  waitForResume();
}

void ResponseParser::expectResponse(http::Method request_method) {
  MG_ASSERT(paused(), "ResponseParser::expectResponse() while a response is in progress");
  request_method_ = request_method;
  interim_count_ = 0;
  startMessage(&head_.headers());
}

void ResponseParser::releaseMemory() {
  MG_ASSERT(paused(), "ResponseParser::releaseMemory() while a response is expected");
  head_.clear();
  head_.headers().releaseMemory();
  releaseBuffers();
}

ParseErrorCode ResponseParser::onStartLine(std::string_view line) {
  head_.clear();
  // status-line = HTTP-version SP status-code SP [ reason-phrase ]
  if (line.size() < 12 || std::memcmp(line.data(), "HTTP/", 5) != 0 || line[5] < '0' ||
      line[5] > '9' || line[6] != '.' || line[7] < '0' || line[7] > '9' || line[8] != ' ') {
    return line.find('\r') != std::string_view::npos ? ParseErrorCode::BareCr
                                                     : ParseErrorCode::InvalidStatusLine;
  }
  if (line[5] == '1' && line[7] == '1') {
    head_.setVersion(Version::Http11);
  } else if (line[5] == '1' && line[7] == '0') {
    head_.setVersion(Version::Http10);
  } else {
    return ParseErrorCode::UnsupportedVersion;
  }
  uint16_t status = 0;
  for (size_t i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') return ParseErrorCode::InvalidStatus;
    status = static_cast<uint16_t>(status * 10 + (line[i] - '0'));
  }
  if (status < 100 || status > 599) return ParseErrorCode::InvalidStatus;
  head_.setStatus(status);
  // Many servers omit the SP before an empty reason; that cannot change framing, so it is
  // accepted.
  if (line.size() > 12) {
    if (line[12] != ' ') return ParseErrorCode::InvalidStatus;
    const std::string_view reason = line.substr(13);
    const size_t bad = findInvalidValueChar(reason.data(), reason.size());
    if (bad != reason.size()) {
      return reason[bad] == '\r' ? ParseErrorCode::BareCr : ParseErrorCode::InvalidStatusLine;
    }
    http::ResponseHeadCodecAccess::setReason(head_, reason);
  }
  return ParseErrorCode::None;
}

ParseErrorCode ResponseParser::onHeadDone(bool& interim) {
  const uint16_t status = head_.status();
  interim = head_.isInterim();
  if (interim) {
    if (++interim_count_ > kMaxInterimResponses) return ParseErrorCode::TooManyInterimResponses;
    return ParseErrorCode::None;
  }
  const HeaderMap& h = head_.headers();
  const Version version = head_.version();
  bool chunked = false;
  bool has_length = false;
  uint64_t length = 0;
  ParseErrorCode e = resolveBodyLength(h, version, chunked, has_length, length);
  if (e != ParseErrorCode::None) return e;
  bool close = false;
  bool keep_alive = false;
  bool upgrade = false;
  e = parseConnection(h, close, keep_alive, upgrade);
  if (e != ParseErrorCode::None) return e;
  framing_.keep_alive = version == Version::Http11 ? !close : keep_alive && !close;

  // RFC 9112 §6.3, in order.
  if (status == 101 || (request_method_ == http::Method::Connect && status / 100 == 2)) {
    framing_.body = BodyFraming::Tunnel;
    framing_.keep_alive = false;
  } else if (request_method_ == http::Method::Head || status == 204 || status == 304) {
    framing_.body = BodyFraming::None;
  } else if (chunked) {
    framing_.body = BodyFraming::Chunked;
  } else if (has_length) {
    if (length > options_.max_body_bytes) return ParseErrorCode::BodyTooLarge;
    framing_.body = BodyFraming::ContentLength;
    framing_.content_length = length;
  } else {
    framing_.body = BodyFraming::CloseDelimited;
    framing_.keep_alive = false;
  }
  return ParseErrorCode::None;
}

}  // namespace meshgate::http1
