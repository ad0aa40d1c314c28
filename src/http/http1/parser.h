// SPDX-License-Identifier: Apache-2.0
// Sans-I/O HTTP/1.1 parsers (RFC 9112): bytes in, one event out per call. Strict framing
// with the request-smuggling defences of docs/http.md; every ambiguity is rejected, never
// repaired. Depends on http (the message model) only: no sockets, no clocks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "http/header_map.h"
#include "http/message.h"

namespace meshgate::http1 {

/// Limits and policy knobs. Defaults follow Envoy where it has one (docs/http.md).
struct ParserOptions {
  /// Request line (method, target, version, CRLF) or status line; longer → 414 for
  /// requests (502 for responses). Leading empty lines before a request line count too.
  uint32_t max_start_line_bytes = 16 * 1024;
  /// Header section (every field line with its CRLF, and the final CRLF), not counting the
  /// start line; longer → 431. Envoy: max_request_headers_kb = 60. Also bounds trailers.
  uint32_t max_header_bytes = 60 * 1024;
  /// Field lines in the header section; more → 431. Envoy: max_headers_count = 100. Also
  /// bounds trailers.
  uint32_t max_headers = 100;
  /// Body bytes (after de-chunking); more → 413, up front for Content-Length and as soon
  /// as a chunk header would cross it for chunked bodies. Unlimited by default: bodies are
  /// streamed, never buffered.
  uint64_t max_body_bytes = std::numeric_limits<uint64_t>::max();
  /// Chunk extensions (the bytes between the chunk size and CRLF); longer → 400.
  uint32_t max_chunk_extension_bytes = 256;
  /// Methods with lower-case letters ("get") are rejected (400), as Istio documents;
  /// set to accept any token.
  bool allow_lowercase_methods = false;
};

/// Why a message was rejected. Each code has a fixed status (for requests), a
/// machine-readable reason for the access log and a human text; see describe().
enum class ParseErrorCode : uint8_t {
  None,
  // start line
  InvalidMethod,
  LowercaseMethod,
  InvalidTarget,
  InvalidRequestLine,
  Http09Request,
  InvalidVersion,
  UnsupportedVersion,
  Http2Preface,
  StartLineTooLong,
  InvalidStatusLine,
  InvalidStatus,
  // line framing
  BareLf,
  BareCr,
  // field lines
  ObsFold,
  WhitespaceBeforeColon,
  EmptyHeaderName,
  InvalidHeaderName,
  InvalidHeaderValue,
  HeadersTooLarge,
  TooManyHeaders,
  // semantics of the head
  MissingHost,
  MultipleHost,
  InvalidHost,
  HostMismatch,
  ContentLengthAndTransferEncoding,
  MultipleContentLength,
  InvalidContentLength,
  TransferEncodingHttp10,
  TransferEncodingNotChunked,
  InvalidTransferEncoding,
  UnsupportedTransferEncoding,
  InvalidConnection,
  ConnectionProtectedHeader,
  UnsupportedExpect,
  BodyTooLarge,
  // chunked framing
  InvalidChunkSize,
  InvalidChunkExtension,
  ChunkHeaderTooLong,
  InvalidChunkTerminator,
  TrailersTooLarge,
  TooManyTrailers,
  ForbiddenTrailer,
  // stream
  TooManyInterimResponses,
  PrematureClose,
};

/// Whose message failed to parse: a request from a downstream client, or a response
/// from an upstream (every upstream error maps to 502).
enum class Direction : uint8_t { Request, Response };

struct ParseError {
  ParseErrorCode code = ParseErrorCode::None;
  /// The status to answer with: 400/413/414/417/431/501/505 for requests, 502 for
  /// responses.
  uint16_t status = 0;
  /// Stable and machine-readable ("http1.content_length_and_transfer_encoding").
  std::string_view reason;
  /// One human sentence for logs and local-reply bodies.
  std::string_view message;
};

ParseError describe(ParseErrorCode code, Direction direction);

/// How the body of the current message is delimited.
enum class BodyFraming : uint8_t {
  None,            // no body (bodyless request, HEAD/1xx/204/304 response)
  ContentLength,   // exactly content_length bytes
  Chunked,         // chunked transfer coding, de-chunked by the parser
  CloseDelimited,  // response body up to the end of the connection (finish())
  Tunnel,          // 101 or 2xx to CONNECT: the connection is no longer HTTP/1
};

/// The framing facts of the current message, computed when its head is complete.
struct Framing {
  BodyFraming body = BodyFraming::None;
  uint64_t content_length = 0;  // valid for BodyFraming::ContentLength
  /// The connection may carry another message after this one (RFC 9112 §9.3): HTTP/1.1
  /// without "close", HTTP/1.0 with "keep-alive"; false for close-delimited bodies.
  bool keep_alive = false;
  /// HTTP/1.1 request with "Expect: 100-continue".
  bool expect_continue = false;
  /// HTTP/1.1 request with an Upgrade field and "upgrade" in Connection.
  bool upgrade = false;
};

enum class EventType : uint8_t {
  /// Everything given was consumed (possibly buffered in the parser); call again with
  /// more bytes.
  NeedMoreData,
  /// The head is complete: head() and framing() are valid.
  Headers,
  /// Response parser only: a 1xx interim head (100 Continue, 102, 103) is in head(); the
  /// final response follows. head() is overwritten by the next head.
  InterimHeaders,
  /// `body` holds body bytes (de-chunked), a view into the input given to this call.
  Body,
  /// Chunked message only: non-empty trailers are in trailers().
  Trailers,
  /// The message is complete. The parser now pauses: it returns Paused until resume()
  /// (RequestParser) or expectResponse() (ResponseParser).
  MessageComplete,
  /// Waiting for resume()/expectResponse(); nothing was consumed.
  Paused,
  /// finish() only: the peer closed the connection cleanly between messages.
  Closed,
  /// The message is invalid: see error(). The parser stays in this state; the
  /// connection must not be reused.
  Error,
};

struct Event {
  EventType type = EventType::NeedMoreData;
  /// Bytes of the input consumed by this call (framing bytes included).
  size_t consumed = 0;
  /// EventType::Body only.
  std::string_view body;
};

namespace detail {

/// The state machine shared by both parsers; use RequestParser or ResponseParser.
class MessageParser {
 public:
  MessageParser(Direction direction, const ParserOptions& options);
  virtual ~MessageParser() = default;
  MessageParser(const MessageParser&) = delete;
  MessageParser& operator=(const MessageParser&) = delete;

