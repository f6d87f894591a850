// lccl/primitives/fifo_device.hpp — GPU threads pushing proxy requests.
//
// The device half of the Fifo of lccl/fifo.hpp (transport layer: layout and
// host consumer). Any number of GPU threads may push concurrently:
//   pos = atomicAdd(head, 1)                 claim (head is device memory)
//   wait until pos < tail + capacity         acquire.sys loads of the tail the
//                                            proxy writes (back-pressure, bounded
//                                            by DeviceWaitBound)
//   slot.lo = st.relaxed.sys; slot.hi = st.release.sys   publish: hi last
// The release makes everything the pushing thread wrote before the push
// (e.g. the data of a put it requests) visible to the proxy that sees hi.
// On timeout or abort the push returns false: its slot stays claimed and the
// FIFO is unusable (the communicator's DeviceErrorSlot records it).
// TODO(perf): read the tail from a device-memory replica the proxy refreshes
// every N pops instead of over PCIe on every push.
#pragma once

#include <cstdint>

#include "lccl/fifo.hpp"
#include "lccl/primitives/detail/macros.hpp"
#include "lccl/primitives/wait_bound.hpp"

namespace lccl {

struct FifoDeviceHandle {
  FifoLayout layout;      // Fifo::producerLayout()
  DeviceWaitBound bound;  // objectId = FIFO id

#if LCCL_DEVICE_CODE
  // Publishes `req`; false on timeout/abort (recorded in the slot).
  __device__ bool push(const ProxyRequest& req) const;
#endif
};

}  // namespace lccl

#if LCCL_DEVICE_CODE
#include "lccl/primitives/detail/wait.hpp"

namespace lccl {

__device__ __forceinline__ bool FifoDeviceHandle::push(const ProxyRequest& req) const {
  const uint64_t pos =
      atomicAdd(reinterpret_cast<unsigned long long*>(layout.head), 1ull);
  uint64_t tail = arch::loadAcquireSys(layout.tail);
  if (pos >= tail + layout.capacity) {
    detail::BoundedSpin spin(bound);
    do {
      if (!spin.keepGoing(DeviceErrorKind::WaitTimeout, pos, tail)) return false;
      tail = arch::loadAcquireSys(layout.tail);
    } while (pos >= tail + layout.capacity);
  }
  ProxyRequest* slot = layout.slots + (pos & (layout.capacity - 1));
  arch::storeRelaxedSys(&slot->lo, req.lo);
  arch::storeReleaseSys(&slot->hi, req.hi);
  return true;
}

}  // namespace lccl
#endif
