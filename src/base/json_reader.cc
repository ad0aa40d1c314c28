// SPDX-License-Identifier: Apache-2.0
// readJson: RapidJSON's iterative SAX Reader → JsonHandler events. Depends on base and RapidJSON.
#include "base/json_reader.h"

#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>

#include <cstring>
#include <optional>

namespace meshgate::base {
namespace {

// Iterative (no recursion), UTF-8 validated, numbers as their source text. Not
// kParseStopWhenDoneFlag: content after the value is an error.
constexpr unsigned kFlags = rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag |
                            rapidjson::kParseNumbersAsStringsFlag;

// A bounded view of the text. RapidJSON's StringStream needs a NUL terminator; here the end
// reads as NUL, and an embedded NUL byte stops the reader early, which readJson reports.
class TextStream {
 public:
  using Ch = char;
  explicit TextStream(std::string_view text)
      : begin_(text.data()), p_(text.data()), end_(text.data() + text.size()) {}
  Ch Peek() const { return p_ < end_ ? *p_ : '\0'; }
  Ch Take() { return p_ < end_ ? *p_++ : '\0'; }
  size_t Tell() const { return static_cast<size_t>(p_ - begin_); }
  // Output side of the Stream concept, unused: the reader does not parse in place.
  Ch* PutBegin() { return nullptr; }
  void Put(Ch) {}
  void Flush() {}
  size_t PutEnd(Ch*) { return 0; }

 private:
  const char* begin_;
  const char* p_;
  const char* end_;
};

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

  rapidjson::ParseResult parse(rapidjson::Reader& reader) {
    TextStream stream(text_);
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
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    std::string_view text(s, n);
    if (masked_) {
      size_t start = stream_->Tell() - n;
      text = original_.substr(start, numberLength(original_, start));
    }
    return scalar([&] { return handler_.number(text); });
  }
  bool String(const char* s, rapidjson::SizeType n, bool) {
    if (hasLoneSurrogate(s, n)) return stop(tokenOffset(), "lone UTF-16 surrogate in a \\u escape");
    return scalar([&] { return handler_.string(std::string_view(s, n)); });
  }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    if (hasLoneSurrogate(s, n)) return stop(tokenOffset(), "lone UTF-16 surrogate in a \\u escape");
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

Status readJson(std::string_view text, JsonHandler& handler, const JsonReadOptions& options,
                JsonSyntaxError* syntax) {
  // One reader per thread keeps its stack buffer across calls; a nested call (a handler that
  // reads JSON itself) gets its own.
  thread_local rapidjson::Reader shared_reader;
  thread_local bool shared_busy = false;
  std::optional<rapidjson::Reader> local_reader;
  bool use_shared = !shared_busy;
  rapidjson::Reader& reader = use_shared ? shared_reader : local_reader.emplace();
  if (use_shared) shared_busy = true;

  JsonReaderImpl impl(text, handler, options);
  rapidjson::ParseResult result = impl.parse(reader);
  std::string masked;
  if (result.Code() == rapidjson::kParseErrorNumberTooBig) {
    masked = maskNumbers(text);
    impl.startSecondPass(masked);
    result = impl.parse(reader);
  }
  if (use_shared) shared_busy = false;

  if (result.Code() == rapidjson::kParseErrorTermination && impl.handlerFailed()) {
    return impl.takeHandlerError();
  }
  JsonSyntaxError error;
  if (result.Code() == rapidjson::kParseErrorTermination && impl.ownError() != nullptr) {
    error = {impl.ownErrorOffset(), *impl.ownError()};
  } else if (result.IsError()) {
    error = {result.Offset(), reasonFor(result.Code())};
  } else if (impl.consumed() < text.size()) {
    error = {impl.consumed(), ""};  // the reader stopped at a NUL byte
  } else {
    return okStatus();
  }
  if (error.offset < text.size() && text[error.offset] == '\0')
    error.reason = "unexpected NUL byte";
  if (error.reason.empty()) error.reason = "stopped by the handler";
  std::string message =
      "invalid JSON at offset " + std::to_string(error.offset) + ": " + error.reason;
  if (syntax != nullptr) *syntax = std::move(error);
  return Error{std::move(message)};
}

}  // namespace meshgate::base
