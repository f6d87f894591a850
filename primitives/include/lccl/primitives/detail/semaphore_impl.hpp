// lccl/primitives/detail/semaphore_impl.hpp — bodies of the semaphore device
// methods declared (with their ordering contracts) in semaphore_device.hpp.
#pragma once

#include "lccl/primitives/arch/ops.hpp"
#include "lccl/primitives/detail/wait.hpp"
#include "lccl/primitives/semaphore_device.hpp"

namespace lccl {
namespace detail {

// Local counters are touched by one thread at a time but possibly by
// different SMs across launches or grid-synchronised phases: relaxed
// system-scope accesses keep them coherent (served by L2, never a stale L1).
LCCL_DEVICE uint64_t nextCount(const uint64_t* counter) { return arch::loadRelaxedSys(counter) + 1; }
LCCL_DEVICE void setCount(uint64_t* counter, uint64_t value) { arch::storeRelaxedSys(counter, value); }

}  // namespace detail

// The remote store goes first: the local bookkeeping store is off the path
// that the peer waits on (and needs no ordering: only this thread reads it).
__device__ __forceinline__ void MemoryDevice2DeviceSemaphoreDeviceHandle::signal() const {
  const uint64_t count = detail::nextCount(outbound);
  arch::storeReleaseSys(remoteInbound, count);
  detail::setCount(outbound, count);
}

__device__ __forceinline__ void MemoryDevice2DeviceSemaphoreDeviceHandle::relaxedSignal() const {
  const uint64_t count = detail::nextCount(outbound);
  arch::storeRelaxedSys(remoteInbound, count);
  detail::setCount(outbound, count);
}

// `expected` is bumped before spinning, so its store completes while waiting.
__device__ __forceinline__ bool MemoryDevice2DeviceSemaphoreDeviceHandle::wait() const {
  const uint64_t target = detail::nextCount(expected);
  detail::setCount(expected, target);
  return detail::waitCounterAtLeast(inbound, target, bound);
}

__device__ __forceinline__ bool MemoryDevice2DeviceSemaphoreDeviceHandle::poll() const {
  const uint64_t target = detail::nextCount(expected);
  if (arch::loadAcquireSys(inbound) < target) return false;
  detail::setCount(expected, target);
  return true;
}

}  // namespace lccl
