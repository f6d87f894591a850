// lccl/errors.hpp — the typed exceptions of the C++ core.
//
// Every failure inside lccl is thrown as one of the classes below. Each carries
// an ErrorCode (so boundaries such as the NCCL shim can map it to a result code
// without string matching) and a message that names where it happened: the
// call, this rank and, where one is involved, the peer.
//
// Nothing here crosses a C ABI: the C shim catches lccl::Error and converts.
#pragma once

#include <stdexcept>
#include <string>

namespace lccl {

enum class ErrorCode {
  InvalidArgument,  // a caller passed a bad value (null buffer, count, rank out of range)
  InvalidUsage,     // a valid value used in the wrong state or order
  System,           // an OS call failed (errno kept in the message)
  Socket,           // a network connection failed, closed or sent malformed data
  Cuda,             // a CUDA runtime/driver call failed
  Timeout,          // a bounded wait expired (bootstrap receive, device wait)
  Remote,           // a peer reported an error or went away
  Internal,         // an invariant of lccl itself was broken
};

const char* errorCodeName(ErrorCode code);

// Where an error happened. Any field may be left unset (-1 / empty).
struct ErrorSite {
  std::string call;  // e.g. "bootstrap.recv", "MemoryChannel.wait"
  int rank = -1;
  int peer = -1;
};

// Formats "call [rank R, peer P]: message".
std::string formatError(const ErrorSite& site, const std::string& message);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const ErrorSite& site, const std::string& message)
      : std::runtime_error(formatError(site, message)), code_(code), site_(site) {}
  Error(ErrorCode code, const std::string& message) : Error(code, ErrorSite{}, message) {}
  ErrorCode code() const noexcept { return code_; }
  const ErrorSite& site() const noexcept { return site_; }

 private:
  ErrorCode code_;
  ErrorSite site_;
};

#define LCCL_DEFINE_ERROR(Name, Code)                                                     \
  class Name : public Error {                                                             \
   public:                                                                                \
    Name(const ErrorSite& site, const std::string& m) : Error(ErrorCode::Code, site, m) {} \
    explicit Name(const std::string& m) : Error(ErrorCode::Code, m) {}                    \
  };

LCCL_DEFINE_ERROR(InvalidArgumentError, InvalidArgument)
LCCL_DEFINE_ERROR(InvalidUsageError, InvalidUsage)
LCCL_DEFINE_ERROR(SocketError, Socket)
LCCL_DEFINE_ERROR(TimeoutError, Timeout)
LCCL_DEFINE_ERROR(RemoteError, Remote)
LCCL_DEFINE_ERROR(InternalError, Internal)
#undef LCCL_DEFINE_ERROR

// An OS call failed; errno is appended to the message as "(errno N: text)".
class SystemError : public Error {
 public:
  SystemError(const ErrorSite& site, const std::string& message, int err);
  int err() const noexcept { return err_; }

 private:
  int err_;
};

// A CUDA call failed; the CUDA error name and string are appended.
class CudaError : public Error {
 public:
  CudaError(const ErrorSite& site, const std::string& message, int cudaStatus);
  int cudaStatus() const noexcept { return status_; }

 private:
  int status_;
};

}  // namespace lccl

// Throw a CudaError when a CUDA runtime call fails. `call` is the expression.
#define LCCL_CUDA_CHECK(call)                                                        \
  do {                                                                               \
    auto lccl_status_ = (call);                                                      \
    if (lccl_status_ != 0)                                                           \
      throw ::lccl::CudaError(::lccl::ErrorSite{__func__}, #call,                    \
                              static_cast<int>(lccl_status_));                       \
  } while (0)
