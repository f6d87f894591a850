// 8-byte words of a buffer of any size and alignment (the last one
// zero-padded), as the LL protocol moves them, and their view as packs of elements.
#pragma once

#include <cstdint>

#include "lccl/collectives/reduce.cuh"

namespace lccl::detail {

__device__ __forceinline__ uint64_t loadWord(const char* p, size_t w, size_t bytes) {
  const size_t off = w * 8;
  if (off + 8 <= bytes && (reinterpret_cast<uintptr_t>(p) & 7u) == 0)
    return *reinterpret_cast<const uint64_t*>(p + off);
  uint64_t v = 0;
  const size_t end = off + 8 < bytes ? off + 8 : bytes;
  for (size_t i = off; i < end; ++i)
    v |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * (i - off));
  return v;
}

__device__ __forceinline__ void storeWord(char* p, size_t w, size_t bytes, uint64_t v) {
  const size_t off = w * 8;
  if (off + 8 <= bytes && (reinterpret_cast<uintptr_t>(p) & 7u) == 0) {
    *reinterpret_cast<uint64_t*>(p + off) = v;
    return;
  }
  const size_t end = off + 8 < bytes ? off + 8 : bytes;
  for (size_t i = off; i < end; ++i) p[i] = static_cast<char>(v >> (8 * (i - off)));
}

template <typename T>
__device__ __forceinline__ Pack<T, 8> toPack(uint64_t v) {
  Pack<T, 8> p;
  p.raw = make_uint2(static_cast<uint32_t>(v), static_cast<uint32_t>(v >> 32));
  return p;
}

template <typename T>
__device__ __forceinline__ uint64_t fromPack(const Pack<T, 8>& p) {
  return static_cast<uint64_t>(p.raw.x) | (static_cast<uint64_t>(p.raw.y) << 32);
}

}  // namespace lccl::detail
