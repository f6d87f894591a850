// comm.hpp — what an ncclComm_t points to, and the registry of live ones.
//
// A communicator is served either natively (an lccl::Communicator plus
// lccl::Collectives) or, where lccl cannot serve it and LCCL_NCCL_FALLBACK_LIB
// names a real NCCL, delegated whole to that library (`real`). Handles are
// checked against a registry of live communicators before use, so a destroyed
// or foreign handle is reported, never dereferenced.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <map>
#include <set>
#include <string>

#include "config.hpp"
#include "lccl/collectives.hpp"
#include "lccl/executors/executor.hpp"
#include "nccl.h"

namespace lccl::nccl {

constexpr uint64_t kCommMagic = 0x6c63636c2d4e434cull;  // "lccl-NCL"

enum class CommState : int {
  Pending,  // created inside a group; initialised by ncclGroupEnd
  Ready,
  Failed,   // initialisation failed (deferred init); initResult says why
  Revoked,  // ncclCommRevoke: device work aborted, only teardown/split allowed
};

}  // namespace lccl::nccl

struct ncclWindow_vidmem {  // what ncclCommWindowRegister hands out
  void* buff;
  size_t size;
  int flags;
  uint64_t window;  // Collectives::WindowHandle (0: recorded only, not registered)
};

struct ncclComm {
  uint64_t magic = lccl::nccl::kCommMagic;  // cleared on destroy
  int rank = -1;
  int nranks = 0;
  int device = -1;  // CUDA device the communicator was created on
  lccl::nccl::Config config;
  std::atomic<lccl::nccl::CommState> state{lccl::nccl::CommState::Pending};

  // Native: both set. Delegated: `real` is the fallback NCCL's communicator.
  std::shared_ptr<lccl::Communicator> communicator;
  std::unique_ptr<lccl::Collectives> coll;
  std::unique_ptr<lccl::Executor> executor;  // created by the first call a plan serves
  ncclComm_t real = nullptr;

  std::atomic<ncclResult_t> asyncError{ncclSuccess};  // sticky first error
  ncclResult_t initResult = ncclSuccess;
  std::mutex mu;             // guards the fields below
  std::string asyncMessage;  // message of asyncError / initResult
  struct PreMulOp {          // from ncclRedOpCreatePreMulSum
    ncclDataType_t type;
    bool onDevice;           // scalar read from `device` when the kernel runs
    const void* device;
    uint64_t hostBits;       // host immediate: the value at creation
  };
  std::map<int, PreMulOp> customOps;
  int nextOp = ncclNumOps;
  std::set<void*> registrations;  // ncclCommRegister handles
  std::set<void*> windows;        // ncclCommWindowRegister handles
};

namespace lccl::nccl {

// Registry of live communicators.
void registerComm(ncclComm* comm);
void unregisterComm(ncclComm* comm);  // clears the magic
bool isLive(const ncclComm* comm);

// Validates a handle: InvalidArgumentError for NULL or a handle that is not a
// live communicator (destroyed, or never created by this library).
ncclComm& liveComm(ncclComm_t comm, const char* call);
// liveComm, and the communicator must be usable for communication (not
// pending inside a group, not failed, not revoked): InvalidUsageError otherwise.
ncclComm& readyComm(ncclComm_t comm, const char* call);

inline bool delegated(const ncclComm& c) { return c.real != nullptr; }

// Frees a communicator (already unregistered), on its device. Abort raises the
// device abort flag first and bounds how long it waits for the teardown.
void destroyComm(ncclComm* comm);
void abortComm(ncclComm* comm);

// Sets the CUDA device for a scope, restoring the caller's on exit (NCCL calls
// leave the current device unchanged).
class DeviceGuard {
 public:
  explicit DeviceGuard(int device);
  ~DeviceGuard();
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;

 private:
  int previous_ = -1;
};

}  // namespace lccl::nccl
