// SPDX-License-Identifier: Apache-2.0
// Methods, versions, request/response heads, reason phrases and the Date cache.
// Depends on base only.
#include "http/message.h"

#include <cstring>

#include "http/chars.h"

namespace meshgate::http {

std::string_view versionText(Version v) {
  return v == Version::Http10 ? "HTTP/1.0" : "HTTP/1.1";
}

Method methodFromToken(std::string_view t) {
  switch (t.size()) {
    case 3:
      if (t == "GET") return Method::Get;
      if (t == "PUT") return Method::Put;
      break;
    case 4:
      if (t == "POST") return Method::Post;
      if (t == "HEAD") return Method::Head;
      break;
    case 5:
      if (t == "PATCH") return Method::Patch;
      if (t == "TRACE") return Method::Trace;
      break;
    case 6:
      if (t == "DELETE") return Method::Delete;
      break;
    case 7:
      if (t == "OPTIONS") return Method::Options;
      if (t == "CONNECT") return Method::Connect;
      break;
    default:
      break;
  }
  return Method::Other;
}

std::string_view methodName(Method m) {
  switch (m) {
    case Method::Get:
      return "GET";
    case Method::Head:
      return "HEAD";
    case Method::Post:
      return "POST";
    case Method::Put:
      return "PUT";
    case Method::Delete:
      return "DELETE";
    case Method::Connect:
      return "CONNECT";
    case Method::Options:
      return "OPTIONS";
    case Method::Trace:
      return "TRACE";
    case Method::Patch:
      return "PATCH";
    case Method::Other:
      return "";
  }
  return "";
}

bool isSafeMethod(Method m) {
  return m == Method::Get || m == Method::Head || m == Method::Options || m == Method::Trace;
}

bool isIdempotentMethod(Method m) {
  return isSafeMethod(m) || m == Method::Put || m == Method::Delete;
}

// ---------------------------------------------------------------------------------------
// RequestHead

bool RequestHead::setMethod(std::string_view token) {
  if (!isToken(token)) return false;
  method_text_.assign(token);
  method_ = methodFromToken(token);
  return true;
}

void RequestHead::setMethod(Method m) {
  if (m == Method::Other) return;
  method_ = m;
  method_text_.assign(methodName(m));
}

std::string_view RequestHead::path() const {
  if (form_ == TargetForm::Absolute && path_len_ == 0) return "/";
  return view(path_off_, path_len_);
}

std::string_view RequestHead::authority() const {
  if (authority_len_ != 0) return targetAuthority();
  auto host = headers_.get(HeaderId::Host);
  return host ? *host : std::string_view();
}

void RequestHead::assignParsed(const RequestTarget& t) {
  const char* base = target_.data();
  auto off = [&](std::string_view v) {
    return v.data() == nullptr || v.empty() ? 0u : static_cast<uint32_t>(v.data() - base);
  };
  form_ = t.form;
  has_query_ = t.has_query;
  path_off_ = off(t.path);
  path_len_ = static_cast<uint32_t>(t.path.size());
  query_off_ = off(t.query);
  query_len_ = static_cast<uint32_t>(t.query.size());
  authority_off_ = off(t.authority);
  authority_len_ = static_cast<uint32_t>(t.authority.size());
  scheme_off_ = off(t.scheme);
  scheme_len_ = static_cast<uint32_t>(t.scheme.size());
}

TargetError RequestHead::setTarget(std::string_view target) {
  // Parse first on the caller's bytes so that nothing changes on error, then again on our
  // copy to get offsets (target may alias target_).
  const TargetParseResult probe = parseRequestTarget(method_, target);
  if (probe.error != TargetError::None) return probe.error;
  scratch_.assign(target);
  target_.swap(scratch_);
  assignParsed(parseRequestTarget(method_, target_).target);
  return TargetError::None;
}

void RequestHeadCodecAccess::setTarget(RequestHead& head, std::string_view target,
                                       const RequestTarget& parsed) {
  head.target_.assign(target);
  // Rebase the parsed views from `target` onto the copy.
  auto rebase = [&](std::string_view v) -> std::string_view {
    if (v.empty()) return {};
    return std::string_view(head.target_)
        .substr(static_cast<size_t>(v.data() - target.data()), v.size());
  };
  RequestTarget t = parsed;
  t.scheme = rebase(parsed.scheme);
  t.authority = rebase(parsed.authority);
  t.path = rebase(parsed.path);
  t.query = rebase(parsed.query);
  head.assignParsed(t);
}

bool RequestHead::setPath(std::string_view path) {
  return setPathAndQuery(path, query(), has_query_);
}

bool RequestHead::setPathAndQuery(std::string_view path, std::string_view query, bool has_query) {
  if (path.empty() || path[0] != '/') return false;
  for (char c : path) {
    if (!kTargetChar[static_cast<uint8_t>(c)] || c == '?') return false;
  }
  for (char c : query) {
    if (!kTargetChar[static_cast<uint8_t>(c)]) return false;
  }
  // `path` and `query` may point into target_: build the new target aside.
  scratch_.clear();
  scratch_.append(path);
  if (has_query) {
    scratch_.push_back('?');
    scratch_.append(query);
  }
  target_.swap(scratch_);
  form_ = TargetForm::Origin;
  has_query_ = has_query;
  path_off_ = 0;
  path_len_ = static_cast<uint32_t>(path.size());
  query_off_ = has_query ? static_cast<uint32_t>(path.size() + 1) : 0;
  query_len_ = has_query ? static_cast<uint32_t>(query.size()) : 0;
  authority_off_ = authority_len_ = 0;
  scheme_off_ = scheme_len_ = 0;
  return true;
}

void RequestHead::clear() {
  method_ = Method::Get;
  method_text_.assign("GET");
  form_ = TargetForm::Origin;
  version_ = Version::Http11;
  has_query_ = false;
  target_.assign("/");
  path_off_ = 0;
  path_len_ = 1;
  query_off_ = query_len_ = 0;
  authority_off_ = authority_len_ = 0;
  scheme_off_ = scheme_len_ = 0;
  headers_.clear();
}

bool RequestHead::operator==(const RequestHead& other) const {
  return method_text_ == other.method_text_ && target_ == other.target_ &&
         version_ == other.version_ && headers_ == other.headers_;
}

// ---------------------------------------------------------------------------------------
// ResponseHead

bool ResponseHead::setReason(std::string_view reason) {
  for (char c : reason) {
    if (!isFieldValueChar(c)) return false;
  }
  reason_.assign(reason);
  return true;
}

void ResponseHead::clear() {
  status_ = 200;
  version_ = Version::Http11;
  reason_.clear();
  headers_.clear();
}

bool ResponseHead::operator==(const ResponseHead& other) const {
  return status_ == other.status_ && version_ == other.version_ && reason_ == other.reason_ &&
         headers_ == other.headers_;
}

// ---------------------------------------------------------------------------------------
// Reason phrases (RFC 9110 §15 plus the common registered extensions)

std::string_view reasonPhrase(uint16_t status) {
  switch (status) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 102:
      return "Processing";
    case 103:
      return "Early Hints";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 203:
      return "Non-Authoritative Information";
    case 204:
      return "No Content";
    case 205:
      return "Reset Content";
    case 206:
      return "Partial Content";
    case 207:
      return "Multi-Status";
    case 208:
      return "Already Reported";
    case 226:
      return "IM Used";
    case 300:
      return "Multiple Choices";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 305:
      return "Use Proxy";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 402:
      return "Payment Required";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 407:
      return "Proxy Authentication Required";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 416:
      return "Range Not Satisfiable";
    case 417:
      return "Expectation Failed";
    case 418:
      return "I'm a teapot";
    case 421:
      return "Misdirected Request";
    case 422:
      return "Unprocessable Content";
    case 423:
      return "Locked";
    case 424:
      return "Failed Dependency";
    case 425:
      return "Too Early";
    case 426:
      return "Upgrade Required";
    case 428:
      return "Precondition Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 451:
      return "Unavailable For Legal Reasons";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    case 506:
      return "Variant Also Negotiates";
    case 507:
      return "Insufficient Storage";
    case 508:
      return "Loop Detected";
    case 510:
      return "Not Extended";
    case 511:
      return "Network Authentication Required";
    default:
      return "";
  }
}

