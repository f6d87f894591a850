// The p2p kernel: one block per (peer, direction) task of a group.
#include "lccl/primitives/detail/copy_device.hpp"
#include "lccl/primitives/semaphore_device.hpp"
#include "p2p.hpp"

namespace lccl::detail {
namespace {

constexpr int kP2PThreads = 1024;

__device__ __forceinline__ void blockCopyP2P(char* dst, const char* src, size_t bytes) {
  deviceCopy(dst, src, bytes, threadIdx.x, blockDim.x);
}

// Thread 0 runs `step` (a bounded semaphore operation); the block learns
// whether it succeeded.
template <class F>
__device__ __forceinline__ bool leaderStep(F step) {
  bool ok = true;
  if (threadIdx.x == 0) ok = step();
  return __syncthreads_and(ok) != 0;
}

// Send: chunk g goes to slot g % 2 of my inbox at the peer once the chunk
// that used the slot before (g - 2) was acknowledged.
__device__ void sendTask(const P2PTask& t, const P2PChannel& ch, size_t slotBytes) {
  uint64_t g = 0;
  for (int i = 0; i < t.nops; ++i)
    for (size_t off = 0; off < t.ops[i].bytes; off += slotBytes, ++g) {
      if (g >= 2 && !leaderStep([&] { return ch.ack.wait(); })) return;
      const size_t len = min(slotBytes, t.ops[i].bytes - off);
      blockCopyP2P(ch.remoteInbox + (g % 2) * slotBytes, t.ops[i].ptr + off, len);
      __syncthreads();
      if (threadIdx.x == 0) ch.data.signal();  // release: the block's stores first
    }
  for (uint64_t k = g < 2 ? 0 : g - 2; k < g; ++k)
    if (!leaderStep([&] { return ch.ack.wait(); })) return;
}

// Receive: wait for chunk g, copy it out of slot g % 2, acknowledge.
__device__ void recvTask(const P2PTask& t, const P2PChannel& ch, size_t slotBytes) {
  uint64_t g = 0;
  for (int i = 0; i < t.nops; ++i)
    for (size_t off = 0; off < t.ops[i].bytes; off += slotBytes, ++g) {
      if (!leaderStep([&] { return ch.data.wait(); })) return;
      const size_t len = min(slotBytes, t.ops[i].bytes - off);
      blockCopyP2P(t.ops[i].ptr + off, ch.localInbox + (g % 2) * slotBytes, len);
      __syncthreads();
      if (threadIdx.x == 0) ch.ack.signal();  // release: our reads of the slot first
    }
}

__global__ void __launch_bounds__(kP2PThreads) p2pKernel(P2PArgs a) {
  const P2PTask t = a.tasks[blockIdx.x];
  const P2PChannel& ch = a.chans[t.peer];
  if (t.isSend) sendTask(t, ch, a.slotBytes);
  else recvTask(t, ch, a.slotBytes);
}

}  // namespace

void launchP2P(const P2PArgs& a, int ntasks, cudaStream_t stream) {
  p2pKernel<<<ntasks, kP2PThreads, 0, stream>>>(a);
}

}  // namespace lccl::detail