  Event parse(std::string_view input);
  Event finish();
  const Framing& framing() const { return framing_; }
  const http::HeaderMap& trailers() const { return trailers_; }
  const ParseError& error() const { return error_; }
  bool paused() const { return state_ == State::Paused; }
  /// True between messages: nothing of the next message has been received yet.
  bool idle() const { return state_ == State::StartLine && (line_.empty() || line_in_use_); }
  /// Body bytes delivered for the current message so far.
  uint64_t bodyBytes() const { return body_bytes_; }

 protected:
  enum class State : uint8_t {
    StartLine,
    HeaderLines,
    BodyFixed,
    ChunkSize,
    ChunkData,
    ChunkDataCr,
    ChunkDataLf,
    TrailerLines,
    BodyCloseDelimited,
    CompletePending,
    Paused,
    Error,
  };

  /// Parses the start line into the head (the line has no CRLF).
  virtual ParseErrorCode onStartLine(std::string_view line) = 0;
  /// Validates the complete head and fills framing_. Sets `interim` for a 1xx head.
  virtual ParseErrorCode onHeadDone(bool& interim) = 0;

  /// Starts a new message: resets per-message state and the trailers.
  void startMessage(http::HeaderMap* fields);
  /// Frees the line buffer and the trailers' memory.
  void releaseBuffers();
  /// Waits for the owner: parse() returns Paused.
  void waitForResume() { state_ = State::Paused; }
  // Content-Length / Transfer-Encoding rules shared by requests and responses.
  ParseErrorCode resolveBodyLength(const http::HeaderMap& headers, http::Version version,
                                   bool& chunked, bool& has_length, uint64_t& length) const;
  // Connection tokens: "close", "keep-alive", "upgrade", and nominated fields.
  ParseErrorCode parseConnection(const http::HeaderMap& headers, bool& close, bool& keep_alive,
                                 bool& upgrade) const;

  Direction direction_;
  ParserOptions options_;
  Framing framing_;
  /// A more specific human text for the next error (static storage), if any.
  std::string_view error_detail_;

