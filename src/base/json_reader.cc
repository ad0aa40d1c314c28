// SPDX-License-Identifier: Apache-2.0
// readJson: RapidJSON's iterative SAX Reader → JsonHandler events. Depends on base and RapidJSON.
#include "base/json_reader.h"

#include "base/assert.h"
#include "base/strings.h"

// Release builds keep assertions (no NDEBUG), which would also keep RapidJSON from inlining
// its hot helpers; its invariants become ours.
#define RAPIDJSON_FORCEINLINE __attribute__((always_inline))
#define RAPIDJSON_ASSERT(x) MG_ASSERT(x, "RapidJSON: " #x)
#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>

#include <cstring>
#include <optional>

namespace meshgate::base {
namespace {

// Iterative (no recursion), numbers as their source text, strings unescaped in place in a copy
// of the text (no copy character by character). Not kParseStopWhenDoneFlag: content after the
// value is an error.
// The text's UTF-8 is checked before, in one pass with an ASCII fast path (as simdjson did), which
// is faster than RapidJSON's kParseValidateEncodingFlag byte by byte, and lets strings be
// scanned in blocks (ScanCopyUnescapedString below).
constexpr unsigned kFlags = rapidjson::kParseIterativeFlag | rapidjson::kParseNumbersAsStringsFlag |
                            rapidjson::kParseInsituFlag;

// A writable copy of the text, NUL-terminated as std::string is (RapidJSON's
// InsituStringStream needs the terminator too): an embedded NUL byte stops the reader early,
// which readJson reports. Not copy-optimized, so that Tell() is current inside handler calls.
class TextStream {
 public:
  using Ch = char;
  explicit TextStream(std::string& buffer)
      : begin_(buffer.data()), src_(begin_), end_(begin_ + buffer.size()) {}
  Ch Peek() const { return *src_; }
  Ch Take() { return *src_++; }
  size_t Tell() const { return static_cast<size_t>(src_ - begin_); }
  const char* position() const { return src_; }
  // In-situ output: unescaped strings are written behind the read position.
  Ch* PutBegin() { return dst_ = src_; }
  void Put(Ch c) { *dst_++ = c; }
  void Flush() {}
  size_t PutEnd(Ch* begin) { return static_cast<size_t>(dst_ - begin); }

 private:
  friend void scanUnescaped(TextStream& s);
  char* begin_;
  char* src_;
  char* dst_ = nullptr;
  char* end_;
};

// Moves a string's run of plain bytes (no quote, backslash or control character) in one go,
// eight bytes at a time while eight remain; RapidJSON handles the byte that stops it.
void scanUnescaped(TextStream& s) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  auto plain = [](char c) {
    return c != '"' && c != '\\' && static_cast<unsigned char>(c) >= 0x20;
  };
  char* p = s.src_;
  while (p + 8 <= s.end_) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    uint64_t quote = v ^ (kOnes * '"');
    uint64_t backslash = v ^ (kOnes * '\\');
    // The lowest flagged byte is exact (borrows only spoil the bytes above it).
    uint64_t special = (((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash) |
                        ((v - kOnes * 0x20) & ~v)) &
                       kHigh;
    if (special != 0) {
      p += __builtin_ctzll(special) / 8;
      break;
    }
    p += 8;
  }
  // The last bytes; the terminator stops this loop at the latest.
  if (p + 8 > s.end_) {
    while (plain(*p))
      ++p;
  }
  size_t n = static_cast<size_t>(p - s.src_);
  if (s.dst_ != s.src_) std::memmove(s.dst_, s.src_, n);
  s.dst_ += n;
  s.src_ = p;
}

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

// Length of the RFC 8259 number at text[i], 0 when there is none.
size_t numberLength(std::string_view text, size_t i) {
  size_t j = i;
  auto digits = [&] {
    size_t start = j;
    while (j < text.size() && isDigit(text[j]))
      ++j;
    return j > start;
  };
  if (j < text.size() && text[j] == '-') ++j;
  if (j < text.size() && text[j] == '0') {
    ++j;
  } else if (!digits()) {
    return 0;
  }
  if (j < text.size() && text[j] == '.') {
    ++j;
    if (!digits()) return 0;
  }
  if (j < text.size() && (text[j] == 'e' || text[j] == 'E')) {
    ++j;
    if (j < text.size() && (text[j] == '+' || text[j] == '-')) ++j;
    if (!digits()) return 0;
  }
  return j - i;
}

// The text with every number outside strings replaced by "0" and spaces, at the same offsets.
// RapidJSON refuses numbers beyond double's range even when it passes them on as text
// (kParseErrorNumberTooBig), so such documents are read a second time from this copy, and
// the numbers' own text is put back from the original.
std::string maskNumbers(std::string_view text) {
  std::string out(text);
  bool in_string = false;
  for (size_t i = 0; i < out.size();) {
    char c = out[i];
    if (in_string) {
      i += c == '\\' ? 2 : 1;
      in_string = c != '"';
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '-' || isDigit(c)) {
      if (size_t n = numberLength(text, i)) {
        out[i] = '0';
        std::memset(out.data() + i + 1, ' ', n - 1);
        i += n;
        continue;
      }
    }
    ++i;
  }
  return out;
}

// RapidJSON's English message as a clause: "Invalid value." → "invalid value".
std::string reasonFor(rapidjson::ParseErrorCode code) {
  if (code == rapidjson::kParseErrorDocumentRootNotSingular) {
    return "trailing content after the JSON value";
  }
  std::string reason = rapidjson::GetParseError_En(code);
  if (!reason.empty() && reason.back() == '.') reason.pop_back();
  if (!reason.empty() && reason[0] >= 'A' && reason[0] <= 'Z') reason[0] += 'a' - 'A';
  return reason;
}

// A code point from a \u escape of U+DC00..U+DFFF (RapidJSON checks only the high half of a
// pair) comes out as ED B0..BF xx: never valid UTF-8, so never from validated input.
bool hasLoneSurrogate(const char* s, size_t n) {
  const void* p = std::memchr(s, '\xED', n);
  while (p != nullptr) {
    size_t i = static_cast<size_t>(static_cast<const char*>(p) - s);
    if (i + 1 < n && static_cast<unsigned char>(s[i + 1]) >= 0xA0) return true;
    p = i + 1 < n ? std::memchr(s + i + 1, '\xED', n - i - 1) : nullptr;
  }
  return false;
}

}  // namespace
}  // namespace meshgate::base

