// The direct path of two ranks (Reduce and Broadcast, large): a one-way pipe
// from a producer rank to a consumer rank through the consumer's stage, one
// launch for the whole call. On more ranks the same pipes form a chain
// (Broadcast): the root produces for the next rank, every other rank but the
// last relays (consumes from the rank before it and produces for the one
// after it), so that every link carries the data once. The producer writes chunk k (directGeometry)
// into stage slot k % slots and posts "ready k"; the consumer waits for it,
// consumes the chunk (copy or reduce into its output) and posts "done k"; the
// producer reuses a slot once the chunk that held it is done. Nothing waits
// for a round trip while the consumer keeps up, and only the producer's
// stores cross NVLink.
//
// Flags are the block barrier's (kernel_common.cuh): each rank posts epochs
// into its slot in the peer's scratch, block by block. A call starts from the
// block's epoch e; chunk k is posted as e + k + 1 by both sides, and both
// leave the block's epoch at e + chunks, so barriers before and after the
// call see the same epochs on both ranks. The producer ends after the
// consumer's last "done": the stage is free when the call ends.
//
// Memory ordering: the producer's chunk stores, then __syncthreads, then
// thread 0's system fence and relaxed flag store; the consumer's thread 0
// acquires the flag before __syncthreads, and the block reads the chunk after
// it. The consumer posts "done" the same way, after the block has read the
// chunk. One post per block, not per warp: measured on 2 H100s, a fence and a
// remote add by every warp after each chunk cost 5% at 256 MiB and halved
// the bandwidth with 1 MiB chunks (each fence waits for its warp's stores to
// drain), while here only warp 0 waits for the fence.
#pragma once

#include "../kernel_common.cuh"
#include "staged.cuh"

