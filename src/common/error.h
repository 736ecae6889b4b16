#pragma once
// One exception type for every user-facing failure. The message always says what went wrong, where
// (file, tensor, field, line) and how to fix it; the CLI prints it and exits non-zero, the server maps
// the kind to an HTTP status.
#include <stdexcept>
#include <string>

namespace acgs {

enum class ErrorKind {
  kInvalidArgument,  // bad option, wrong shape, malformed request
  kInvalidModel,     // model/config/tokenizer/plan file is missing, truncated, hostile or not DistilBERT
  kUnavailable,      // a backend or device cannot run here
  kInternal,
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

[[noreturn]] inline void fail(ErrorKind kind, const std::string& message) { throw Error(kind, message); }

}  // namespace acgs