// ---------------------------------------------------------------------------------------
// Date

namespace {

void put2(char* p, int v) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
}

}  // namespace

void formatImfFixdate(std::time_t t, char* out) {
  static constexpr char kDays[] = "SunMonTueWedThuFriSat";
  static constexpr char kMonths[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
  std::tm tm{};
  gmtime_r(&t, &tm);
  // "Sun, 06 Nov 1994 08:49:37 GMT"
  std::memcpy(out, kDays + 3 * tm.tm_wday, 3);
  out[3] = ',';
  out[4] = ' ';
  put2(out + 5, tm.tm_mday);
  out[7] = ' ';
  std::memcpy(out + 8, kMonths + 3 * tm.tm_mon, 3);
  out[11] = ' ';
  const int year = tm.tm_year + 1900;
  put2(out + 12, (year / 100) % 100);
  put2(out + 14, year % 100);
  out[16] = ' ';
  put2(out + 17, tm.tm_hour);
  out[19] = ':';
  put2(out + 20, tm.tm_min);
  out[22] = ':';
  put2(out + 23, tm.tm_sec);
  std::memcpy(out + 25, " GMT", 4);
}

std::string_view DateCache::now() {
  const std::time_t s = std::chrono::system_clock::to_time_t(clock_.systemNow());
  if (s != second_) {
    second_ = s;
    formatImfFixdate(s, buf_);
  }
  return std::string_view(buf_, kImfFixdateLength);
}

}  // namespace meshgate::http
