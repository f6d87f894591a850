// The packet protocols of the LL paths, as template parameters of the
// algorithms in ll.cuh. A protocol P says:
//   units(bytes)        how many units a piece of `bytes` is cut into
//   worker(r), workers(r) who moves unit u among the blocks of role r: units
//                       u, u + workers(r), ... go to worker(r); a worker is a
//                       thread (LL16) or a warp (LL128)
//   load / store        a worker's share (Val) of unit u of a user buffer
//   slot, at            where a sender's units land in a receiver's scratch
//   write               one unit to a peer's slot
//   read                one unit from my slot for a peer (bounded wait)
//   toPack / fromPack   the share as a pack of elements to reduce
// Every call of write / read is made by a whole worker (LL128: a converged
// warp; the loops over units are uniform within a warp).
#pragma once

#include <cstdint>

#include "../kernel_common.cuh"
#include "words.cuh"

namespace lccl::detail {

// LL16: one thread moves one 8-byte word as a 16-byte packet.
struct LL16Proto {
  using Val = uint64_t;
  static constexpr int kValBytes = 8;
  __device__ static size_t units(size_t bytes) { return (bytes + 7) / 8; }
  __device__ static size_t worker(const Role& r) { return r.thread(); }
  __device__ static size_t workers(const Role& r) { return r.threads(); }
  __device__ static Val load(const char* p, size_t u, size_t bytes) { return loadWord(p, u, bytes); }
  __device__ static void store(char* p, size_t u, size_t bytes, Val v) { storeWord(p, u, bytes, v); }
  __device__ static size_t slot(const KernelArgs& a, uint32_t flag, int sender) {
    return a.layout.llSlotOffset(flag, sender, a.nranks);
  }
  __device__ static size_t slotBytes(const KernelArgs& a) { return a.layout.llSlotBytes; }
  __device__ static size_t at(size_t u) { return u * sizeof(LL16Packet); }
  __device__ static void write(const MemoryChannelDeviceHandle& ch, size_t off, Val v, uint32_t flag) {
    ch.writePacket<LL16Packet>(off, v, flag);
  }
  __device__ static bool read(const MemoryChannelDeviceHandle& ch, size_t off, uint32_t flag, Val& v) {
    return ch.readPacket<LL16Packet>(off, flag, v);
  }
  template <typename T>
  __device__ static Pack<T, 8> toPack(Val v) { return lccl::detail::toPack<T>(v); }
  template <typename T>
  __device__ static Val fromPack(const Pack<T, 8>& p) { return lccl::detail::fromPack(p); }
};

// Up to `n` (16 or 8) bytes at p, `avail` of them inside the buffer (the rest
// zero): one vector access when whole and aligned, else byte by byte.
__device__ __forceinline__ uint4 loadShare(const char* p, size_t avail, uint32_t n) {
  const uintptr_t mis = reinterpret_cast<uintptr_t>(p) & (n - 1);
  if (avail >= n && mis == 0) {
    if (n == 16) return *reinterpret_cast<const uint4*>(p);
    const uint2 h = *reinterpret_cast<const uint2*>(p);
    return make_uint4(h.x, h.y, 0, 0);
  }
  uint32_t w[4] = {0, 0, 0, 0};
  const uint32_t k = avail < n ? static_cast<uint32_t>(avail) : n;
  for (uint32_t i = 0; i < k; ++i) w[i / 4] |= static_cast<uint32_t>(static_cast<uint8_t>(p[i])) << (8 * (i % 4));
  return make_uint4(w[0], w[1], w[2], w[3]);
}

__device__ __forceinline__ void storeShare(char* p, size_t avail, uint32_t n, uint4 v) {
  const uintptr_t mis = reinterpret_cast<uintptr_t>(p) & (n - 1);
  if (avail >= n && mis == 0) {
    if (n == 16) *reinterpret_cast<uint4*>(p) = v;
    else *reinterpret_cast<uint2*>(p) = make_uint2(v.x, v.y);
    return;
  }
  const uint32_t w[4] = {v.x, v.y, v.z, v.w};
  const uint32_t k = avail < n ? static_cast<uint32_t>(avail) : n;
  for (uint32_t i = 0; i < k; ++i) p[i] = static_cast<char>(w[i / 4] >> (8 * (i % 4)));
}

// LL128: one warp moves one unit of 480 data bytes as four 128-byte lines
// (packet.hpp); thread t carries the bytes LL128::dataOffset(t) says. A flag
// lane's share is 8 bytes (x, y); the rest of its Val is ignored.
struct LL128Proto {
  using Val = uint4;
  static constexpr int kValBytes = 16;
  __device__ static uint32_t lane() { return threadIdx.x & 31u; }
  __device__ static size_t units(size_t bytes) { return ll128Units(bytes); }
  __device__ static size_t worker(const Role& r) { return r.thread() / 32; }
  __device__ static size_t workers(const Role& r) { return r.threads() / 32; }
  __device__ static size_t offset(size_t u) { return u * LL128::kUnitDataBytes + LL128::dataOffset(lane()); }
  __device__ static size_t avail(size_t off, size_t bytes) { return off < bytes ? bytes - off : 0; }
  __device__ static Val load(const char* p, size_t u, size_t bytes) {
    const size_t off = offset(u);
    return loadShare(p + off, avail(off, bytes), LL128::dataBytes(lane()));
  }
  __device__ static void store(char* p, size_t u, size_t bytes, Val v) {
    const size_t off = offset(u);
    storeShare(p + off, avail(off, bytes), LL128::dataBytes(lane()), v);
  }
  __device__ static size_t slot(const KernelArgs& a, uint32_t flag, int sender) {
    return a.layout.ll128SlotOffset(flag, sender, a.nranks);
  }
  __device__ static size_t slotBytes(const KernelArgs& a) { return a.layout.ll128SlotBytes; }
  __device__ static size_t at(size_t u) { return u * LL128::kUnitBytes; }
  __device__ static void write(const MemoryChannelDeviceHandle& ch, size_t off, Val v, uint32_t flag) {
    ch.writeLL128(off, v, flag);
  }
  __device__ static bool read(const MemoryChannelDeviceHandle& ch, size_t off, uint32_t flag, Val& v) {
    return ch.readLL128(off, flag, v);
  }
  template <typename T>
  __device__ static Pack<T, 16> toPack(Val v) {
    Pack<T, 16> p;
    p.raw = v;
    return p;
  }
  template <typename T>
  __device__ static Val fromPack(const Pack<T, 16>& p) { return p.raw; }
};

}  // namespace lccl::detail
