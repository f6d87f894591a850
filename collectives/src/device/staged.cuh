// The staged (Simple protocol) path for inputs too large for LL packets:
// each rank stages its input in its registered scratch, a barrier makes the
// stage visible, every rank reads what it needs straight from the peers'
// stages (NVLink / PCIe loads), and a second barrier keeps the stages intact
// until everybody has read them. Block b of every rank handles the same slice
// of every piece, so the barriers are per block (blockBarrier), never
// grid-wide. Host code splits large inputs into chunks that fit the stage.
#pragma once

#include "../kernel_common.cuh"
#include "lccl/collectives/reduce.cuh"
#include "lccl/primitives/detail/copy_device.hpp"

namespace lccl::detail {

__device__ __forceinline__ char* stageOf(const KernelArgs& a, int r) {
  return static_cast<char*>(r == a.rank ? a.scratch : a.ch[r].dst) + a.layout.simpleInOffset;
}
__device__ __forceinline__ char* resultOf(const KernelArgs& a, int r) {
  return static_cast<char*>(r == a.rank ? a.scratch : a.ch[r].dst) + a.layout.simpleOutOffset;
}

// The piece of my input meant for `peer`.
__device__ __forceinline__ const char* pieceFor(const KernelArgs& a, int peer) {
  return a.send + static_cast<size_t>(peer) * a.sendStride;
}

// Pieces in a stage: one per peer when the input has per-peer pieces.
__device__ __forceinline__ int stagedPieces(const KernelArgs& a) {
  return a.sendStride ? a.nranks : 1;
}

// Rank r's staged piece for me.
__device__ __forceinline__ const char* stagedPieceFor(const KernelArgs& a, int r) {
  return stageOf(a, r) + (a.sendStride ? static_cast<size_t>(a.rank) * a.bytes : 0);
}

// This block's slice of a piece.
__device__ __forceinline__ Slice mySlice(const KernelArgs& a) {
  return blockSlice(0, a.bytes, blockIdx.x, gridDim.x);
}

// The block's threads copy [src, src+bytes) to dst.
__device__ __forceinline__ void blockCopy(char* dst, const char* src, size_t bytes) {
  deviceCopy(dst, src, bytes, threadIdx.x, blockDim.x);
}

// Several independent copies at once: the block's threads split into one
// group per copy, so the copies' loads are in flight together instead of one
// copy's round trip after another (what bounds small and mid-size slices).
struct CopySeg {
  char* dst;
  const char* src;
  size_t bytes;  // 0: nothing to do (e.g. an in-place piece)
};

__device__ __forceinline__ void blockCopyMany(const CopySeg* segs, int k) {
  if (k <= 0) return;
  const uint32_t per = blockDim.x / static_cast<uint32_t>(k);
  const uint32_t j = threadIdx.x / per;
  if (j < static_cast<uint32_t>(k) && segs[j].bytes > 0)
    deviceCopy(segs[j].dst, segs[j].src, segs[j].bytes, threadIdx.x - j * per, per);
}

// The copies one after another, each by the whole block: for large slices,
// where each copy alone keeps enough loads in flight.
__device__ __forceinline__ void blockCopySeq(const CopySeg* segs, int k) {
  for (int j = 0; j < k; ++j)
    if (segs[j].bytes > 0) blockCopy(segs[j].dst, segs[j].src, segs[j].bytes);
}

// Two lists of copies side by side: the first half of the block runs list a,
// the second list b (one after another within a list); a list alone gets the
// whole block.
__device__ inline void blockCopyTwo(const CopySeg* a, int na, const CopySeg* b, int nb) {
  if (nb == 0 || na == 0) {
    blockCopySeq(na ? a : b, na ? na : nb);
    return;
  }
  const uint32_t half = blockDim.x / 2;
  const bool first = threadIdx.x < half;
  const CopySeg* segs = first ? a : b;
  const int n = first ? na : nb;
  const uint32_t t = first ? threadIdx.x : threadIdx.x - half;
  for (int j = 0; j < n; ++j)
    if (segs[j].bytes > 0) deviceCopy(segs[j].dst, segs[j].src, segs[j].bytes, t, half);
}

// My stage = my input (every piece, packed); this block's slice of each.
__device__ inline void stageInput(const KernelArgs& a) {
  const Slice s = mySlice(a);
  CopySeg segs[kMaxRanks];
  for (int p = 0; p < stagedPieces(a); ++p)
    segs[p] = {stageOf(a, a.rank) + static_cast<size_t>(p) * a.bytes + s.begin,
               pieceFor(a, p) + s.begin, s.end - s.begin};
  blockCopyMany(segs, stagedPieces(a));
}

// Push variants: rank s's piece for rank q lands in q's stage region, slot s.
__device__ __forceinline__ char* pushSlot(const KernelArgs& a, int q, int s) {
  return stageOf(a, q) + static_cast<size_t>(s) * pushSlotBytes(a.bytes);
}

__device__ __forceinline__ bool aligned16(const void* p) {
  return (reinterpret_cast<uintptr_t>(p) & 15u) == 0;
}

// dsts[k] (k < ndst) = reduction in rank order of srcs[0..nranks), `bytes`
// long, by this block's threads: 16-byte vectors when every address allows,
// element by element otherwise and for the tail.
// Threads [t0, t0 + nt) of the block do it (reduceRanks: the whole block).
template <typename T, ReduceOp Op>
__device__ void reduceRanksBy(const KernelArgs& a, const char* const* srcs, char* const* dsts,
                              int ndst, size_t bytes, uint32_t t0, uint32_t nt) {
  bool vec = true;
  for (int r = 0; r < a.nranks; ++r) vec = vec && aligned16(srcs[r]);
  for (int k = 0; k < ndst; ++k) vec = vec && aligned16(dsts[k]);
  const size_t vecs = vec ? bytes / 16 : 0;
  for (size_t v = t0; v < vecs; v += nt) {
    Pack<T, 16> in[kMaxRanks];
#pragma unroll
    for (int r = 0; r < kMaxRanks; ++r)
      if (r < a.nranks) in[r].raw = arch::loadGlobal128(reinterpret_cast<const uint4*>(srcs[r]) + v);
    PackReducer<T, Op, 16> acc;
    acc.first(in[0]);
#pragma unroll
    for (int r = 1; r < kMaxRanks; ++r)
      if (r < a.nranks) acc.add(in[r]);
    const Pack<T, 16> out = acc.result(a.nranks);
    for (int k = 0; k < ndst; ++k) arch::storeGlobal128(reinterpret_cast<uint4*>(dsts[k]) + v, out.raw);
  }
  using A = typename Acc<T>::type;
  for (size_t i = vecs * 16 / sizeof(T) + t0; i < bytes / sizeof(T); i += nt) {
    A acc = Acc<T>::widen(reinterpret_cast<const T*>(srcs[0])[i]);
    for (int r = 1; r < a.nranks; ++r)
      acc = Combine<Op>::apply(acc, Acc<T>::widen(reinterpret_cast<const T*>(srcs[r])[i]));
    const T out = Acc<T>::narrow(finish<Op>(acc, a.nranks));
    for (int k = 0; k < ndst; ++k) reinterpret_cast<T*>(dsts[k])[i] = out;
  }
}

template <typename T, ReduceOp Op>
__device__ __forceinline__ void reduceRanks(const KernelArgs& a, const char* const* srcs,
                                            char* const* dsts, int ndst, size_t bytes) {
  reduceRanksBy<T, Op>(a, srcs, dsts, ndst, bytes, threadIdx.x, blockDim.x);
}

// --- pushed pipeline (AllGather, AllToAll, ReduceScatter in one launch) ----
// Per chunk k of the pieces (pushPipeGeometry): push(k) writes my piece for
// each peer into that peer's slot for me in half k & 1 of its stage; barrier
// k; then the block's first half copies (or reduces) chunk k out of my slots
// while its second half pushes chunk k + 1. Reuse is safe: push(k + 2) into
// a half follows barrier k + 1, which every rank passes only after its
// copy-out of chunk k. Block b touches the same slot offsets in every chunk
// (pushPipeSlice), so it meets only its namesakes at the barriers. A final
// barrier keeps the slots until every rank has copied its last chunk.

// Rank `sender`'s slot of chunk k in rank q's stage, at slice `s` of the chunk.
__device__ __forceinline__ char* pushPipeSlot(const KernelArgs& a, const PipeGeometry& g, int q,
                                              int sender, size_t k, const Slice& s) {
  const size_t slot = pushPipeSlotBytes(a.nranks);
  return stageOf(a, q) + ((k & 1) * static_cast<size_t>(a.nranks) + sender) * slot +
         (s.begin - k * g.chunkBytes);
}

// push(k): my block's slice of chunk k of each peer's piece into its slot.
__device__ inline int pushPipeSegs(const KernelArgs& a, const PipeGeometry& g, size_t k, CopySeg* segs) {
  const Slice s = pushPipeSlice(g, a.bytes, k, blockIdx.x, gridDim.x);
  int n = 0;
  for (int i = 1; i < a.nranks; ++i) {
    const int q = (a.rank + i) % a.nranks;
    segs[n++] = {pushPipeSlot(a, g, q, a.rank, k, s), pieceFor(a, q) + s.begin, s.end - s.begin};
  }
  return n;
}

}  // namespace lccl::detail