// RapidJSON's hook for scanning strings (a no-op unless specialized).
template <>
template <>
inline void rapidjson::GenericReader<rapidjson::UTF8<>, rapidjson::UTF8<>>::ScanCopyUnescapedString(
    meshgate::base::TextStream& is, meshgate::base::TextStream& os) {
  MG_ASSERT(&is == &os, "in place");
  meshgate::base::scanUnescaped(is);
}

namespace meshgate::base {

// The RapidJSON handler: forwards events, tracks depth and token offsets, and on a second
// pass (see maskNumbers) skips the events the first pass delivered.
class JsonReaderImpl {
 public:
  JsonReaderImpl(std::string_view text, JsonHandler& handler, const JsonReadOptions& options)
      : original_(text), text_(text), handler_(handler), options_(options) {
    handler_.reader_ = this;
    handler_.failed_ = false;
  }
  ~JsonReaderImpl() { handler_.reader_ = nullptr; }

  void startSecondPass(std::string_view masked) {
    text_ = masked;
    masked_ = true;
    skip_ = seen_;
    seen_ = 0;
    depth_ = 0;
    prev_end_ = 0;
  }

  // Reads text_ through `buffer`, a copy of it that strings are unescaped into.
  rapidjson::ParseResult parse(rapidjson::Reader& reader, std::string& buffer) {
    buffer.assign(text_);
    TextStream stream(buffer);
    stream_ = &stream;
    rapidjson::ParseResult result = reader.Parse<kFlags>(stream, *this);
    consumed_ = stream.Tell();
    stream_ = nullptr;
    return result;
  }

  size_t consumed() const { return consumed_; }
  bool handlerFailed() const { return handler_.failed_; }
  Error takeHandlerError() { return std::move(handler_.error_); }
  const std::string* ownError() const { return own_error_.empty() ? nullptr : &own_error_; }
  size_t ownErrorOffset() const { return own_error_offset_; }

  size_t tokenOffset() const {
    if (in_bracket_event_) return stream_->Tell();
    size_t i = prev_end_;
    while (i < text_.size() && (text_[i] == ' ' || text_[i] == '\t' || text_[i] == '\n' ||
                                text_[i] == '\r' || text_[i] == ',' || text_[i] == ':'))
      ++i;
    return i;
  }

  // RapidJSON's Handler concept.
  bool Null() {
    return scalar([&] { return handler_.null(); });
  }
  bool Bool(bool b) {
    return scalar([&] { return handler_.boolean(b); });
  }
  // In place, RapidJSON's pointer is right only for copy-optimized streams: the text is ours.
  bool RawNumber(const char*, rapidjson::SizeType n, bool) {
    size_t start = stream_->Tell() - n;
    std::string_view text = masked_ ? original_.substr(start, numberLength(original_, start))
                                    : original_.substr(start, n);
    return scalar([&] { return handler_.number(text); });
  }
  bool String(const char* s, rapidjson::SizeType n, bool) {
    if (escaped(s, n) && hasLoneSurrogate(s, n))
      return stop(tokenOffset(), "lone UTF-16 surrogate in a \\u escape");
    return scalar([&] { return handler_.string(std::string_view(s, n)); });
  }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    if (escaped(s, n) && hasLoneSurrogate(s, n))
      return stop(tokenOffset(), "lone UTF-16 surrogate in a \\u escape");
    return scalar([&] { return handler_.key(std::string_view(s, n)); });
  }
  bool StartObject() {
    return open([&] { return handler_.beginObject(); });
  }
  bool EndObject(rapidjson::SizeType) {
    return close([&] { return handler_.endObject(); });
  }
  bool StartArray() {
    return open([&] { return handler_.beginArray(); });
  }
  bool EndArray(rapidjson::SizeType) {
    return close([&] { return handler_.endArray(); });
  }
  // Not called with kParseNumbersAsStringsFlag.
  bool Int(int) { return false; }
  bool Uint(unsigned) { return false; }
  bool Int64(int64_t) { return false; }
  bool Uint64(uint64_t) { return false; }
  bool Double(double) { return false; }

