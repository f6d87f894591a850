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
// The receiver waits with the usual semaphore wait on its host-mapped counter.
#pragma once

#include <cstdint>
#include <type_traits>

#include "lccl/primitives/fifo_device.hpp"

namespace lccl {

struct PortChannelDeviceHandle {
  FifoDeviceHandle fifo;
  uint32_t connection = 0;   // index in the ProxyService
  uint32_t dstMemId = 0;     // peer's region (and semaphore) id
  uint32_t srcMemId = 0;     // local region id
  uint32_t reserved = 0;

#if LCCL_DEVICE_CODE
  __device__ bool put(uint32_t dstOffset, uint32_t srcOffset, uint32_t bytes) const {
    return fifo.push(request(ProxyRequestType::Put, dstOffset, srcOffset, bytes));
  }
  __device__ bool signal() const { return fifo.push(request(ProxyRequestType::Signal, 0, 0, 0)); }
  __device__ bool putWithSignal(uint32_t dstOffset, uint32_t srcOffset, uint32_t bytes) const {
    return fifo.push(request(ProxyRequestType::PutWithSignal, dstOffset, srcOffset, bytes));
  }
  __device__ bool flush() const { return fifo.push(request(ProxyRequestType::Flush, 0, 0, 0)); }

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