 private:
  enum class LineStatus : uint8_t { Line, NeedMore, TooLong, BareLf };

  Event fail(ParseErrorCode code, size_t consumed);
  LineStatus readLine(std::string_view in, size_t& pos, std::string_view& line);
  ParseErrorCode parseFieldLine(std::string_view line, http::HeaderMap& into, bool trailer);
  ParseErrorCode parseChunkSize(std::string_view line);
  ParseErrorCode checkTrailers() const;
  Event onHeadComplete(size_t pos);
  uint32_t chunkLineBudget() const;

  State state_ = State::StartLine;
  http::HeaderMap* fields_ = nullptr;  // the head's map
  http::HeaderMap trailers_;
  ParseError error_;
  std::string line_;  // a partial line carried across parse() calls
  bool line_in_use_ = false;
  uint32_t budget_ = 0;  // bytes the current line section may still use
  uint32_t fields_seen_ = 0;
  uint64_t remaining_ = 0;  // of the current fixed-length body or chunk
  uint64_t body_bytes_ = 0;
  uint64_t announced_ = 0;  // sum of the chunk sizes seen, for max_body_bytes
};

}  // namespace detail

/// Parses requests from a downstream connection.
///
/// Usage: call parse() with the unconsumed bytes, drop `consumed` bytes, handle the
/// event, and repeat until it returns NeedMoreData, Paused or Error — also when no bytes
/// are left, since some events (MessageComplete after the last body byte) need no input.
/// After MessageComplete, handle the request, then resume() to parse the next pipelined
/// one: requests are produced strictly one at a time, in order. Any split of the input
/// across calls yields the same events (only Body events may be cut differently).
///
/// Owns the RequestHead, reused across messages: head() is valid from Headers until
/// resume(). Body views point into the caller's input. Not thread-safe.
class RequestParser : private detail::MessageParser {
 public:
  explicit RequestParser(const ParserOptions& options = {});

  using MessageParser::bodyBytes;
  using MessageParser::error;
  using MessageParser::framing;
  using MessageParser::parse;
  using MessageParser::paused;
  using MessageParser::trailers;
  /// The peer closed its sending side. Returns Closed between messages, or Error
  /// (PrematureClose) inside one.
  using MessageParser::finish;

  /// After MessageComplete: starts on the next message. The head stays readable until the
  /// next start line is parsed.
  void resume();
  /// Frees the head's and the parser's buffers, for a keep-alive connection that went idle.
  /// Only valid when idle() (after resume(), before any byte of the next request).
  void releaseMemory();
  using MessageParser::idle;

  http::RequestHead& head() { return head_; }
  const http::RequestHead& head() const { return head_; }

 private:
  ParseErrorCode onStartLine(std::string_view line) override;
  ParseErrorCode onHeadDone(bool& interim) override;

  http::RequestHead head_;
};

/// Parses responses from an upstream connection. Call expectResponse() with the method of
/// the request whose response comes next (HEAD and CONNECT change the framing), then
/// parse() as for RequestParser. Until then parse() returns Paused. 1xx interim heads come
/// as InterimHeaders events before the final head; a close-delimited body ends with
/// finish().
class ResponseParser : private detail::MessageParser {
 public:
  explicit ResponseParser(const ParserOptions& options = {});

  using MessageParser::bodyBytes;
  using MessageParser::error;
  using MessageParser::framing;
  using MessageParser::parse;
  using MessageParser::paused;
  using MessageParser::trailers;
  /// The upstream closed. Returns MessageComplete for a close-delimited body, Closed when
  /// no response was pending, Error (PrematureClose) otherwise.
  using MessageParser::finish;

  /// Prepares for the response to a request with `request_method`. Valid initially and
  /// after MessageComplete; clears the head.
  void expectResponse(http::Method request_method);
  /// Frees the head's and the parser's buffers (for an idle pooled connection). Only valid
  /// while no response is expected (initially, or after MessageComplete).
  void releaseMemory();

  http::ResponseHead& head() { return head_; }
  const http::ResponseHead& head() const { return head_; }

 private:
  ParseErrorCode onStartLine(std::string_view line) override;
  ParseErrorCode onHeadDone(bool& interim) override;

  http::ResponseHead head_;
  http::Method request_method_ = http::Method::Get;
  uint32_t interim_count_ = 0;
};

}  // namespace meshgate::http1
