// Scratch layout and work splitting shared by host and device code of the
// collectives (host-tested without a GPU).
#pragma once

#include <cstddef>
#include <cstdint>

#include "algorithm.hpp"
#include "lccl/primitives/detail/macros.hpp"

namespace lccl::detail {

constexpr int kMaxRanks = 8;            // ranks of one host served natively
constexpr size_t kLLPacketBytes = 16;   // LL16: 8 data bytes per 16-byte packet
constexpr size_t kLLDataPerPacket = 8;
constexpr size_t kSimpleChunkBytes = 32u << 20;  // two-shot pipelines in chunks of this

// Per-rank scratch: [LL: 2 parities x nranks slots][simple in][simple out].
struct ScratchLayout {
  size_t llSlotBytes;    // one sender's packets for one call
  size_t llRegionBytes;  // both parities, all senders
  size_t simpleInOffset;
  size_t simpleOutOffset;
  size_t totalBytes;

  LCCL_HOST_DEVICE static ScratchLayout make(int nranks) {
    ScratchLayout l{};
    l.llSlotBytes = kOneShotMaxBytes / kLLDataPerPacket * kLLPacketBytes;
    l.llRegionBytes = 2 * static_cast<size_t>(nranks) * l.llSlotBytes;
    l.simpleInOffset = l.llRegionBytes;
    l.simpleOutOffset = l.simpleInOffset + kSimpleChunkBytes;
    l.totalBytes = l.simpleOutOffset + kSimpleChunkBytes;
    return l;
  }
  // Where `sender`'s packets for a call with this flag land on the receiver.
  LCCL_HOST_DEVICE size_t llSlotOffset(uint32_t flag, int sender, int nranks) const {
    return (static_cast<size_t>(flag & 1u) * nranks + sender) * llSlotBytes;
  }
};

// The 16-byte vectors of a chunk that `rank` reduces in two-shot; the tail
// (bytes % 16) is reduced element-wise by the last rank.
struct Shard {
  size_t firstVec;
  size_t numVecs;
  bool ownsTail;
};

LCCL_HOST_DEVICE Shard twoShotShard(size_t chunkBytes, int nranks, int rank) {
  size_t vecs = chunkBytes / 16;
  size_t per = (vecs + nranks - 1) / nranks;
  size_t first = per * static_cast<size_t>(rank);
  if (first > vecs) first = vecs;
  size_t last = first + per > vecs ? vecs : first + per;
  return {first, last - first, rank == nranks - 1};
}

// Number of chunks (>= 1 for non-empty input) of a two-shot AllReduce.
LCCL_HOST_DEVICE size_t numChunks(size_t bytes) {
  return (bytes + kSimpleChunkBytes - 1) / kSimpleChunkBytes;
}

}  // namespace lccl::detail
