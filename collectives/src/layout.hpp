// Scratch layout and work splitting shared by host and device code of the
// collectives (host-tested without a GPU).
#pragma once

#include <cstddef>
#include <cstdint>

#include "algorithm.hpp"
#include "lccl/primitives/detail/macros.hpp"
#include "lccl/primitives/packet.hpp"

namespace lccl::detail {

constexpr int kMaxRanks = 8;            // ranks of one host served natively
constexpr int kMaxBlocks = 256;         // blocks of one collective kernel
constexpr int kMaxP2PBlocks = 8;        // blocks per (peer, direction) of a p2p group
constexpr size_t kLLPacketBytes = 16;   // LL16: 8 data bytes per 16-byte packet
constexpr size_t kLLDataPerPacket = 8;
constexpr size_t kSimpleChunkBytes = 32u << 20;  // staged / push paths move chunks of this
constexpr size_t kStageBytes = 64u << 20;        // each of the simple in / out regions

// Per-rank scratch: [LL: 2 parities x nranks slots][simple in][simple out]
// [p2p inboxes: one per sender, two slots each]
// [barrier flags: kMaxBlocks x kMaxRanks epochs written by the peers]
// [p2p flags: ready[sender][block] and ack[receiver][block] chunk counters]
// [LL128: 2 parities x nranks slots of ll128SlotUnits units].
// LL and LL128 slots are apart: an LL16 reader must never see LL128 data
// (user bytes) where it expects flags.
struct ScratchLayout {
  size_t llSlotBytes;    // one sender's packets for one call
  size_t llRegionBytes;  // both parities, all senders
  size_t simpleInOffset;
  size_t simpleOutOffset;
  size_t p2pOffset;
  size_t p2pInboxBytes;  // per sender
  size_t flagsOffset;
  size_t p2pReadyOffset;
  size_t p2pAckOffset;
  size_t ll128Offset;
  size_t ll128SlotBytes;  // one sender's LL128 units for one call
  size_t totalBytes;

