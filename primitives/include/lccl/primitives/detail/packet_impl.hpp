// lccl/primitives/detail/packet_impl.hpp — LL packet device methods and the
// bulk packet loops used by MemoryChannel::putPackets/readPackets.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lccl/primitives/arch/ops.hpp"
#include "lccl/primitives/detail/payload.hpp"
#include "lccl/primitives/detail/wait.hpp"
#include "lccl/primitives/packet.hpp"

namespace lccl {
namespace detail {

// A packet read polls at full speed for kPacketFastPolls polls, then pauses
// between polls (128 ns, 512 ns from 4 x kPacketFastPolls). Without the
// pause, tens of thousands of threads waiting for packets (a full grid) keep
// the memory system so busy with polls (and, every kSpinsPerCheck polls,
// with reads of the host abort flag) that the peers' packet stores land
// slowly, and the slow-down feeds itself call after call (measured on 2
// H100s under PyTorch, eager: 512 KiB - 2 MiB AllReduce at 1.1 - 1.2 ms per
// call instead of 30 us). Measured cost in CUDA graphs on 2 H100s: +0.2 us
// at 16 KiB, +0.14 us at 64 KiB, none from 1 MiB (experiment 20 in
// docs/performance.md).
constexpr uint32_t kPacketFastPolls = 64;
__device__ __forceinline__ void packetPollPause(uint32_t polls) {
  if (polls >= kPacketFastPolls) arch::sleepNs(polls >= 4 * kPacketFastPolls ? 512 : 128);
}

}  // namespace detail

// ---- LL16 -----------------------------------------------------------------
__device__ __forceinline__ void LL16Packet::write(Payload value, uint32_t flagValue) {
  const uint4 v{static_cast<uint32_t>(value), flagValue, static_cast<uint32_t>(value >> 32), flagValue};
  arch::storeVolatileV4(reinterpret_cast<uint4*>(this), v);
}

__device__ __forceinline__ bool LL16Packet::poll(uint32_t flagValue, Payload& value) const {
  const uint4 v = arch::loadVolatileV4(reinterpret_cast<const uint4*>(this));
  if (v.y != flagValue || v.w != flagValue) return false;
  value = (static_cast<uint64_t>(v.z) << 32) | v.x;
  return true;
}

__device__ __forceinline__ bool LL16Packet::read(uint32_t flagValue, Payload& value,
                                                 const DeviceWaitBound& bound) const {
  detail::BoundedSpin spin(bound);
  for (uint32_t polls = 0;; ++polls) {
    const uint4 v = arch::loadVolatileV4(reinterpret_cast<const uint4*>(this));
    if (v.y == flagValue && v.w == flagValue) {
      value = (static_cast<uint64_t>(v.z) << 32) | v.x;
      return true;
    }
    const uint64_t seen = (static_cast<uint64_t>(v.w) << 32) | v.y;
    if (!spin.keepGoing(DeviceErrorKind::PacketTimeout, flagValue, seen)) return false;
    detail::packetPollPause(polls);
  }
}

// ---- LL8 ------------------------------------------------------------------
__device__ __forceinline__ void LL8Packet::write(Payload value, uint32_t flagValue) {
  arch::storeVolatile(reinterpret_cast<uint64_t*>(this), (static_cast<uint64_t>(flagValue) << 32) | value);
}

__device__ __forceinline__ bool LL8Packet::poll(uint32_t flagValue, Payload& value) const {
  const uint64_t v = arch::loadVolatile(reinterpret_cast<const uint64_t*>(this));
  if (static_cast<uint32_t>(v >> 32) != flagValue) return false;
  value = static_cast<uint32_t>(v);
  return true;
}

__device__ __forceinline__ bool LL8Packet::read(uint32_t flagValue, Payload& value,
                                                const DeviceWaitBound& bound) const {
  detail::BoundedSpin spin(bound);
  for (uint32_t polls = 0;; ++polls) {
    const uint64_t v = arch::loadVolatile(reinterpret_cast<const uint64_t*>(this));
    if (static_cast<uint32_t>(v >> 32) == flagValue) {
      value = static_cast<uint32_t>(v);
      return true;
    }
    if (!spin.keepGoing(DeviceErrorKind::PacketTimeout, flagValue, v >> 32)) return false;
    detail::packetPollPause(polls);
  }
}

// ---- LL128 ----------------------------------------------------------------
__device__ __forceinline__ void ll128Write(void* unit, uint4 v, uint32_t flag) {
  const uint32_t t = threadIdx.x & 31u;
  const bool f = LL128::flagLane(t);
  v.z = f ? flag : v.z;
  v.w = f ? flag : v.w;
  __syncwarp();  // the 8 threads of a line store in one instruction
  arch::storeVolatileV4(static_cast<uint4*>(unit) + t, v);
}

__device__ __forceinline__ bool ll128Read(const void* unit, uint32_t flag, uint4& v,
                                          const DeviceWaitBound& bound) {
  const uint32_t t = threadIdx.x & 31u;
  const uint4* p = static_cast<const uint4*>(unit) + t;
  detail::BoundedSpin spin(bound);
  for (uint32_t polls = 0;; ++polls) {
    __syncwarp();
    v = arch::loadVolatileV4(p);
    const bool stale = LL128::flagLane(t) && (v.z != flag || v.w != flag);
    if (!__any_sync(0xffffffffu, stale)) return true;
    const bool go = spin.keepGoing(DeviceErrorKind::PacketTimeout, flag, v.z);
    if (__any_sync(0xffffffffu, !go)) return false;
    detail::packetPollPause(polls);
  }
}

namespace detail {

// Packet i carries data bytes [i*D, i*D+D) and goes to thread i % numThreads.
template <class Packet>
LCCL_DEVICE void writePackets(Packet* packets, const char* data, size_t bytes, uint32_t flag,
                              uint32_t threadId, uint32_t numThreads) {
  using Payload = typename Packet::Payload;
  const size_t count = packetCount<Packet>(bytes);
  for (size_t i = threadId; i < count; i += numThreads) {
    const size_t off = i * Packet::kDataBytes;
    packets[i].write(loadPayload<Payload>(data + off, bytes - off), flag);
  }
}

// Reads the packets written by writePackets into `data`. False if any read of
// this thread timed out or was aborted (the thread stops at the first one).
template <class Packet>
LCCL_DEVICE bool readPackets(const Packet* packets, char* data, size_t bytes, uint32_t flag,
                             uint32_t threadId, uint32_t numThreads, const DeviceWaitBound& bound) {
  using Payload = typename Packet::Payload;
  const size_t count = packetCount<Packet>(bytes);
  for (size_t i = threadId; i < count; i += numThreads) {
    const size_t off = i * Packet::kDataBytes;
    Payload v;
    if (!packets[i].read(flag, v, bound)) return false;
    storePayload<Payload>(data + off, v, bytes - off);
  }
  return true;
}

}  // namespace detail
}  // namespace lccl
