// lccl/primitives/memory_channel_device.hpp — what a kernel can do with a
// MemoryChannel: move data to/from one peer's memory with SM loads/stores,
// and synchronise with that peer through the channel's semaphore.
//
// Buffers of a channel (all addresses valid in this process):
//   dst           the PEER's memory (imported RegisteredMemory): put() writes
//                 it, get() reads it, putPackets() writes packets into it (so
//                 for packets, dst is the peer's packet buffer);
//   src           LOCAL memory: put() reads it, get() writes it, putPackets()
//                 reads data from it, readPackets() writes data into it;
//   packetBuffer  LOCAL buffer the peer writes packets into (the peer's
//                 channel has it as dst); readPackets() reads it.
// Offsets are in bytes. Nothing is bounds-checked on the device.
//
// Thread groups: cooperative calls take (threadId, numThreads): the calling
// threads of one group pass ids 0..numThreads-1 (any mapping onto blocks), all
// with the same other arguments. The group may span blocks, except where noted.
//
// Memory ordering (see semaphore_device.hpp for signal/wait):
//   put/get          weak loads/stores; not visible to the peer in any order
//                    until a release: signal() by a thread that the writing
//                    threads are ordered before (__syncthreads() for a block),
//                    or flush() + relaxedSignal().
//   putWithSignal    put by the block, __syncthreads(), thread 0 signal():
//                    the peer's wait() then sees all of the block's data.
//   flush()          fence.acq_rel.sys: this thread's earlier reads/writes are
//                    ordered before its later ones for every observer; it does
//                    not wait for remote stores to land and publishes nothing
//                    by itself (memory channels have no proxy queue to drain).
//   putPackets/readPackets   per-packet atomicity only (see packet.hpp).
//   writeLL128/readLL128     per-line atomicity only (see packet.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "lccl/primitives/detail/macros.hpp"
#include "lccl/primitives/packet.hpp"
#include "lccl/primitives/semaphore_device.hpp"

namespace lccl {

struct MemoryChannelDeviceHandle {
  MemoryDevice2DeviceSemaphoreDeviceHandle semaphore;
  void* dst = nullptr;           // peer memory (mapped here)
  void* src = nullptr;           // local memory
  void* packetBuffer = nullptr;  // local packet buffer written by the peer

#if LCCL_DEVICE_CODE
  // Copies [src+srcOffset, +bytes) to [dst+dstOffset, +bytes). Any size and
  // alignment; 16-byte vectors where src and dst are 16-byte aligned relative
  // to each other (else the widest common width), unaligned head/tail singly.
  __device__ void put(size_t dstOffset, size_t srcOffset, size_t bytes, uint32_t threadId,
                      uint32_t numThreads) const;
  // The reverse direction, same offsets: copies [dst+dstOffset, +bytes) of the
  // peer to [src+srcOffset, +bytes) locally.
  __device__ void get(size_t dstOffset, size_t srcOffset, size_t bytes, uint32_t threadId,
                      uint32_t numThreads) const;
  // put(), then __syncthreads(), then thread 0 of the group signals. The group
  // must be exactly the calling block (every thread of it calls this).
  __device__ void putWithSignal(size_t dstOffset, size_t srcOffset, size_t bytes,
                                uint32_t threadId, uint32_t numThreads) const;

  __device__ void signal() const;         // semaphore.signal(): release
  __device__ void relaxedSignal() const;  // semaphore.relaxedSignal(): no ordering
  __device__ bool wait() const;           // semaphore.wait(): acquire, bounded
  __device__ bool poll() const;           // semaphore.poll()
  __device__ void flush() const;          // fence.acq_rel.sys (see above)

  // Packs [src+srcOffset, +bytes) into packets written at dst+dstOffset (the
  // peer's packet buffer; dstOffset a multiple of sizeof(Packet)). Packet i
  // carries data bytes [i*D, i*D+D), D = Packet::kDataBytes, so the packets
  // occupy packetBufferBytes<Packet>(bytes) bytes: every 8 data bytes -> one
  // 16-byte LL16Packet, every 4 -> one 8-byte LL8Packet; a partial last packet
  // is zero-padded. Any srcOffset alignment.
  template <class Packet>
  __device__ void putPackets(size_t dstOffset, size_t srcOffset, size_t bytes, uint32_t threadId,
                             uint32_t numThreads, uint32_t flag) const;
  // Single packets, for callers with their own packet loops: writePacket
  // stores one packet at dst+dstOffset (the peer's packet buffer);
  // readPacket waits (bounded) for the packet at packetBuffer+packetOffset to
  // carry `flag` and returns its payload; false on timeout or abort.
  template <class Packet>
  __device__ void writePacket(size_t dstOffset, typename Packet::Payload value, uint32_t flag) const;
  template <class Packet>
  __device__ bool readPacket(size_t packetOffset, uint32_t flag, typename Packet::Payload& value) const;
  // Waits for the packets the peer wrote at packetBuffer+packetOffset with
  // `flag` and unpacks `bytes` data bytes to src+dstOffset (any alignment).
  // Bounded: false if a read of this thread timed out or was aborted.
  template <class Packet>
  __device__ bool readPackets(size_t packetOffset, size_t dstOffset, size_t bytes,
                              uint32_t threadId, uint32_t numThreads, uint32_t flag) const;
  // LL128 units (packet.hpp), warp-collective: every thread of a converged
  // warp calls with the same offset (a multiple of 512). writeLL128 stores
  // the unit at dst+dstOffset (the peer's packet buffer), thread t's `value`
  // as its lane; readLL128 waits (bounded) for the unit at
  // packetBuffer+packetOffset to carry `flag` in every line.
  __device__ void writeLL128(size_t dstOffset, uint4 value, uint32_t flag) const;
  __device__ bool readLL128(size_t packetOffset, uint32_t flag, uint4& value) const;
#endif
};
static_assert(std::is_trivially_copyable_v<MemoryChannelDeviceHandle>,
              "device handles are passed to kernels by value");

}  // namespace lccl

#if LCCL_DEVICE_CODE
#include "lccl/primitives/detail/memory_channel_impl.hpp"
#endif
