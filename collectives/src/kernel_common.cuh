// Device building blocks shared by the collective kernels: the per-call
// state, the end-of-call counter and the cross-rank barrier.
#pragma once

#include <cstdint>

#include "kernel_args.hpp"
#include "lccl/primitives/detail/wait.hpp"
#include "lccl/primitives/memory_channel_device.hpp"

namespace lccl::detail {

__device__ __forceinline__ uint32_t globalThread() { return blockIdx.x * blockDim.x + threadIdx.x; }
__device__ __forceinline__ uint32_t globalThreads() { return gridDim.x * blockDim.x; }

// The LL flag of this call: one more than the last completed call's.
__device__ __forceinline__ uint32_t callFlag(const KernelArgs& a) {
  return *reinterpret_cast<volatile uint32_t*>(&a.state->flag) + 1;
}

// Called by every block at its end: the last block records `flag` as done.
__device__ __forceinline__ void finishCall(const KernelArgs& a, uint32_t flag) {
  __syncthreads();
  if (threadIdx.x == 0) {
    __threadfence();
    if (atomicAdd(&a.state->doneBlocks, 1u) == gridDim.x - 1) {
      a.state->doneBlocks = 0;
      a.state->flag = flag;
      __threadfence();
    }
  }
}

__device__ __forceinline__ bool aborted(const KernelArgs& a) {
  const DeviceErrorSlot* s = a.ch[a.rank == 0 ? 1 : 0].semaphore.bound.slot;
  return s != nullptr && s->abort != 0;
}

// Every block of every rank arrives before any leaves. Writes (local or to
// peer memory) made before the barrier by any thread of any rank are visible
// after it. The last block to arrive on each rank signals every peer and waits
// for them; the others spin on the generation counter (bounded). Returns false
// when a wait timed out or was aborted (the host reports it).
__device__ inline bool crossRankBarrier(const KernelArgs& a) {
  __shared__ bool ok;
  __syncthreads();
  if (threadIdx.x == 0) {
    ok = true;
    __threadfence_system();
    const uint32_t gen = arch::loadAcquireSys(&a.state->barGen);
    if (atomicAdd(&a.state->barArrive, 1u) == gridDim.x - 1) {
      a.state->barArrive = 0;
      // One system fence publishes every block's writes (each block fenced
      // before arriving); relaxed signals then carry only the count. This is
      // signal() split so that the costly fence runs once, not once per peer.
      __threadfence_system();
      for (int p = 0; p < a.nranks; ++p)
        if (p != a.rank) a.ch[p].relaxedSignal();
      for (int p = 0; p < a.nranks; ++p)
        if (p != a.rank) ok = a.ch[p].wait() && ok;
      arch::storeReleaseSys(&a.state->barGen, gen + 1);
    } else {
      BoundedSpin spin(a.ch[a.rank == 0 ? 1 : 0].semaphore.bound);
      while (arch::loadAcquireSys(&a.state->barGen) == gen)
        if (!spin.keepGoing(DeviceErrorKind::WaitTimeout, gen + 1, gen)) { ok = false; break; }
    }
    ok = ok && !aborted(a);
  }
  __syncthreads();
  return ok;
}

}  // namespace lccl::detail
