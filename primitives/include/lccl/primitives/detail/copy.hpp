// lccl/primitives/detail/copy.hpp — the cooperative copy algorithm behind
// MemoryChannel::put/get, written once for host and device.
//
// A copy of `bytes` from src to dst by a group of `numThreads` threads is split
// into three parts (splitCopy):
//   head  bytes before dst reaches the widest alignment that src shares,
//   body  whole vectors of `width` bytes (16, 8, 4, 2 or 1), both ends aligned,
//   tail  the bytes left after the last whole vector.
// Head and tail (< width bytes each) are copied a byte per thread; the body is
// copied with vectors, grid-stride over the group, kCopyUnroll vectors loaded
// per thread before any is stored (loads in flight hide the link latency).
// Correct for any size, alignment and group size; every byte is written once.
//
// The memory accesses come from an `Access` policy (device: 16-byte
// ld/st.global.v4; host tests: memcpy with checks), so host unit tests run the
// very same index arithmetic the GPU runs.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lccl/primitives/detail/macros.hpp"

namespace lccl {
namespace detail {

constexpr uint32_t kMaxVectorBytes = 16;
constexpr uint32_t kCopyUnroll = 8;

struct CopySplit {
  size_t head;     // bytes copied singly before the body
  size_t body;     // bytes copied as whole vectors (a multiple of width)
  size_t tail;     // bytes copied singly after the body
  uint32_t width;  // vector width of the body in bytes: 16, 8, 4, 2 or 1
};

// Widest power of two (<= 16) to which dst and src can both be aligned by
// skipping the same number of bytes: the lowest set bit of dst ^ src.
LCCL_HOST_DEVICE constexpr uint32_t commonAlignment(uintptr_t dst, uintptr_t src) {
  const uintptr_t x = (dst ^ src) | kMaxVectorBytes;
  return static_cast<uint32_t>(x & (~x + 1));
}

LCCL_HOST_DEVICE constexpr CopySplit splitCopy(uintptr_t dst, uintptr_t src, size_t bytes) {
  const uint32_t width = commonAlignment(dst, src);
  const size_t misalign = dst & (width - 1);
  size_t head = misalign == 0 ? 0 : width - misalign;
  if (head > bytes) head = bytes;
  const size_t body = (bytes - head) & ~static_cast<size_t>(width - 1);
  return CopySplit{head, body, bytes - head - body, width};
}

// Copies count vectors of W bytes; vector i goes to thread i % numThreads.
// Each round a thread loads up to kCopyUnroll of its vectors (i, i+stride,
// ...) before storing any, the last round predicated, so even a thread with
// only a few vectors has all its loads in flight at once.
LCCL_EXEC_CHECK_DISABLE
template <uint32_t W, class Access>
LCCL_HOST_DEVICE void copyVectors(char* dst, const char* src, size_t count, uint32_t threadId,
                                  uint32_t numThreads) {
  using Vec = typename Access::template Vector<W>;
  const size_t stride = numThreads;
  for (size_t i = threadId; i < count; i += kCopyUnroll * stride) {
    Vec v[kCopyUnroll]{};
    LCCL_UNROLL
    for (uint32_t u = 0; u < kCopyUnroll; ++u)
      if (i + u * stride < count) v[u] = Access::template load<W>(src + (i + u * stride) * W);
    LCCL_UNROLL
    for (uint32_t u = 0; u < kCopyUnroll; ++u)
      if (i + u * stride < count) Access::template store<W>(dst + (i + u * stride) * W, v[u]);
  }
}

LCCL_EXEC_CHECK_DISABLE
template <class Access>
LCCL_HOST_DEVICE void copyBodyAs(uint32_t width, char* dst, const char* src, size_t bytes,
                                 uint32_t threadId, uint32_t numThreads) {
  switch (width) {
    case 16: copyVectors<16, Access>(dst, src, bytes / 16, threadId, numThreads); break;
    case 8: copyVectors<8, Access>(dst, src, bytes / 8, threadId, numThreads); break;
    case 4: copyVectors<4, Access>(dst, src, bytes / 4, threadId, numThreads); break;
    case 2: copyVectors<2, Access>(dst, src, bytes / 2, threadId, numThreads); break;
    default: copyVectors<1, Access>(dst, src, bytes, threadId, numThreads); break;
  }
}

LCCL_EXEC_CHECK_DISABLE
template <class Access>
LCCL_HOST_DEVICE void copyBytesSingly(char* dst, const char* src, size_t bytes, uint32_t threadId,
                                      uint32_t numThreads) {
  for (size_t i = threadId; i < bytes; i += numThreads)
    Access::template store<1>(dst + i, Access::template load<1>(src + i));
}

// The part of a cooperative copy done by thread `threadId` of `numThreads`.
LCCL_EXEC_CHECK_DISABLE
template <class Access>
LCCL_HOST_DEVICE void copyCooperative(void* dst, const void* src, size_t bytes, uint32_t threadId,
                                      uint32_t numThreads) {
  char* d = static_cast<char*>(dst);
  const char* s = static_cast<const char*>(src);
  const CopySplit split = splitCopy(reinterpret_cast<uintptr_t>(d), reinterpret_cast<uintptr_t>(s), bytes);
  copyBytesSingly<Access>(d, s, split.head, threadId, numThreads);
  copyBodyAs<Access>(split.width, d + split.head, s + split.head, split.body, threadId, numThreads);
  const size_t tail = split.head + split.body;
  copyBytesSingly<Access>(d + tail, s + tail, split.tail, threadId, numThreads);
}

}  // namespace detail
}  // namespace lccl