 private:
  // Whether the string just read had escapes: unescaped in place, it ends before its closing
  // quote otherwise.
  bool escaped(const char* s, size_t n) const { return s + n + 1 != stream_->position(); }
  // Delivers an event unless the first pass already did.
  template <typename F>
  bool deliver(F&& f) {
    return seen_++ < skip_ || f();
  }
  template <typename F>
  bool scalar(F&& f) {
    bool ok = deliver(f);
    prev_end_ = stream_->Tell();
    return ok;
  }
  // RapidJSON calls begin/end events before it takes the bracket.
  template <typename F>
  bool open(F&& f) {
    if (++depth_ > options_.max_depth) {
      return stop(stream_->Tell(),
                  "nesting deeper than " + std::to_string(options_.max_depth) + " levels");
    }
    return bracket(f);
  }
  template <typename F>
  bool close(F&& f) {
    --depth_;
    return bracket(f);
  }
  template <typename F>
  bool bracket(F&& f) {
    in_bracket_event_ = true;
    bool ok = deliver(f);
    in_bracket_event_ = false;
    prev_end_ = stream_->Tell() + 1;
    return ok;
  }
  bool stop(size_t offset, std::string reason) {
    own_error_ = std::move(reason);
    own_error_offset_ = offset;
    return false;
  }

  std::string_view original_;
  std::string_view text_;
  JsonHandler& handler_;
  const JsonReadOptions& options_;
  TextStream* stream_ = nullptr;
  bool masked_ = false;
  bool in_bracket_event_ = false;
  uint64_t seen_ = 0;
  uint64_t skip_ = 0;
  uint32_t depth_ = 0;
  size_t prev_end_ = 0;
  size_t consumed_ = 0;
  std::string own_error_;
  size_t own_error_offset_ = 0;
};

bool JsonHandler::fail(Error error) {
  error_ = std::move(error);
  failed_ = true;
  return false;
}

size_t JsonHandler::tokenOffset() const {
  MG_ASSERT(reader_ != nullptr, "JsonHandler::tokenOffset outside an event");
  return reader_->tokenOffset();
}

namespace {

Status syntaxError(std::string_view text, JsonSyntaxError error, JsonSyntaxError* out) {
  if (error.offset < text.size() && text[error.offset] == '\0')
    error.reason = "unexpected NUL byte";
  std::string message =
      "invalid JSON at offset " + std::to_string(error.offset) + ": " + error.reason;
  if (out != nullptr) *out = std::move(error);
  return Error{std::move(message)};
}

}  // namespace

Status readJson(std::string_view text, JsonHandler& handler, const JsonReadOptions& options,
                JsonSyntaxError* syntax) {
  if (size_t bad = firstInvalidUtf8(text); bad < text.size()) {
    return syntaxError(text, {bad, "invalid UTF-8"}, syntax);
  }
  // One reader and buffer per thread keep their memory across calls; a nested call (a handler
  // that reads JSON itself) gets its own.
  struct Workspace {
    rapidjson::Reader reader;
    std::string buffer;
    bool busy = false;
  };
  thread_local Workspace shared;
  std::optional<Workspace> local;
  Workspace& ws = shared.busy ? local.emplace() : shared;
  ws.busy = true;

  JsonReaderImpl impl(text, handler, options);
  rapidjson::ParseResult result = impl.parse(ws.reader, ws.buffer);
  std::string masked;
  if (result.Code() == rapidjson::kParseErrorNumberTooBig) {
    masked = maskNumbers(text);
    impl.startSecondPass(masked);
    result = impl.parse(ws.reader, ws.buffer);
  }
  ws.busy = false;
  // A big document's copy is not kept for the thread's lifetime.
  if (ws.buffer.capacity() > 64 * 1024) std::string().swap(ws.buffer);

  if (result.Code() == rapidjson::kParseErrorTermination) {
    if (impl.handlerFailed()) return impl.takeHandlerError();
    if (impl.ownError() != nullptr) {
      return syntaxError(text, {impl.ownErrorOffset(), *impl.ownError()}, syntax);
    }
    return syntaxError(text, {result.Offset(), "stopped by the handler"}, syntax);
  }
  if (result.IsError())
    return syntaxError(text, {result.Offset(), reasonFor(result.Code())}, syntax);
  // The reader stops early at a NUL byte.
  if (impl.consumed() < text.size()) return syntaxError(text, {impl.consumed(), ""}, syntax);
  return okStatus();
}

}  // namespace meshgate::base
