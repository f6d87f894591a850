// lccl/primitives/port_channel_device.hpp — a port channel as a kernel sees it.
//
// A PortChannel moves data to a peer this GPU cannot load/store (another
// host): each call pushes one ProxyRequest into the proxy's FIFO; the host
// proxy performs it over the connection's transport (TCP, InfiniBand).
//
// Memory ordering:
//   put()            the bytes of src at the time the proxy reads them are
//                    sent; the caller must order its writes of src before the
//                    push (the push is a release.sys by the pushing thread;
//                    writes of other threads need __syncthreads() first).
//   signal()         the peer's semaphore `semaphoreId` is bumped after every
//                    earlier put of this channel landed in the peer's memory.
//   putWithSignal()  put then signal, one request.
//   flush()          asks the proxy to wait until earlier requests completed;
//                    it does not wait on the GPU (pair with a semaphore).
// Each returns false when the FIFO push timed out or the communicator aborted.
// One thread per request: call from a single thread (e.g. threadIdx.x == 0).
//   wait()           acquire: returns true once one more signal than consumed
//                    so far arrived on this channel's inbound semaphore (a
//                    host-mapped counter the proxy bumps after the earlier
//                    puts are in this GPU's memory); bounded like every wait.
//   poll()           non-blocking wait().
// wait()/poll() of one channel must not run in two threads at once.
//
// Ids: put() writes the peer's region dstMemId from the local region
// srcMemId; signal() bumps the peer's semaphore dstMemId; wait() consumes the
// local semaphore `semaphore.bound.objectId` (the id the peer signals).
#pragma once

#include <cstdint>
#include <type_traits>

#include "lccl/primitives/fifo_device.hpp"

namespace lccl {

// The receiving end of a port-channel semaphore: `inbound` is the device view
// of a host-mapped counter the proxy increments (PortService::Semaphore).
struct PortSemaphoreDeviceHandle {
  uint64_t* inbound = nullptr;   // device view of the host-mapped counter
  uint64_t* expected = nullptr;  // device memory: signals consumed so far
  DeviceWaitBound bound;         // objectId = semaphore id

#if LCCL_DEVICE_CODE
  __device__ bool wait() const;
  __device__ bool poll() const;
#endif
};
static_assert(std::is_trivially_copyable_v<PortSemaphoreDeviceHandle>,
              "device handles are passed to kernels by value");

struct PortChannelDeviceHandle {
  FifoDeviceHandle fifo;
  uint32_t connection = 0;   // index in the ProxyService
  uint32_t dstMemId = 0;     // peer's region (and semaphore) id
  uint32_t srcMemId = 0;     // local region id
  uint32_t reserved = 0;
  PortSemaphoreDeviceHandle semaphore;  // signals from the peer

#if LCCL_DEVICE_CODE
  __device__ bool put(uint32_t dstOffset, uint32_t srcOffset, uint32_t bytes) const {
    return fifo.push(request(ProxyRequestType::Put, dstOffset, srcOffset, bytes));
  }
  __device__ bool signal() const { return fifo.push(request(ProxyRequestType::Signal, 0, 0, 0)); }
  __device__ bool putWithSignal(uint32_t dstOffset, uint32_t srcOffset, uint32_t bytes) const {
    return fifo.push(request(ProxyRequestType::PutWithSignal, dstOffset, srcOffset, bytes));
  }
  __device__ bool flush() const { return fifo.push(request(ProxyRequestType::Flush, 0, 0, 0)); }
  __device__ bool wait() const { return semaphore.wait(); }
  __device__ bool poll() const { return semaphore.poll(); }

 private:
  __device__ ProxyRequest request(ProxyRequestType t, uint32_t dstOff, uint32_t srcOff,
                                  uint32_t bytes) const {
    ProxyRequestFields f;
    f.type = t;
    f.connection = connection;
    f.srcMem = srcMemId;
    f.dstMem = dstMemId;
    f.srcOffset = srcOff;
    f.dstOffset = dstOff;
    f.size = bytes;
    return ProxyRequest::encode(f);
  }
#endif
};
static_assert(std::is_trivially_copyable_v<PortChannelDeviceHandle>,
              "device handles are passed to kernels by value");

}  // namespace lccl

#if LCCL_DEVICE_CODE
#include "lccl/primitives/detail/wait.hpp"

namespace lccl {

__device__ __forceinline__ bool PortSemaphoreDeviceHandle::wait() const {
  const uint64_t target = arch::loadRelaxedSys(expected) + 1;
  arch::storeRelaxedSys(expected, target);
  return detail::waitCounterAtLeast(inbound, target, bound);
}

__device__ __forceinline__ bool PortSemaphoreDeviceHandle::poll() const {
  const uint64_t target = arch::loadRelaxedSys(expected) + 1;
  if (arch::loadAcquireSys(inbound) < target) return false;
  arch::storeRelaxedSys(expected, target);
  return true;
}

}  // namespace lccl
#endif
