// Kernels that move data without reducing: AllGather, AllToAll, Broadcast.
#include "device/direct.cuh"
#include "device/ll.cuh"
#include "device/ll_kernels.cuh"
#include "device/staged.cuh"
#include "launch.hpp"

namespace lccl::detail {
namespace {

// AllGather / AllToAll (push): write my piece for each peer into that peer's
// slot for me (remote stores); keep my own piece; after the barrier, copy
// every peer's piece out of my slots. Block b moves slice b of every piece,
// so an in-place AllToAll overwrites a slice only after sending it.
__global__ void __launch_bounds__(kThreads) movePush(const __grid_constant__ KernelArgs a) {
  const Slice s = mySlice(a);
  const size_t len = s.end - s.begin;
  CopySeg segs[kMaxRanks];
  for (int q = 0; q < a.nranks; ++q) {
    const char* src = pieceFor(a, q) + s.begin;
    char* dst = q == a.rank ? a.recv + static_cast<size_t>(q) * a.recvStride + s.begin
                            : pushSlot(a, q, a.rank) + s.begin;
    segs[q] = {dst, src, dst != src ? len : 0};
  }
  blockCopyMany(segs, a.nranks);
  if (!blockBarrier(a)) return;
  for (int r = 0; r < a.nranks; ++r) {
    char* dst = a.recv + static_cast<size_t>(r) * a.recvStride + s.begin;
    segs[r] = {dst, pushSlot(a, a.rank, r) + s.begin, r != a.rank ? len : 0};
  }
  blockCopyMany(segs, a.nranks);
  blockBarrier(a);
}

// AllGather / AllToAll (push, pipelined; see staged.cuh): copy-out(k) =
// every peer's slice of chunk k from my slots, and my own piece, into the
// output. In place, a block overwrites chunk k of a piece only after its
// push(k), and push(k + 1) reads another chunk.
__device__ inline int copyOutPipeSegs(const KernelArgs& a, const PipeGeometry& g, size_t k, CopySeg* segs) {
  const Slice s = pushPipeSlice(g, a.bytes, k, blockIdx.x, gridDim.x);
  for (int r = 0; r < a.nranks; ++r) {
    char* dst = a.recv + static_cast<size_t>(r) * a.recvStride + s.begin;
    const char* src = r == a.rank ? pieceFor(a, r) + s.begin : pushPipeSlot(a, g, a.rank, r, k, s);
    segs[r] = {dst, src, dst != src ? s.end - s.begin : 0};
  }
  return a.nranks;
}

__global__ void __launch_bounds__(kThreads) movePushPipe(const __grid_constant__ KernelArgs a) {
  const PipeGeometry g = pushPipeGeometry(a.bytes, a.nranks);
  CopySeg out[kMaxRanks], push[kMaxRanks];
  blockCopyMany(push, pushPipeSegs(a, g, 0, push));
  for (size_t k = 0; k < g.chunks; ++k) {
    if (!blockBarrier(a)) return;
    const int nOut = copyOutPipeSegs(a, g, k, out);
    const int nPush = k + 1 < g.chunks ? pushPipeSegs(a, g, k + 1, push) : 0;
    blockCopyTwo(out, nOut, push, nPush);
  }
  blockBarrier(a);
}

// Broadcast, LL (small): the root's packets to everyone; tokens keep every
// rank in step (see ll.cuh).
__global__ void __launch_bounds__(kThreads) broadcastLL(const __grid_constant__ KernelArgs a) {
  const CallTicket call = beginCall(a);
  const uint32_t flag = call.flag;
  const int p = tokenPeer(a);
  if (p >= 0 && a.rank != a.root) llSendToken(a, flag, p);
  llBroadcastData(a, flag);
  if (p >= 0 && p != a.root) llWaitToken(a, flag, p);
  finishCall(a, call);
}

// Block b's slice of shard q (shards as in two-shot: 16-byte aligned, the
// last one takes the tail). Every phase below slices the same way, so block b
// only ever touches what block b of the other ranks touches.
__device__ __forceinline__ Slice shardSliceOf(const KernelArgs& a, int q) {
  const Slice sh = shardBytes(a.bytes, a.nranks, q);
  return blockSlice(sh.begin, sh.end, blockIdx.x, gridDim.x);
}

// Broadcast (scatter + gather): the root writes shard q of its input into
// rank q's stage (its own shard into its own stage); after the barrier every
// rank reads shard q from rank q's stage (the root from its input). Each rank
// serves one shard to the others, so the root's links carry (n-1)/n of the
// data twice instead of n-1 times. The second barrier keeps the stages until
// every rank has read them.
__global__ void __launch_bounds__(kThreads) broadcastSpread(const __grid_constant__ KernelArgs a) {
  CopySeg segs[kMaxRanks];
  if (a.rank == a.root) {
    for (int q = 0; q < a.nranks; ++q) {
      const Slice s = shardSliceOf(a, q);
      segs[q] = {stageOf(a, q) + s.begin, a.send + s.begin, s.end - s.begin};
    }
    blockCopyMany(segs, a.nranks);
  }
  if (!blockBarrier(a)) return;
  for (int q = 0; q < a.nranks; ++q) {
    const Slice s = shardSliceOf(a, q);
    const char* src = (a.rank == a.root ? a.send : stageOf(a, q)) + s.begin;
    segs[q] = {a.recv + s.begin, src, a.recv + s.begin != src ? s.end - s.begin : 0};
  }
  blockCopyMany(segs, a.nranks);
  blockBarrier(a);
}

// Broadcast, direct (device/direct.cuh): a chain in rank order from the root
// (two ranks: the root and the other). The root streams its input into the
// next rank's stage (half of each block) while copying it into its own
// output (the other half; nothing when in place); a relay copies each chunk
// out of its stage into its output and into the next rank's stage side by
// side; the last rank copies each chunk out of its stage.
__global__ void __launch_bounds__(kThreads) broadcastDirect(const __grid_constant__ KernelArgs a) {
  const DirectCall d = directChainBegin(a, a.root);
  if (d.down >= 0 && d.up >= 0) {
    directRelay(a, d, [&](const Slice& s, const char* in, char* out) {
      const CopySeg push{out, in, s.end - s.begin};
      const CopySeg mine{a.recv + s.begin, in, s.end - s.begin};
      blockCopyTwo(&push, 1, &mine, 1);
    });
    return;
  }
  if (d.up < 0) {
    const bool copy = a.recv != a.send;
    directProduce(a, d, [&](const Slice& s, char* slot) {
      const CopySeg push{slot, a.send + s.begin, s.end - s.begin};
      const CopySeg mine{a.recv + s.begin, a.send + s.begin, s.end - s.begin};
      blockCopyTwo(&push, 1, &mine, copy ? 1 : 0);
    });
    return;
  }
  directConsume(a, d, [&](const Slice& s, const char* slot) {
    blockCopy(a.recv + s.begin, slot, s.end - s.begin);
  });
}

}  // namespace

void launchMovement(Path path, const KernelArgs& a, int blocks, cudaStream_t s) {
  if (path == Path::LL128 || path == Path::TwoShotLL128)
    launchLL128(path, a, false, DataType::Int8, ReduceOp::Sum, blocks, s);
  else if (path == Path::LL) moveLL<LL16Proto><<<blocks, kThreads, 0, s>>>(a);
  else if (path == Path::RootedLL) broadcastLL<<<blocks, kThreads, 0, s>>>(a);
  else if (path == Path::Push) movePush<<<blocks, kThreads, 0, s>>>(a);
  else if (path == Path::PushPipe) movePushPipe<<<blocks, kThreads, 0, s>>>(a);
  else if (path == Path::Direct) broadcastDirect<<<blocks, kThreads, 0, s>>>(a);
  else broadcastSpread<<<blocks, kThreads, 0, s>>>(a);
}

}  // namespace lccl::detail
