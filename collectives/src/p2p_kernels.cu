// The p2p kernel: every block serves slice j of one (peer, direction) task.
#include "layout.hpp"
#include "lccl/primitives/arch/ops.hpp"
#include "lccl/primitives/detail/copy_device.hpp"
#include "lccl/primitives/detail/wait.hpp"
#include "p2p.hpp"

namespace lccl::detail {
namespace {

constexpr int kP2PThreads = 1024;

__device__ __forceinline__ void blockCopyP2P(char* dst, const char* src, size_t bytes) {
  deviceCopy(dst, src, bytes, threadIdx.x, blockDim.x);
}

// Thread 0 waits until *counter >= target (bounded); the block learns the outcome.
__device__ __forceinline__ bool blockWait(const uint64_t* counter, uint64_t target,
                                          const DeviceWaitBound& bound) {
  bool ok = true;
  if (threadIdx.x == 0) ok = waitCounterAtLeast(counter, target, bound);
  return __syncthreads_and(ok) != 0;
}

// After the block's copies: one system fence, then the counter (release).
__device__ __forceinline__ void blockPublish(uint64_t* counter, uint64_t value) {
  __syncthreads();
  if (threadIdx.x == 0) {
    __threadfence_system();
    arch::storeRelaxedSys(counter, value);
  }
}

struct Part {
  const P2PTask* task;
  int j;  // block index within the task
};

__device__ __forceinline__ Part myPart(const P2PArgs& a) {
  int t = 0;
  while (t + 1 < a.ntasks && static_cast<int>(blockIdx.x) >= a.tasks[t + 1].firstBlock) ++t;
  return {&a.tasks[t], static_cast<int>(blockIdx.x) - a.tasks[t].firstBlock};
}

// Send: chunk g of block j goes to slot g % 2 of block j's part of my inbox
// at the peer, once chunk g - 2 was acknowledged.
__device__ void sendPart(const P2PArgs& a, const P2PTask& t, int j, const P2PChannel& ch) {
  uint64_t g = a.state->sent[t.peer][j];
  char* part = ch.remoteInbox + static_cast<size_t>(j) * 2 * a.slotBytes;
  for (int i = 0; i < t.nops; ++i) {
    const Slice r = blockSlice(0, t.ops[i].bytes, j, t.nblocks);
    for (size_t off = r.begin; off < r.end; off += a.slotBytes, ++g) {
      if (g >= 2 && !blockWait(ch.localAck + j, g - 1, ch.bound)) return;
      blockCopyP2P(part + (g % 2) * a.slotBytes, t.ops[i].ptr + off, min(a.slotBytes, r.end - off));
      blockPublish(ch.remoteReady + j, g + 1);
    }
  }
  if (threadIdx.x == 0) a.state->sent[t.peer][j] = g;
}

// Receive: wait for chunk g, copy it out of slot g % 2, acknowledge.
__device__ void recvPart(const P2PArgs& a, const P2PTask& t, int j, const P2PChannel& ch) {
  uint64_t g = a.state->received[t.peer][j];
  const char* part = ch.localInbox + static_cast<size_t>(j) * 2 * a.slotBytes;
  for (int i = 0; i < t.nops; ++i) {
    const Slice r = blockSlice(0, t.ops[i].bytes, j, t.nblocks);
    for (size_t off = r.begin; off < r.end; off += a.slotBytes, ++g) {
      if (!blockWait(ch.localReady + j, g + 1, ch.bound)) return;
      blockCopyP2P(t.ops[i].ptr + off, part + (g % 2) * a.slotBytes, min(a.slotBytes, r.end - off));
      blockPublish(ch.remoteAck + j, g + 1);
    }
  }
  if (threadIdx.x == 0) a.state->received[t.peer][j] = g;
}

__global__ void __launch_bounds__(kP2PThreads) p2pKernel(const __grid_constant__ P2PArgs a) {
  const Part p = myPart(a);
  const P2PChannel& ch = a.chans[p.task->peer];
  if (p.task->isSend) sendPart(a, *p.task, p.j, ch);
  else recvPart(a, *p.task, p.j, ch);
}

}  // namespace

void launchP2P(const P2PArgs& a, int blocks, cudaStream_t stream) {
  p2pKernel<<<blocks, kP2PThreads, 0, stream>>>(a);
}

}  // namespace lccl::detail
