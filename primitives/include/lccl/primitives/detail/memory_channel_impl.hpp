// lccl/primitives/detail/memory_channel_impl.hpp — bodies of the
// MemoryChannelDeviceHandle methods (contracts in memory_channel_device.hpp).
#pragma once

#include "lccl/primitives/arch/ops.hpp"
#include "lccl/primitives/detail/copy_device.hpp"
#include "lccl/primitives/detail/packet_impl.hpp"
#include "lccl/primitives/memory_channel_device.hpp"

namespace lccl {
namespace detail {
LCCL_DEVICE char* bytePtr(void* base, size_t offset) { return static_cast<char*>(base) + offset; }
}  // namespace detail

__device__ __forceinline__ void MemoryChannelDeviceHandle::put(size_t dstOffset, size_t srcOffset,
                                                               size_t bytes, uint32_t threadId,
                                                               uint32_t numThreads) const {
  detail::deviceCopy(detail::bytePtr(dst, dstOffset), detail::bytePtr(src, srcOffset), bytes,
                     threadId, numThreads);
}

__device__ __forceinline__ void MemoryChannelDeviceHandle::get(size_t dstOffset, size_t srcOffset,
                                                               size_t bytes, uint32_t threadId,
                                                               uint32_t numThreads) const {
  detail::deviceCopy(detail::bytePtr(src, srcOffset), detail::bytePtr(dst, dstOffset), bytes,
                     threadId, numThreads);
}

__device__ __forceinline__ void MemoryChannelDeviceHandle::putWithSignal(
    size_t dstOffset, size_t srcOffset, size_t bytes, uint32_t threadId,
    uint32_t numThreads) const {
  put(dstOffset, srcOffset, bytes, threadId, numThreads);
  __syncthreads();
  if (threadId == 0) signal();
}

__device__ __forceinline__ void MemoryChannelDeviceHandle::signal() const { semaphore.signal(); }
__device__ __forceinline__ void MemoryChannelDeviceHandle::relaxedSignal() const {
  semaphore.relaxedSignal();
}
__device__ __forceinline__ bool MemoryChannelDeviceHandle::wait() const { return semaphore.wait(); }
__device__ __forceinline__ bool MemoryChannelDeviceHandle::poll() const { return semaphore.poll(); }
__device__ __forceinline__ void MemoryChannelDeviceHandle::flush() const { arch::fenceAcqRelSys(); }

template <class Packet>
__device__ __forceinline__ void MemoryChannelDeviceHandle::putPackets(
    size_t dstOffset, size_t srcOffset, size_t bytes, uint32_t threadId, uint32_t numThreads,
    uint32_t flag) const {
  detail::writePackets(reinterpret_cast<Packet*>(detail::bytePtr(dst, dstOffset)),
                       detail::bytePtr(src, srcOffset), bytes, flag, threadId, numThreads);
}

template <class Packet>
__device__ __forceinline__ void MemoryChannelDeviceHandle::writePacket(
    size_t dstOffset, typename Packet::Payload value, uint32_t flag) const {
  reinterpret_cast<Packet*>(detail::bytePtr(dst, dstOffset))->write(value, flag);
}

template <class Packet>
__device__ __forceinline__ bool MemoryChannelDeviceHandle::readPacket(
    size_t packetOffset, uint32_t flag, typename Packet::Payload& value) const {
  return reinterpret_cast<const Packet*>(detail::bytePtr(packetBuffer, packetOffset))
      ->read(flag, value, semaphore.bound);
}

template <class Packet>
__device__ __forceinline__ bool MemoryChannelDeviceHandle::readPackets(
    size_t packetOffset, size_t dstOffset, size_t bytes, uint32_t threadId, uint32_t numThreads,
    uint32_t flag) const {
  return detail::readPackets(reinterpret_cast<const Packet*>(detail::bytePtr(packetBuffer, packetOffset)),
                             detail::bytePtr(src, dstOffset), bytes, flag, threadId, numThreads,
                             semaphore.bound);
}

__device__ __forceinline__ void MemoryChannelDeviceHandle::writeLL128(size_t dstOffset, uint4 value,
                                                                      uint32_t flag) const {
  ll128Write(detail::bytePtr(dst, dstOffset), value, flag);
}

__device__ __forceinline__ bool MemoryChannelDeviceHandle::readLL128(size_t packetOffset,
                                                                     uint32_t flag,
                                                                     uint4& value) const {
  return ll128Read(detail::bytePtr(packetBuffer, packetOffset), flag, value, semaphore.bound);
}

}  // namespace lccl
