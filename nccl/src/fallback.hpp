// fallback.hpp — a real NCCL, loaded privately, for communicators lccl cannot
// serve natively (ranks on several hosts, more ranks than lccl supports).
//
// LCCL_NCCL_FALLBACK_LIB names the library by path. It is opened with
// RTLD_LOCAL | RTLD_DEEPBIND so its own calls bind inside it, and every
// function is taken from its handle with dlsym, never from lccl's library.
// A whole communicator is delegated: every later call on it goes to the real
// library unchanged.
#pragma once

#include <memory>
#include <string>

#include "nccl.h"

namespace lccl::nccl {

// Functions every NCCL since 2.12 has.
#define LCCL_NCCL_REAL_REQUIRED(X)                                                        \
  X(ncclGetVersion) X(ncclGetUniqueId) X(ncclCommInitRankConfig) X(ncclCommDestroy)       \
  X(ncclCommAbort) X(ncclCommFinalize) X(ncclCommSplit) X(ncclCommGetAsyncError)          \
  X(ncclCommCount) X(ncclCommCuDevice) X(ncclCommUserRank) X(ncclGetLastError)            \
  X(ncclRedOpCreatePreMulSum) X(ncclRedOpDestroy) X(ncclAllReduce) X(ncclAllGather)       \
  X(ncclReduceScatter) X(ncclBroadcast) X(ncclReduce) X(ncclSend) X(ncclRecv)             \
  X(ncclGroupStart) X(ncclGroupEnd)
// Newer functions: a call that needs a missing one fails with ncclInvalidUsage.
#define LCCL_NCCL_REAL_OPTIONAL(X)                                                        \
  X(ncclCommRegister) X(ncclCommDeregister) X(ncclCommWindowRegister)                     \
  X(ncclCommWindowDeregister) X(ncclCommShrink) X(ncclCommRevoke) X(ncclAlltoAll)         \
  X(ncclGather) X(ncclScatter)

struct RealNccl {
  std::string path;
  void* handle = nullptr;
  int version = 0;
#define LCCL_NCCL_REAL_MEMBER(name) decltype(&::p##name) name = nullptr;
  LCCL_NCCL_REAL_REQUIRED(LCCL_NCCL_REAL_MEMBER)
  LCCL_NCCL_REAL_OPTIONAL(LCCL_NCCL_REAL_MEMBER)
#undef LCCL_NCCL_REAL_MEMBER

  // Throws InvalidUsageError when the library lacks `fn` (an optional one).
  template <class Fn>
  Fn need(Fn fn, const char* name) const {
    if (fn == nullptr) missing(name);
    return fn;
  }
  [[noreturn]] void missing(const char* name) const;
  // Turns a failed result into an lccl::Error carrying the library's last error.
  void check(ncclResult_t result, const char* call, ncclComm_t comm) const;
  // check(), then `result` (ncclSuccess or ncclInProgress).
  ncclResult_t pass(ncclResult_t result, const char* call, ncclComm_t comm) const {
    check(result, call, comm);
    return result;
  }
};

// Opens `path` privately and resolves its functions. `self` is any address
// inside lccl's own library: a path that resolves to it is refused. Throws
// InvalidUsageError (bare name, missing file, not an NCCL, lccl itself).
std::unique_ptr<RealNccl> loadRealNccl(const std::string& path, const void* self);

// The library named by LCCL_NCCL_FALLBACK_LIB, loaded on first use; nullptr
// when the variable is unset. Throws when it is set but cannot be used.
const RealNccl* fallbackNccl();
bool fallbackConfigured();
// The fallback library if already loaded (never loads it).
const RealNccl* loadedFallback();

}  // namespace lccl::nccl