  LCCL_HOST_DEVICE static ScratchLayout make(int nranks) {
    ScratchLayout l{};
    l.llSlotBytes = llCapacity(nranks) / kLLDataPerPacket * kLLPacketBytes;
    l.llRegionBytes = 2 * static_cast<size_t>(nranks) * l.llSlotBytes;
    l.simpleInOffset = l.llRegionBytes;
    l.simpleOutOffset = l.simpleInOffset + kStageBytes;
    l.p2pOffset = l.simpleOutOffset + kStageBytes;
    const size_t unit = 2 * 16 * kMaxP2PBlocks;  // two 16-byte aligned slots per block
    l.p2pInboxBytes = kSimpleChunkBytes / static_cast<size_t>(nranks) / unit * unit;
    l.flagsOffset = l.p2pOffset + kSimpleChunkBytes;
    l.p2pReadyOffset = l.flagsOffset + sizeof(uint64_t) * kMaxBlocks * kMaxRanks;
    l.p2pAckOffset = l.p2pReadyOffset + sizeof(uint64_t) * kMaxRanks * kMaxP2PBlocks;
    const size_t flagsEnd = l.p2pAckOffset + sizeof(uint64_t) * kMaxRanks * kMaxP2PBlocks;
    l.ll128Offset = (flagsEnd + 4095) / 4096 * 4096;
    l.ll128SlotBytes = ll128SlotUnits(nranks) * LL128::kUnitBytes;
    l.totalBytes = l.ll128Offset + 2 * static_cast<size_t>(nranks) * l.ll128SlotBytes;
    return l;
  }
  LCCL_HOST_DEVICE size_t ll128SlotOffset(uint32_t flag, int sender, int nranks) const {
    return ll128Offset + (static_cast<size_t>(flag & 1u) * nranks + sender) * ll128SlotBytes;
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

// Block b's share of [begin, end): 16-byte aligned boundaries (relative to
// begin), the last block also takes the unaligned tail. Every rank slices the
// same way, so block b of one rank reads exactly what block b of the others wrote.
struct Slice {
  size_t begin;
  size_t end;
};

LCCL_HOST_DEVICE Slice blockSlice(size_t begin, size_t end, int block, int blocks) {
  const size_t vecs = (end - begin) / 16;
  const size_t per = (vecs + blocks - 1) / blocks;
  size_t b = begin + per * 16 * static_cast<size_t>(block);
  size_t e = b + per * 16;
  if (b > begin + vecs * 16) b = begin + vecs * 16;
  if (e > begin + vecs * 16 || block == blocks - 1) e = block == blocks - 1 ? end : begin + vecs * 16;
  return {b, e};
}

// Byte range [begin, end) of rank q's two-shot shard of a chunk.
LCCL_HOST_DEVICE Slice shardBytes(size_t chunkBytes, int nranks, int q) {
  const Shard s = twoShotShard(chunkBytes, nranks, q);
  return {s.firstVec * 16, s.ownsTail ? chunkBytes : (s.firstVec + s.numVecs) * 16};
}

// Two-shot inbox slot: room for the largest shard of a chunk, 16-byte aligned.
LCCL_HOST_DEVICE size_t twoShotSlotBytes(size_t chunkBytes, int nranks) {
  const size_t vecs = chunkBytes / 16;
  const size_t per = (vecs + nranks - 1) / nranks;
  return per * 16 + 16;
}
// Push (AllGather, AllToAll, ReduceScatter): one slot per sender in the
// stage region; chunks are cut so that nranks slots fit.
LCCL_HOST_DEVICE size_t pushSlotBytes(size_t pieceBytes) { return (pieceBytes + 15) / 16 * 16; }
LCCL_HOST_DEVICE size_t pushChunkBytes(int nranks) {
  return kSimpleChunkBytes / static_cast<size_t>(nranks) / 16 * 16;
}

// Largest two-shot chunk whose nranks inbox slots fit the stage region.
constexpr size_t kTwoShotChunkBytes = kSimpleChunkBytes - 4096;
// The pipelined two-shot alternates two halves of the stage (inboxes) and
// result regions: a chunk whose nranks inbox slots fit half the stage.
constexpr size_t kPipeChunkBytes = (kStageBytes - 4096) / 2 / 16 * 16;

// From this size on, two-shot runs pipelined in one launch (measured on 4
// H100s: ahead from 256 MiB, behind at 64 MiB and below).
constexpr size_t kPipeMinBytes = 128u << 20;
// The default of LCCL_PIPE_MIN_BYTES. Two ranks pipeline as soon as a call
// needs more than one chunk (measured on 2 H100s: 32 MiB 133 -> 122 us,
// 64 MiB 256 -> 229 us; one chunk of 16 MiB 61.5 vs 65 us pipelined).
LCCL_HOST_DEVICE size_t defaultPipeMinBytes(int nranks) {
  return nranks <= 2 ? kTwoShotChunkBytes + 1 : kPipeMinBytes;
}

// How a pipelined two-shot call is cut: `chunks` chunks of `chunkBytes` (a
// multiple of 16, at most kPipeChunkBytes), the last one possibly shorter.
// Equal chunks keep the last one from being a sliver.
struct PipeGeometry {
  size_t chunkBytes;
  size_t chunks;
};
LCCL_HOST_DEVICE PipeGeometry pipeGeometry(size_t bytes) {
  if (bytes == 0) return {0, 0};
  const size_t k = (bytes + kPipeChunkBytes - 1) / kPipeChunkBytes;
  const size_t c = ((bytes + k - 1) / k + 15) / 16 * 16;
  return {c, (bytes + c - 1) / c};
}

// Block `block`'s slice of shard q of a chunk of `bytes` (<= geomBytes): the
// slice the block owns in a full chunk, clipped to the chunk. Every chunk of a
// call is sliced by the same geometry, so a block touches the same offsets
// (of inboxes and result areas) in every chunk and only its namesakes'.
LCCL_HOST_DEVICE Slice pipeSlice(size_t geomBytes, size_t bytes, int nranks, int q, int block,
                                 int blocks) {
  const Slice sh = shardBytes(geomBytes, nranks, q);
  Slice s = blockSlice(sh.begin, sh.end, block, blocks);
  if (s.begin > bytes) s.begin = bytes;
  if (s.end > bytes) s.end = bytes;
  return s;
}

// The pipelined push (AllGather, AllToAll, ReduceScatter in one launch):
// each piece is cut into chunks of equal geometry; chunk k's slots lie in
// half k & 1 of the stage region (one slot per sender), so that every rank
// pushes chunk k + 1 while copying (or reducing) chunk k out of its slots.
// At least kPushPipeMinChunks chunks, so that the first push and the last
// copy-out, which nothing overlaps, are short against the whole.
constexpr size_t kPushPipeMinChunks = 4;
// By default (LCCL_PUSH_PIPE_MIN_BYTES=0) from the piece size at which each
// rank sends kPushPipeSendBytes to its peers: every chunk costs a barrier
// (~2 - 3 us), which a chunk must outweigh. Measured on H100s, bf16, one
// launch per chunk / pipelined (us): 4 ranks, 16 MiB pieces AllGather 190.8
// / 172.4, ReduceScatter 185.0 / 166.0; 64 MiB pieces 763.2 / 635.5, 739.9 /
// 631.6; 2 ranks, 8 MiB pieces AllGather 36.5 / 49.0, 16 MiB ReduceScatter
// 71.0 / 76.3, 32 MiB 142.7 / 130.9 (AllGather 125.6 / 116.7), 128 MiB
// 568.1 / 457.0 (500.9 / 411.6).
constexpr size_t kPushPipeSendBytes = 32u << 20;
LCCL_HOST_DEVICE size_t defaultPushPipeMinBytes(int nranks) {
  return nranks < 2 ? ~size_t{0} : kPushPipeSendBytes / static_cast<size_t>(nranks - 1);
}
// A slot: two halves of nranks slots fit the stage, short of its last 4 KiB
// (the zero-copy check slots, windows.hpp).
LCCL_HOST_DEVICE size_t pushPipeSlotBytes(int nranks) {
  return (kStageBytes - 4096) / 2 / static_cast<size_t>(nranks) / 16 * 16;
}
LCCL_HOST_DEVICE PipeGeometry pushPipeGeometry(size_t piece, int nranks) {
  if (piece == 0) return {0, 0};
  const size_t cap = pushPipeSlotBytes(nranks);
  size_t k = (piece + cap - 1) / cap;
  if (k < kPushPipeMinChunks) k = kPushPipeMinChunks;
  const size_t c = ((piece + k - 1) / k + 15) / 16 * 16;
  return {c, (piece + c - 1) / c};
}
// Block `block`'s slice of chunk k (chunks of `chunkBytes`) of a buffer of
// `bytes`: its slice of a full chunk, clipped to the buffer, so that every
// chunk (the short last one too) is cut the same way and a block touches the
// same slot offsets in every chunk, which only its namesakes on the peers
// touch too (the pipelined push and the direct path reuse slots on that).
LCCL_HOST_DEVICE Slice chunkSlice(size_t chunkBytes, size_t bytes, size_t k, int block, int blocks) {
  const size_t begin = k * chunkBytes;
  Slice s = blockSlice(begin, begin + chunkBytes, block, blocks);
  if (s.begin > bytes) s.begin = bytes;
  if (s.end > bytes) s.end = bytes;
  return s;
}
LCCL_HOST_DEVICE Slice pushPipeSlice(const PipeGeometry& g, size_t bytes, size_t k, int block,
                                     int blocks) {
  return chunkSlice(g.chunkBytes, bytes, k, block, blocks);
}

// The direct path of two ranks (Reduce, Broadcast): one producer streams its
// input, chunk after chunk, into the consumer's stage, which holds `slots`
// chunks as a ring; the consumer copies or reduces each chunk as it lands.
// Chunks of 1/4 of the call within [4 MiB, 16 MiB]: every chunk costs each
// block a system fence before its flag, and a smaller chunk only shortens
// the consumer's last one (the tail after the producer's last store).
// Measured on 2 H100s, Reduce / Broadcast 256 MiB: chunks of 1 MiB 1648 /
// 1038 us, 2 MiB 797 / 794, 4 MiB 763 / 744 (8 MiB), 16 MiB 751 / 733;
// 64 MiB: 4 MiB 207 / 198, 16 MiB 208 / 194.
constexpr size_t kDirectMinChunk = 4u << 20;
constexpr size_t kDirectMaxChunk = 16u << 20;
// Bytes per chunk for a call of `bytes`; `chosen` (LCCL_DIRECT_CHUNK_BYTES,
// 0: by size) is rounded to 16 and kept within [64 KiB, half the stage].
LCCL_HOST_DEVICE size_t directChunkBytes(size_t bytes, size_t chosen) {
  size_t c = chosen ? chosen : bytes / 4;
  if (!chosen && c < kDirectMinChunk) c = kDirectMinChunk;
  if (!chosen && c > kDirectMaxChunk) c = kDirectMaxChunk;
  if (c < (64u << 10)) c = 64u << 10;
  if (c > kStageBytes / 2) c = kStageBytes / 2;
  c = (c + 15) / 16 * 16;
  return c > bytes ? (bytes + 15) / 16 * 16 : c;
}
// Chains (Broadcast on 3+ ranks): every hop adds a chunk before the last
// rank's first, so chunks are smaller: 1/16 of the call within [2 MiB,
// 4 MiB] (`chosen` as above).
constexpr size_t kChainMinChunk = 2u << 20;
constexpr size_t kChainMaxChunk = 4u << 20;
LCCL_HOST_DEVICE size_t chainChunkBytes(size_t bytes, size_t chosen) {
  if (chosen) return directChunkBytes(bytes, chosen);
  size_t c = bytes / 16;
  if (c < kChainMinChunk) c = kChainMinChunk;
  if (c > kChainMaxChunk) c = kChainMaxChunk;
  c = (c + 15) / 16 * 16;
  return c > bytes ? (bytes + 15) / 16 * 16 : c;
}
struct DirectGeometry {
  size_t chunkBytes;  // multiple of 16; the last chunk may be shorter
  size_t chunks;
  size_t slots;  // chunks the consumer's stage holds
};
// `chunk`: directChunkBytes(bytes, ...), a multiple of 16.
LCCL_HOST_DEVICE DirectGeometry directGeometry(size_t bytes, size_t chunk) {
  if (bytes == 0 || chunk == 0) return {0, 0, 0};
  return {chunk, (bytes + chunk - 1) / chunk, kStageBytes / chunk};
}

// Block `block`'s slice of chunk k of a direct call (chunkSlice).
LCCL_HOST_DEVICE Slice directSlice(const DirectGeometry& g, size_t bytes, size_t k, int block,
                                   int blocks) {
  return chunkSlice(g.chunkBytes, bytes, k, block, blocks);
}

// Number of chunks (>= 1 for non-empty input) of a two-shot AllReduce.
LCCL_HOST_DEVICE size_t numChunks(size_t bytes) {
  return (bytes + kSimpleChunkBytes - 1) / kSimpleChunkBytes;
}

}  // namespace lccl::detail
