// Arithmetic and ids of the cross-node step of the hierarchical collectives
// (hierarchical.hpp), free of CUDA so that host tests check it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lccl/primitives/detail/macros.hpp"

namespace lccl::detail {

constexpr int kMaxNodes = 8;
constexpr size_t kPortChunkBytes = 4u << 20;  // per stage / slot; a multiple of every type size

// Ids on each connection to a counterpart. A put writes the peer's region
// kSlotRegion from my region kStageRegion; PutWithSignal then bumps the peer's
// semaphore with the id of the region it wrote (region i pairs with semaphore
// i), so the data semaphore must be the slot's region id. Acks are bare
// signals on a semaphore of their own.
constexpr uint32_t kStageRegion = 0;
constexpr uint32_t kSlotRegion = 1;
constexpr uint32_t kDataSemaphore = kSlotRegion;
constexpr uint32_t kAckSemaphore = 2;
static_assert(kDataSemaphore == kSlotRegion, "putWithSignal bumps the semaphore of its region");
static_assert(kAckSemaphore != kDataSemaphore, "acks and data need separate counters");

// Chunks of a cross-node call moving `bytes` per counterpart: every byte in
// exactly one chunk, none empty; 0 bytes: no chunk (the call returns early).
inline size_t portChunkCount(size_t bytes) {
  return bytes / kPortChunkBytes + (bytes % kPortChunkBytes != 0 ? 1 : 0);
}
inline size_t portChunkOffset(size_t chunk) { return chunk * kPortChunkBytes; }
inline size_t portChunkSize(size_t bytes, size_t chunk) {
  const size_t off = portChunkOffset(chunk);
  if (off >= bytes) return 0;
  return bytes - off < kPortChunkBytes ? bytes - off : kPortChunkBytes;
}

// Blocks of the reduce/unpack kernels for a chunk of `bytes`: at least one
// (a 1-byte chunk still needs a thread), at most maxBlocks.
inline int portWorkBlocks(size_t bytes, int threads, int maxBlocks) {
  const size_t per = static_cast<size_t>(threads) * 16;
  const size_t b = (bytes + per - 1) / per;
  return static_cast<int>(b < 1 ? 1 : (b > static_cast<size_t>(maxBlocks) ? maxBlocks : b));
}

// Block `block` of `blocks` copies [begin, begin + bytes) of a chunk in the
// unpack kernel: slices of equal 16-byte multiples, the last one short, the
// trailing blocks empty; together exactly [0, chunkBytes).
struct PortSlice {
  size_t begin = 0;
  size_t bytes = 0;
};
LCCL_HOST_DEVICE PortSlice portUnpackSlice(size_t chunkBytes, unsigned blocks, unsigned block) {
  const size_t per = ((chunkBytes + blocks - 1) / blocks + 15) / 16 * 16;
  PortSlice s;
  s.begin = per * block;
  if (s.begin >= chunkBytes) {
    s.begin = chunkBytes;
    return s;
  }
  s.bytes = per < chunkBytes - s.begin ? per : chunkBytes - s.begin;
  return s;
}

}  // namespace lccl::detail