namespace lccl::detail {

struct DirectCall {
  DirectGeometry g;
  uint64_t epoch;  // the block's barrier epoch before the call
  int up;          // the rank I consume from (-1: none, I produce first)
  int down;        // the rank I produce for (-1: none, I only consume)
};

__device__ __forceinline__ uint64_t directEpoch(const KernelArgs& a) {
  __shared__ uint64_t epochShared;
  if (threadIdx.x == 0) epochShared = a.state->blockEpoch[blockIdx.x];
  __syncthreads();
  return epochShared;
}

// Two ranks: `producer` streams to the other rank.
__device__ inline DirectCall directBegin(const KernelArgs& a, int producer) {
  const uint64_t e = directEpoch(a);
  const int peer = 1 - a.rank;
  const bool produces = a.rank == producer;
  return {directGeometry(a.bytes, a.chunk), e, produces ? -1 : peer, produces ? peer : -1};
}

// A chain in rank order from `first`: rank first + i consumes from first + i
// - 1 and produces for first + i + 1 (mod nranks).
__device__ inline DirectCall directChainBegin(const KernelArgs& a, int first) {
  const uint64_t e = directEpoch(a);
  const int pos = (a.rank - first + a.nranks) % a.nranks;
  const int up = pos == 0 ? -1 : (a.rank + a.nranks - 1) % a.nranks;
  const int down = pos == a.nranks - 1 ? -1 : (a.rank + 1) % a.nranks;
  return {directGeometry(a.bytes, a.chunk), e, up, down};
}

__device__ __forceinline__ void directEnd(const KernelArgs& a, const DirectCall& d) {
  if (threadIdx.x == 0) a.state->blockEpoch[blockIdx.x] = d.epoch + d.g.chunks;
}

__device__ __forceinline__ Slice directSlice(const KernelArgs& a, const DirectCall& d, size_t k) {
  return directSlice(d.g, a.bytes, k, blockIdx.x, gridDim.x);
}

// Where bytes [s.begin, s.end) of chunk k land in the consumer's stage.
__device__ __forceinline__ char* directSlot(const KernelArgs& a, const DirectCall& d, int consumer,
                                            size_t k, const Slice& s) {
  return stageOf(a, consumer) + (k % d.g.slots) * d.g.chunkBytes + (s.begin - k * d.g.chunkBytes);
}

// Thread 0 posts chunk k (ready or done) to rank `to`; the caller has
// passed __syncthreads after the block's stores or reads of the chunk. Each
// rank posts to its up and down ranks in separate flag slots (one per
// sender), so a relay's two kinds of post never mix.
__device__ __forceinline__ void directPost(const KernelArgs& a, const DirectCall& d, int to, size_t k) {
  if (threadIdx.x != 0) return;
  __threadfence_system();
  arch::storeRelaxedSys(barrierFlag(a, to, a.rank, blockIdx.x), d.epoch + k + 1);
}

// A relay's two posts of chunk k (ready down, done up) behind one fence.
__device__ __forceinline__ void directPostRelay(const KernelArgs& a, const DirectCall& d, size_t k) {
  if (threadIdx.x != 0) return;
  __threadfence_system();
  arch::storeRelaxedSys(barrierFlag(a, d.down, a.rank, blockIdx.x), d.epoch + k + 1);
  arch::storeRelaxedSys(barrierFlag(a, d.up, a.rank, blockIdx.x), d.epoch + k + 1);
}

// Waits (thread 0, bounded) until rank `from` has posted chunk k; the whole
// block agrees on the outcome.
__device__ __forceinline__ bool directAwait(const KernelArgs& a, const DirectCall& d, int from, size_t k) {
  bool ok = true;
  if (threadIdx.x == 0)
    ok = waitCounterAtLeast(barrierFlag(a, a.rank, from, blockIdx.x), d.epoch + k + 1,
                            a.ch[from].semaphore.bound);
  return __syncthreads_and(ok) != 0;
}

// Producer side, chunk k: whether its slot in the down rank's stage is
// free. Lane 0 of each warp asks, so warps move on without a block-wide
// sync (warp 0 may still be posting the previous chunk); the fast path is
// one local load.
__device__ __forceinline__ bool directSlotFree(const KernelArgs& a, const DirectCall& d, size_t k) {
  if (k < d.g.slots) return true;
  bool ok = true;
  if ((threadIdx.x & 31u) == 0)
    ok = waitCounterAtLeast(barrierFlag(a, a.rank, d.down, blockIdx.x), d.epoch + k - d.g.slots + 1,
                            a.ch[d.down].semaphore.bound);
  return __shfl_sync(0xffffffffu, ok ? 1 : 0, 0) != 0;
}

// The producer's loop: for each chunk, `fill(slice, at)` stores this block's
// slice of the chunk at `at` in the consumer's stage (and may do local work
// beside it), then the chunk is posted. Ends once the consumer has consumed every chunk.
template <typename Fill>
__device__ inline void directProduce(const KernelArgs& a, const DirectCall& d, Fill fill) {
  bool ok = true;
  for (size_t k = 0; k < d.g.chunks; ++k) {
    ok = ok && directSlotFree(a, d, k);
    const Slice s = directSlice(a, d, k);
    if (ok) fill(s, directSlot(a, d, d.down, k, s));
    if (!__syncthreads_and(ok)) return;
    directPost(a, d, d.down, k);
  }
  if (directAwait(a, d, d.down, d.g.chunks - 1)) directEnd(a, d);
}

// The consumer's loop: for each chunk, wait for it, `use(slice, at)` (the
// slice's bytes lie at `at` in my stage), post it done.
template <typename Use>
__device__ inline void directConsume(const KernelArgs& a, const DirectCall& d, Use use) {
  for (size_t k = 0; k < d.g.chunks; ++k) {
    if (!directAwait(a, d, d.up, k)) return;
    const Slice s = directSlice(a, d, k);
    use(s, static_cast<const char*>(directSlot(a, d, a.rank, k, s)));
    __syncthreads();
    directPost(a, d, d.up, k);
  }
  directEnd(a, d);
}

// A relay's loop (chains): for each chunk, wait for it from the up rank and
// for its slot in the down rank's stage, `pass(slice, in, out)` (the
// slice's bytes lie at `in` in my stage, their place in the down rank's
// stage is `out`), then post it ready down and done up. Ends once the down
// rank has consumed every chunk.
template <typename Pass>
__device__ inline void directRelay(const KernelArgs& a, const DirectCall& d, Pass pass) {
  for (size_t k = 0; k < d.g.chunks; ++k) {
    if (!directAwait(a, d, d.up, k)) return;
    const bool ok = directSlotFree(a, d, k);
    const Slice s = directSlice(a, d, k);
    if (ok) pass(s, static_cast<const char*>(directSlot(a, d, a.rank, k, s)), directSlot(a, d, d.down, k, s));
    if (!__syncthreads_and(ok)) return;
    directPostRelay(a, d, k);
  }
  if (directAwait(a, d, d.down, d.g.chunks - 1)) directEnd(a, d);
}

}  // namespace lccl::detail
