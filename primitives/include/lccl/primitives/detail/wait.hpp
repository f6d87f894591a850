// lccl/primitives/detail/wait.hpp — the bounded spin shared by every wait.
// Device code only (included by the *_impl.hpp headers).
#pragma once

#include <cstdint>

#include "lccl/device_error.hpp"
#include "lccl/primitives/arch/ops.hpp"
#include "lccl/primitives/wait_bound.hpp"

namespace lccl {
namespace detail {

constexpr uint32_t kSpinsPerCheck = 1024;

// Records a timeout in the slot (first claimer fills it) and raises abort.
// Fields are written before `abort` and fenced, so a host that sees abort != 0
// and claimed != 0 after the fence reads a complete record.
__device__ __noinline__ inline void reportTimeout(const DeviceWaitBound& b, DeviceErrorKind kind,
                                                  uint64_t expected, uint64_t observed,
                                                  uint64_t waitedNs) {
  DeviceErrorSlot* s = b.slot;
  if (s == nullptr) return;
  if (atomicCAS(&s->claimed, 0u, 1u) == 0u) {
    s->kind = static_cast<uint32_t>(kind);
    s->rank = b.rank;
    s->peer = b.peer;
    s->objectId = b.objectId;
    s->expected = expected;
    s->observed = observed;
    s->waitedNs = waitedNs;
    __threadfence_system();
  }
  s->abort = 1;
  __threadfence_system();
}

// Counts polls; every kSpinsPerCheck of them checks abort and the clock.
// Usage:  BoundedSpin spin(bound);
//         while (!ready()) if (!spin.keepGoing(kind, expected, observed)) return false;
class BoundedSpin {
 public:
  LCCL_DEVICE explicit BoundedSpin(const DeviceWaitBound& bound) : bound_(bound) {}

  // False when the wait must give up (abort raised, or timed out: recorded).
  LCCL_DEVICE bool keepGoing(DeviceErrorKind kind, uint64_t expected, uint64_t observed) {
    if (++spins_ % kSpinsPerCheck != 0) return true;
    return check(kind, expected, observed);
  }

 private:
  LCCL_DEVICE bool check(DeviceErrorKind kind, uint64_t expected, uint64_t observed) {
    if (bound_.slot != nullptr && bound_.slot->abort != 0) return false;
    const uint64_t now = arch::globalTimerNs();
    if (!started_) {
      started_ = true;
      start_ = now;
      return true;
    }
    const uint64_t waited = now - start_;
    if (bound_.timeoutNs == 0 || waited < bound_.timeoutNs) return true;
    reportTimeout(bound_, kind, expected, observed, waited);
    return false;
  }

  const DeviceWaitBound& bound_;
  uint64_t start_ = 0;
  uint32_t spins_ = 0;
  bool started_ = false;
};

// Spins until *counter >= target with acquire loads. False on timeout/abort.
LCCL_DEVICE bool waitCounterAtLeast(const uint64_t* counter, uint64_t target,
                                    const DeviceWaitBound& bound) {
  uint64_t seen = arch::loadAcquireSys(counter);
  if (seen >= target) return true;
  BoundedSpin spin(bound);
  do {
    if (!spin.keepGoing(DeviceErrorKind::WaitTimeout, target, seen)) return false;
    seen = arch::loadAcquireSys(counter);
  } while (seen < target);
  return true;
}

}  // namespace detail
}  // namespace lccl
