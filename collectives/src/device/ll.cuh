// The LL one-shot exchange: every rank writes a piece of its input to each
// peer as LL16 packets (slot `rank` of the peer's LL region), and each rank
// then reduces or unpacks the pieces it received. The packet flag is the only
// synchronisation; flags advance once per LL call on every rank, and the two
// flag parities alternate between two regions, which is safe because every LL
// collective makes each rank wait for every other rank's data of the same call.
#pragma once

#include "../kernel_common.cuh"
#include "staged.cuh"
#include "words.cuh"

namespace lccl::detail {

// Writes the piece for each peer into that peer's slot `rank`.
__device__ inline void llPublish(const KernelArgs& a, uint32_t flag) {
  const size_t words = (a.bytes + 7) / 8;
  const size_t slot = a.layout.llSlotOffset(flag, a.rank, a.nranks);
  for (size_t w = globalThread(); w < words; w += globalThreads())
    for (int p = 0; p < a.nranks; ++p) {
      if (p == a.rank) continue;
      const uint64_t v = loadWord(pieceFor(a, p), w, a.bytes);
      a.ch[p].writePacket<LL16Packet>(slot + w * sizeof(LL16Packet), v, flag);
    }
}

// Word w of rank r's piece for me (my own piece comes from my input).
__device__ __forceinline__ bool llWord(const KernelArgs& a, uint32_t flag, int r, size_t w,
                                       uint64_t& v) {
  if (r == a.rank) {
    v = loadWord(pieceFor(a, a.rank), w, a.bytes);
    return true;
  }
  const size_t off = a.layout.llSlotOffset(flag, r, a.nranks) + w * sizeof(LL16Packet);
  return a.ch[r].readPacket<LL16Packet>(off, flag, v);
}

// recv = reduction over ranks (in rank order) of every rank's piece for me.
template <typename T, ReduceOp Op>
__device__ inline void llReduce(const KernelArgs& a, uint32_t flag) {
  const size_t words = (a.bytes + 7) / 8;
  for (size_t w = globalThread(); w < words; w += globalThreads()) {
    PackReducer<T, Op, 8> acc;
    for (int r = 0; r < a.nranks; ++r) {
      uint64_t v;
      if (!llWord(a, flag, r, w, v)) return;
      if (r == 0) acc.first(toPack<T>(v));
      else acc.add(toPack<T>(v));
    }
    storeWord(a.recv, w, a.bytes, fromPack(acc.result(a.nranks)));
  }
}

// recv piece r = rank r's piece for me, for every r (mine copied locally,
// skipped when it is already in place).
__device__ inline void llUnpack(const KernelArgs& a, uint32_t flag) {
  const size_t words = (a.bytes + 7) / 8;
  for (size_t w = globalThread(); w < words; w += globalThreads())
    for (int r = 0; r < a.nranks; ++r) {
      char* dst = a.recv + static_cast<size_t>(r) * a.recvStride;
      if (r == a.rank && dst == pieceFor(a, r)) continue;
      uint64_t v;
      if (!llWord(a, flag, r, w, v)) return;
      storeWord(dst, w, a.bytes, v);
    }
}

}  // namespace lccl::detail
