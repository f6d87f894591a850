// api.hpp — the C boundary of lccl's NCCL API: how entry points are declared
// and how C++ exceptions become ncclResult_t.
//
// Every public function is written once, as
//
//   LCCL_NCCL_API(ncclResult_t, ncclFoo, int a) { return guarded("ncclFoo", [&] { ... }); }
//
// which defines pncclFoo (strong) and ncclFoo (a weak alias of it), both
// exported, in the PMPI style profilers rely on. `guarded` runs the body,
// catches every exception, stores its message as the calling thread's last
// error (ncclGetLastError), logs it with LCCL_WARN and returns the mapped code.
// Nothing throws across extern "C".
#pragma once

#include <exception>
#include <new>
#include <string>

#include "lccl/errors.hpp"
#include "nccl.h"

#ifndef LCCL_NCCL_H
#error "lccl's nccl/include must come before the CUDA toolkit's include directory"
#endif

#define LCCL_NCCL_EXPORT __attribute__((visibility("default")))

#define LCCL_NCCL_API(ret, name, ...)                                                    \
  extern "C" LCCL_NCCL_EXPORT ret p##name(__VA_ARGS__);                                  \
  extern "C" LCCL_NCCL_EXPORT __attribute__((weak, alias("p" #name))) ret name(__VA_ARGS__); \
  extern "C" ret p##name(__VA_ARGS__)

namespace lccl::nccl {

// lccl's error category -> NCCL result code, and back (for results of a
// delegated NCCL that must travel as exceptions).
ncclResult_t resultOf(ErrorCode code);
ErrorCode errorCodeOf(ncclResult_t result);

// Records `message` as this thread's last error, logs it, returns `result`.
ncclResult_t fail(const char* call, ncclResult_t result, const std::string& message);
void setLastError(const std::string& message);
const std::string& lastError();

template <class Body>
ncclResult_t guarded(const char* call, Body&& body) noexcept {
  try {
    return body();
  } catch (const Error& e) {
    return fail(call, resultOf(e.code()), e.what());
  } catch (const std::bad_alloc&) {
    return fail(call, ncclSystemError, "out of host memory");
  } catch (const std::exception& e) {
    return fail(call, ncclInternalError, e.what());
  } catch (...) {
    return fail(call, ncclInternalError, "unknown exception");
  }
}

}  // namespace lccl::nccl
