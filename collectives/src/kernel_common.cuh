// Device building blocks shared by the collective kernels: thread indexing,
// the end-of-call counter and the per-block cross-rank barrier.
#pragma once

#include <cstdint>

#include "kernel_args.hpp"
#include "lccl/primitives/detail/wait.hpp"
#include "lccl/primitives/memory_channel_device.hpp"

namespace lccl::detail {

__device__ __forceinline__ uint32_t globalThread() { return blockIdx.x * blockDim.x + threadIdx.x; }
__device__ __forceinline__ uint32_t globalThreads() { return gridDim.x * blockDim.x; }

// The blocks of a kernel that play one role. LL kernels either let every
// block send and then receive (KernelArgs::sendBlocks == 0), or split the
// grid: blocks [0, sendBlocks) only send, the others only receive, so that
// a receiver's polls and copies do not queue behind its own SM's remote
// stores.
struct Role {
  uint32_t first, count;
  __device__ __forceinline__ bool mine() const { return blockIdx.x - first < count; }
  __device__ __forceinline__ uint32_t thread() const { return (blockIdx.x - first) * blockDim.x + threadIdx.x; }
  __device__ __forceinline__ uint32_t threads() const { return count * blockDim.x; }
};
__device__ __forceinline__ Role senders(const KernelArgs& a) {
  return a.sendBlocks ? Role{0, static_cast<uint32_t>(a.sendBlocks)} : Role{0, gridDim.x};
}
__device__ __forceinline__ Role receivers(const KernelArgs& a) {
  const uint32_t s = static_cast<uint32_t>(a.sendBlocks);
  return s ? Role{s, gridDim.x - s} : Role{0, gridDim.x};
}

// A call's LL flag (one more than the last completed call's) and, in thread
// 0 of a block of a multi-block grid, how many blocks began the call before
// this one.
struct CallTicket {
  uint32_t flag;
  uint32_t arrival;
};

// Called by every block at its start. The flag is one value for the whole
// grid (not per block): a word's packet location is then used with
// alternating parities call after call, whatever the grid sizes. Beyond one
// block, thread 0 counts the block in once every thread of it has read the
// flag (barrier, then a release); the count's round trip overlaps the
// block's work, as its result is needed only at the block's end.
__device__ __forceinline__ CallTicket beginCall(const KernelArgs& a) {
  CallTicket t{*reinterpret_cast<volatile uint32_t*>(&a.state->flag) + 1, 0};
  if (gridDim.x > 1) {
    __syncthreads();
    if (threadIdx.x == 0) t.arrival = arch::atomicAddReleaseGpu(&a.state->arrived, 1u);
  }
  return t;
}

// Called by every block at its end: the block that began the call last
// records `flag` as done (every block has read the old flag by then) and
// rearms the count; a one-block grid records it itself. No end-of-call
// atomic is waited for, and no fence is needed: the next call reads the flag
// only after this kernel has ended.
__device__ __forceinline__ void finishCall(const KernelArgs& a, const CallTicket& t) {
  __syncthreads();
  if (threadIdx.x != 0) return;
  if (gridDim.x == 1) {
    a.state->flag = t.flag;
  } else if (t.arrival == gridDim.x - 1) {
    a.state->arrived = 0;
    a.state->flag = t.flag;
  }
}

// The slot of `peer`'s barrier epochs for block b, in the scratch of `owner`.
__device__ __forceinline__ uint64_t* barrierFlag(const KernelArgs& a, int owner, int peer, int b) {
  char* base = owner == a.rank ? a.scratch : static_cast<char*>(a.ch[owner].dst);
  return reinterpret_cast<uint64_t*>(base + a.layout.flagsOffset) + b * kMaxRanks + peer;
}

// Block b of every rank arrives before block b of any rank leaves; the
// block's writes before the barrier (local or to peer memory) are visible to
// block b of every rank after it. Thread p (p != rank) publishes the block's
// writes with one system fence and stores the block's new epoch into peer p's
// flag slot, then waits (bounded) for peer p's epoch in its own slot. Blocks
// synchronise only with their namesakes, never grid-wide. Returns false when
// a wait timed out or was aborted (the host reports it).
__device__ inline bool blockBarrier(const KernelArgs& a) {
  __shared__ uint64_t epochShared;
  const int b = blockIdx.x;
  if (threadIdx.x == 0) epochShared = ++a.state->blockEpoch[b];  // only thread 0 touches it
  __syncthreads();
  const uint64_t epoch = epochShared;
  const int p = threadIdx.x;
  bool ok = true;
  if (p < a.nranks && p != a.rank) {
    __threadfence_system();
    arch::storeRelaxedSys(barrierFlag(a, p, a.rank, b), epoch);
    ok = waitCounterAtLeast(barrierFlag(a, a.rank, p, b), epoch, a.ch[p].semaphore.bound);
  }
  return __syncthreads_and(ok) != 0;
}

}  // namespace lccl::detail
