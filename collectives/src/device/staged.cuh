// The staged (Simple protocol) path for inputs too large for LL packets:
// each rank stages its input in its registered scratch, a cross-rank barrier
// makes every stage visible, every rank reads what it needs straight from the
// peers' stages (NVLink / PCIe loads), and a second barrier keeps the stages
// intact until everybody has read them. Host code splits large inputs into
// chunks that fit the stage.
#pragma once

#include "../kernel_common.cuh"
#include "../reduce.cuh"

namespace lccl::detail {

__device__ __forceinline__ char* stageOf(const KernelArgs& a, int r) {
  return static_cast<char*>(r == a.rank ? a.scratch : a.ch[r].dst) + a.layout.simpleInOffset;
}
__device__ __forceinline__ char* resultOf(const KernelArgs& a, int r) {
  return static_cast<char*>(r == a.rank ? a.scratch : a.ch[r].dst) + a.layout.simpleOutOffset;
}

// Pieces in a stage: one per peer when the input has per-peer pieces.
__device__ __forceinline__ int stagedPieces(const KernelArgs& a) {
  return a.sendStride ? a.nranks : 1;
}

// Rank r's staged piece for me.
__device__ __forceinline__ const char* stagedPieceFor(const KernelArgs& a, int r) {
  return stageOf(a, r) + (a.sendStride ? static_cast<size_t>(a.rank) * a.bytes : 0);
}

// My stage = my input (every piece, packed).
__device__ inline void stageInput(const KernelArgs& a) {
  for (int p = 0; p < stagedPieces(a); ++p)
    deviceCopy(stageOf(a, a.rank) + static_cast<size_t>(p) * a.bytes,
               a.send + static_cast<size_t>(p) * a.sendStride, a.bytes, globalThread(),
               globalThreads());
}

// dsts[k] (k < ndst) = reduction in rank order of srcs[0..nranks) over
// [first, first+bytes): 16-byte vectors, then the tail element by element.
template <typename T, ReduceOp Op>
__device__ inline void reduceRanks(const KernelArgs& a, const char* const* srcs, char* const* dsts,
                            int ndst, size_t bytes) {
  const size_t vecs = bytes / 16;
  for (size_t v = globalThread(); v < vecs; v += globalThreads()) {
    Pack<T, 16> in[kMaxRanks];
#pragma unroll
    for (int r = 0; r < kMaxRanks; ++r)
      if (r < a.nranks) in[r].raw = arch::loadGlobal128(reinterpret_cast<const uint4*>(srcs[r]) + v);
    PackReducer<T, Op, 16> acc;
    acc.first(in[0]);
    for (int r = 1; r < a.nranks; ++r) acc.add(in[r]);
    const Pack<T, 16> out = acc.result(a.nranks);
    for (int k = 0; k < ndst; ++k) arch::storeGlobal128(reinterpret_cast<uint4*>(dsts[k]) + v, out.raw);
  }
  using A = typename Acc<T>::type;
  for (size_t i = vecs * 16 / sizeof(T) + globalThread(); i < bytes / sizeof(T); i += globalThreads()) {
    A acc = Acc<T>::widen(reinterpret_cast<const T*>(srcs[0])[i]);
    for (int r = 1; r < a.nranks; ++r)
      acc = Combine<Op>::apply(acc, Acc<T>::widen(reinterpret_cast<const T*>(srcs[r])[i]));
    const T out = Acc<T>::narrow(finish<Op>(acc, a.nranks));
    for (int k = 0; k < ndst; ++k) reinterpret_cast<T*>(dsts[k])[i] = out;
  }
}

}  // namespace lccl::detail
