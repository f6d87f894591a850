// Result codes, per-thread last error, version and error strings.
#include <string>

#include "api.hpp"
#include "comm.hpp"
#include "lccl/logging.hpp"

namespace lccl::nccl {
namespace {
thread_local std::string tlsLastError;
}

ncclResult_t resultOf(ErrorCode code) {
  switch (code) {
    case ErrorCode::InvalidArgument: return ncclInvalidArgument;
    case ErrorCode::InvalidUsage: return ncclInvalidUsage;
    case ErrorCode::Cuda: return ncclUnhandledCudaError;
    case ErrorCode::System:
    case ErrorCode::Socket: return ncclSystemError;
    case ErrorCode::Timeout:
    case ErrorCode::Remote: return ncclRemoteError;
    case ErrorCode::Internal: return ncclInternalError;
  }
  return ncclInternalError;
}

ErrorCode errorCodeOf(ncclResult_t result) {
  switch (result) {
    case ncclUnhandledCudaError: return ErrorCode::Cuda;
    case ncclSystemError: return ErrorCode::System;
    case ncclInvalidArgument: return ErrorCode::InvalidArgument;
    case ncclInvalidUsage: return ErrorCode::InvalidUsage;
    case ncclRemoteError: return ErrorCode::Remote;
    default: return ErrorCode::Internal;
  }
}

void setLastError(const std::string& message) { tlsLastError = message; }
const std::string& lastError() { return tlsLastError; }

ncclResult_t fail(const char* call, ncclResult_t result, const std::string& message) {
  // lccl's messages start with the call that failed; add the NCCL entry point
  // unless it already leads.
  std::string text = message.rfind(call, 0) == 0 ? message : std::string(call) + ": " + message;
  LCCL_WARN("%s", text.c_str());
  tlsLastError = std::move(text);
  return result;
}

}  // namespace lccl::nccl

using namespace lccl::nccl;

LCCL_NCCL_API(ncclResult_t, ncclGetVersion, int* version) {
  if (version == nullptr) return fail("ncclGetVersion", ncclInvalidArgument, "version is NULL");
  *version = NCCL_VERSION_CODE;
  return ncclSuccess;
}

LCCL_NCCL_API(const char*, ncclGetErrorString, ncclResult_t result) {
  switch (result) {
    case ncclSuccess: return "no error";
    case ncclUnhandledCudaError: return "unhandled cuda error (run with NCCL_DEBUG=INFO for details)";
    case ncclSystemError: return "unhandled system error (run with NCCL_DEBUG=INFO for details)";
    case ncclInternalError: return "internal error - please report this issue to the lccl developers";
    case ncclInvalidArgument: return "invalid argument (run with NCCL_DEBUG=WARN for details)";
    case ncclInvalidUsage: return "invalid usage (run with NCCL_DEBUG=WARN for details)";
    case ncclRemoteError: return "remote process exited or there was a network error";
    case ncclInProgress: return "NCCL operation in progress";
    default: return "unknown result code";
  }
}

// The calling thread's last error; when it has none, the communicator's
// asynchronous error message (if `comm` is a live communicator).
LCCL_NCCL_API(const char*, ncclGetLastError, ncclComm_t comm) {
  if (!lastError().empty() || comm == nullptr || !isLive(comm)) return lastError().c_str();
  std::lock_guard<std::mutex> lock(comm->mu);
  if (!comm->asyncMessage.empty()) setLastError(comm->asyncMessage);
  return lastError().c_str();
}

// Logging settings are read once per process; NCCL itself documents this call
// as unsupported.
LCCL_NCCL_API(void, ncclResetDebugInit, void) {}

// Exported by NVIDIA's library too (undeclared there); kept so that every
// symbol a binary linked against NVIDIA's libnccl.so.2 may import exists here.
LCCL_NCCL_API(void, ncclResetDebugInitInternal, void) {}
