// SPDX-License-Identifier: Apache-2.0
// A streaming (SAX) JSON reader: text → events, no document in between. Each consumer builds its
// own values from the events. RapidJSON's iterative Reader underneath, included only from the
// .cc (ADR 0007). Depends on base (Result).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace meshgate::base {

class JsonReaderImpl;

/// Receives the events of one JSON text in document order. An event returns true to go on;
/// false stops the reader, which then returns the error given to fail().
class JsonHandler {
 public:
  virtual ~JsonHandler() = default;

  virtual bool null() = 0;
  virtual bool boolean(bool value) = 0;
  /// A number's exact source text, of any magnitude ("1e400", "-0", 400-digit integers).
  virtual bool number(std::string_view text) = 0;
  /// A string value, unescaped: valid UTF-8, possibly with NUL bytes.
  virtual bool string(std::string_view value) = 0;
  /// An object member name, unescaped like string().
  virtual bool key(std::string_view name) = 0;
  virtual bool beginObject() = 0;
  virtual bool endObject() = 0;
  virtual bool beginArray() = 0;
  virtual bool endArray() = 0;

 protected:
  /// Stops the reader with `error`; returns false, for `return fail(...)`.
  bool fail(Error error);
  /// During an event: the byte offset where its token starts (the bracket of begin/end
  /// events, the opening quote of strings and keys, the first byte of numbers and literals).
  size_t tokenOffset() const;

 private:
  friend class JsonReaderImpl;
  const JsonReaderImpl* reader_ = nullptr;
  Error error_;
  bool failed_ = false;
};

struct JsonReadOptions {
  /// Deepest nesting of arrays and objects accepted (a top-level array is 1).
  uint32_t max_depth = 1024;
};

/// Where and why a text is not valid JSON.
struct JsonSyntaxError {
  size_t offset = 0;
  std::string reason;
};

/// Reads one JSON value and feeds its events to `handler`. Strict RFC 8259: no comments,
/// trailing commas, NaN/Infinity, single quotes or content after the value (NUL bytes
/// included); strings must be valid UTF-8 and \u escapes proper UTF-16 (no lone surrogates).
/// Iterative: deep input costs heap, not stack. Duplicate member names are passed through.
///
/// Errors: the handler's (from fail()), or "invalid JSON at offset N: <reason>"; a syntax error
/// is also stored in `*syntax` when given, for callers that report lines and columns.
Status readJson(std::string_view text, JsonHandler& handler, const JsonReadOptions& options = {},
                JsonSyntaxError* syntax = nullptr);

}  // namespace meshgate::base
