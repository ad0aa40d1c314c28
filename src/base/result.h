// SPDX-License-Identifier: Apache-2.0
// Result<T> and Status: recoverable errors without exceptions. Depends on std only.
#pragma once

#include <cerrno>
#include <string>
#include <utility>
#include <variant>

#include "base/assert.h"

namespace meshgate::base {

/// Where an error came from. Retry logic and response flags look at this, not at
/// the message text (see pingora-error's ErrorSource).
enum class ErrorSource { Local, Downstream, Upstream, Config };

/// A recoverable error: a human-readable message, plus the errno when a system
/// call failed (0 otherwise).
struct Error {
  std::string message;
  int sys_errno = 0;
  ErrorSource source = ErrorSource::Local;

  /// message, then ": strerror(errno)" when sys_errno is set.
  std::string describe() const;
};

/// An Error for a failed system call: "<what>: <strerror(err)>".
Error errnoError(std::string what, int err = errno);

/// Holds either a T or an Error. Accessing the wrong alternative is a bug and
/// aborts through MG_ASSERT.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    MG_ASSERT(ok(), "Result::value() on an error");
    return std::get<0>(v_);
  }
  const T& value() const& {
    MG_ASSERT(ok(), "Result::value() on an error");
    return std::get<0>(v_);
  }
  T&& value() && {
    MG_ASSERT(ok(), "Result::value() on an error");
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const& {
    MG_ASSERT(!ok(), "Result::error() on a value");
    return std::get<1>(v_);
  }
  Error&& error() && {
    MG_ASSERT(!ok(), "Result::error() on a value");
    return std::get<1>(std::move(v_));
  }

 private:
  std::variant<T, Error> v_;
};

/// Success or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const& {
    MG_ASSERT(!ok_, "Status::error() on success");
    return error_;
  }
  Error&& error() && {
    MG_ASSERT(!ok_, "Status::error() on success");
    return std::move(error_);
  }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

inline Status okStatus() {
  return Status();
}

}  // namespace meshgate::base

/// Returns the error of `expr` (a Status or Result) from the enclosing function.
#define MG_RETURN_IF_ERROR(expr)                                \
  do {                                                          \
    auto&& mg_status_ = (expr);                                 \
    if (!mg_status_.ok()) return std::move(mg_status_).error(); \
  } while (0)
