// Kernels that reduce: AllReduce, ReduceScatter, Reduce. Each reads as its
// pseudocode over the LL exchange (device/ll.cuh; the LL128 instances are
// built in ll128_kernels.cu) or the staged path (device/staged.cuh).
#include "device/direct.cuh"
#include "device/ll.cuh"
#include "device/ll_kernels.cuh"
#include "device/staged.cuh"
#include "dispatch.cuh"
#include "launch.hpp"

namespace lccl::detail {
namespace {

// Reduce, LL (small): the others' packets to the root, which reduces them in
// rank order; tokens keep every rank in step (see ll.cuh).
template <typename T, ReduceOp Op>
__global__ void __launch_bounds__(kThreads) reduceRootedLL(const __grid_constant__ KernelArgs a) {
  const CallTicket call = beginCall(a);
  const uint32_t flag = call.flag;
  const int p = tokenPeer(a);
  const bool root = a.rank == a.root;
  if (p >= 0 && (root || p != a.root)) llSendToken(a, flag, p);
  if (root) llReduce<LL16Proto, T, Op>(a, flag, receivers(a));
  else llSendToRoot(a, flag);
  if (p >= 0 && !root) llWaitToken(a, flag, p);
  finishCall(a, call);
}

// AllReduce, two-shot (Simple), push only, one chunk per launch (up to
// kPipeMinBytes; measured faster there than the pipelined kernel below):
// every rank writes shard q of its input into rank q's inbox (slot `rank`);
// each rank reduces its own inbox (local reads) and writes the result shard
// into every rank's result area; each rank copies its result area out. Block
// b handles slice b of every shard in each phase, so only block b's
// namesakes meet at the barriers; launches of different chunk sizes are
// ordered by the kernel boundary. With a.root >= 0 this is Reduce.
__device__ __forceinline__ Slice shardSlice(const KernelArgs& a, int q) {
  const Slice sh = shardBytes(a.bytes, a.nranks, q);
  return blockSlice(sh.begin, sh.end, blockIdx.x, gridDim.x);
}

// Where rank `from`'s part of shard q lands in rank q's inbox.
__device__ __forceinline__ char* inboxSlot(const KernelArgs& a, int q, int from) {
  return stageOf(a, q) + static_cast<size_t>(from) * twoShotSlotBytes(a.bytes, a.nranks);
}

template <typename T, ReduceOp Op>
__global__ void __launch_bounds__(kThreads) allReduceTwoShotChunk(const __grid_constant__ KernelArgs a) {
  for (int i = 1; i <= a.nranks; ++i) {  // peers first (remote stores), my own shard last
    const int q = (a.rank + i) % a.nranks;
    const Slice s = shardSlice(a, q);
    const size_t at = s.begin - shardBytes(a.bytes, a.nranks, q).begin;
    blockCopy(inboxSlot(a, q, a.rank) + at, a.send + s.begin, s.end - s.begin);
  }
  if (!blockBarrier(a)) return;
  const Slice mine = shardSlice(a, a.rank);
  const size_t at = mine.begin - shardBytes(a.bytes, a.nranks, a.rank).begin;
  const char* srcs[kMaxRanks];
  char* dsts[kMaxRanks];
  for (int r = 0; r < a.nranks; ++r) {
    srcs[r] = inboxSlot(a, a.rank, r) + at;
    dsts[r] = resultOf(a, a.root >= 0 ? a.root : r) + mine.begin;
  }
  reduceRanks<T, Op>(a, srcs, dsts, a.root >= 0 ? 1 : a.nranks, mine.end - mine.begin);
  if (!blockBarrier(a)) return;
  if (a.root >= 0 && a.root != a.rank) return;
  for (int q = 0; q < a.nranks; ++q) {
    const Slice s = shardSlice(a, q);
    blockCopy(a.recv + s.begin, resultOf(a, a.rank) + s.begin, s.end - s.begin);
  }
}

// AllReduce, two-shot (Simple), push only, pipelined over the chunks of
// pipeGeometry (one launch for the whole buffer). Per chunk k:
//   push(k)     every rank writes shard q of chunk k into rank q's inbox
//   barrier A   inboxes of chunk k complete
//   reduce(k)   each rank reduces its inbox (local reads) and writes the
//               result shard into every rank's result area
//   barrier B   results of chunk k complete
//   copy-out(k) and push(k+1), by the two halves of the block: local traffic
//               and NVLink overlap.
// Inboxes and result areas alternate between two halves by chunk parity.
// Reuse is safe: push(k+1) follows B(k), so every rank has reduced chunk k-1
// (same inbox half); reduce(k+2) follows A(k+2), so every rank has copied
// out chunk k (same result half). Block b handles the same slice of every
// shard in every chunk (pipeSlice), so only block b's namesakes meet at the
// barriers. Only remote stores cross NVLink. With a.root >= 0 this is
// Reduce: the shards are reduced into the root's result area only, and only
// the root copies out.
struct PipeChunk {
  size_t begin;  // offset of the chunk in the buffer
  size_t bytes;
  size_t geom;   // the call's chunk size: the slicing geometry
  int parity;
};

__device__ __forceinline__ PipeChunk pipeChunk(const KernelArgs& a, const PipeGeometry& g, size_t k) {
  const size_t begin = k * g.chunkBytes;
  const size_t left = a.bytes - begin;
  return {begin, left < g.chunkBytes ? left : g.chunkBytes, g.chunkBytes, static_cast<int>(k & 1)};
}

__device__ __forceinline__ Slice shardSlice(const PipeChunk& c, int nranks, int q) {
  return pipeSlice(c.geom, c.bytes, nranks, q, blockIdx.x, gridDim.x);
}

// Where rank `from`'s part of shard q of chunk c lands in rank q's inbox, at
// offset `at` within the shard.
__device__ __forceinline__ char* inboxAt(const KernelArgs& a, const PipeChunk& c, int q, int from,
                                         const Slice& s) {
  const size_t slot = twoShotSlotBytes(kPipeChunkBytes, a.nranks);
  const size_t at = s.begin - shardBytes(c.geom, a.nranks, q).begin;
  return stageOf(a, q) + (static_cast<size_t>(c.parity) * a.nranks + from) * slot + at;
}

__device__ __forceinline__ char* resultArea(const KernelArgs& a, const PipeChunk& c, int r) {
  return resultOf(a, r) + static_cast<size_t>(c.parity) * kPipeChunkBytes;
}

// push(c): my slices of every shard of chunk c into the owners' inboxes.
__device__ inline int pushSegs(const KernelArgs& a, const PipeChunk& c, CopySeg* segs) {
  for (int q = 0; q < a.nranks; ++q) {
    const Slice s = shardSlice(c, a.nranks, q);
    segs[q] = {inboxAt(a, c, q, a.rank, s), a.send + c.begin + s.begin, s.end - s.begin};
  }
  return a.nranks;
}

// copy-out(c): my result area's slices of chunk c into my output.
__device__ inline int copyOutSegs(const KernelArgs& a, const PipeChunk& c, CopySeg* segs) {
  if (a.root >= 0 && a.root != a.rank) return 0;
  for (int q = 0; q < a.nranks; ++q) {
    const Slice s = shardSlice(c, a.nranks, q);
    segs[q] = {a.recv + c.begin + s.begin, resultArea(a, c, a.rank) + s.begin, s.end - s.begin};
  }
  return a.nranks;
}

// reduce(c): my shard of chunk c from my inbox into every rank's result area
// (the root's only for Reduce).
template <typename T, ReduceOp Op>
__device__ inline void reduceChunk(const KernelArgs& a, const PipeChunk& c) {
  const Slice mine = shardSlice(c, a.nranks, a.rank);
  const char* srcs[kMaxRanks];
  char* dsts[kMaxRanks];
  for (int r = 0; r < a.nranks; ++r) {
    srcs[r] = inboxAt(a, c, a.rank, r, mine);
    dsts[r] = resultArea(a, c, a.root >= 0 ? a.root : r) + mine.begin;
  }
  reduceRanks<T, Op>(a, srcs, dsts, a.root >= 0 ? 1 : a.nranks, mine.end - mine.begin);
}

template <typename T, ReduceOp Op>
__global__ void __launch_bounds__(kThreads) allReduceTwoShotPipe(const __grid_constant__ KernelArgs a) {
  const PipeGeometry g = pipeGeometry(a.bytes);
  CopySeg out[kMaxRanks], push[kMaxRanks];
  blockCopySeq(push, pushSegs(a, pipeChunk(a, g, 0), push));
  for (size_t k = 0; k < g.chunks; ++k) {
    const PipeChunk c = pipeChunk(a, g, k);
    if (!blockBarrier(a)) return;
    reduceChunk<T, Op>(a, c);
    if (!blockBarrier(a)) return;
    const int nOut = copyOutSegs(a, c, out);
    const int nPush = k + 1 < g.chunks ? pushSegs(a, pipeChunk(a, g, k + 1), push) : 0;
    blockCopyTwo(out, nOut, push, nPush);
  }
}

// ReduceScatter (push): write my piece for each peer into that peer's slot
// for me; after the barrier reduce my own piece and every peer's (in rank
// order) from my slots into recv.
template <typename T, ReduceOp Op>
__global__ void __launch_bounds__(kThreads) reduceScatterPush(const __grid_constant__ KernelArgs a) {
  const Slice s = mySlice(a);
  CopySeg segs[kMaxRanks];
  for (int i = 1; i < a.nranks; ++i) {
    const int q = (a.rank + i) % a.nranks;
    segs[i - 1] = {pushSlot(a, q, a.rank) + s.begin, pieceFor(a, q) + s.begin, s.end - s.begin};
  }
  blockCopyMany(segs, a.nranks - 1);
  if (!blockBarrier(a)) return;
  const char* srcs[kMaxRanks];
  for (int r = 0; r < a.nranks; ++r)
    srcs[r] = (r == a.rank ? pieceFor(a, r) : pushSlot(a, a.rank, r)) + s.begin;
  char* dst = a.recv + s.begin;
  reduceRanks<T, Op>(a, srcs, &dst, 1, s.end - s.begin);
  blockBarrier(a);
}

// ReduceScatter (push, pipelined; see staged.cuh): reduce(k) = chunk k of
// my own piece and of every peer's slot, in rank order, into my output, by
// the block's first half while its second half pushes chunk k + 1.
template <typename T, ReduceOp Op>
__device__ inline void reducePipeChunk(const KernelArgs& a, const PipeGeometry& g, size_t k, uint32_t nt) {
  const Slice s = pushPipeSlice(g, a.bytes, k, blockIdx.x, gridDim.x);
  const char* srcs[kMaxRanks];
  for (int r = 0; r < a.nranks; ++r)
    srcs[r] = r == a.rank ? pieceFor(a, r) + s.begin : pushPipeSlot(a, g, a.rank, r, k, s);
  char* dst = a.recv + s.begin;
  reduceRanksBy<T, Op>(a, srcs, &dst, 1, s.end - s.begin, threadIdx.x, nt);
}

template <typename T, ReduceOp Op>
__global__ void __launch_bounds__(kThreads) reduceScatterPushPipe(const __grid_constant__ KernelArgs a) {
  const PipeGeometry g = pushPipeGeometry(a.bytes, a.nranks);
  CopySeg push[kMaxRanks];
  blockCopyMany(push, pushPipeSegs(a, g, 0, push));
  for (size_t k = 0; k < g.chunks; ++k) {
    if (!blockBarrier(a)) return;
    const int nPush = k + 1 < g.chunks ? pushPipeSegs(a, g, k + 1, push) : 0;
    const uint32_t half = nPush ? blockDim.x / 2 : blockDim.x;
    if (threadIdx.x < half) {
      reducePipeChunk<T, Op>(a, g, k, half);
    } else {
      for (int j = 0; j < nPush; ++j)
        deviceCopy(push[j].dst, push[j].src, push[j].bytes, threadIdx.x - half, blockDim.x - half);
    }
  }
  blockBarrier(a);
}

// Reduce (staged): stage my input; the root reduces every stage.
template <typename T, ReduceOp Op>
__global__ void __launch_bounds__(kThreads) reduceStaged(const __grid_constant__ KernelArgs a) {
  stageInput(a);
  if (!blockBarrier(a)) return;
  if (a.root < 0 || a.root == a.rank) {
    const Slice s = mySlice(a);
    const char* srcs[kMaxRanks];
    for (int r = 0; r < a.nranks; ++r) srcs[r] = stagedPieceFor(a, r) + s.begin;
    char* dst = a.recv + s.begin;
    reduceRanks<T, Op>(a, srcs, &dst, 1, s.end - s.begin);
  }
  blockBarrier(a);
}

// Reduce, two ranks, direct (device/direct.cuh): the other rank streams its
// input into the root's stage; the root reduces each chunk with its own
// input, in rank order, into its output.
template <typename T, ReduceOp Op>
__global__ void __launch_bounds__(kThreads) reduceDirect(const __grid_constant__ KernelArgs a) {
  const DirectCall d = directBegin(a, 1 - a.root);
  if (a.rank != a.root) {
    directProduce(a, d, [&](const Slice& s, char* slot) {
      blockCopy(slot, a.send + s.begin, s.end - s.begin);
    });
    return;
  }
  directConsume(a, d, [&](const Slice& s, const char* slot) {
    const char* srcs[kMaxRanks];
    srcs[a.rank] = a.send + s.begin;
    srcs[d.up] = slot;
    char* dst = a.recv + s.begin;
    reduceRanks<T, Op>(a, srcs, &dst, 1, s.end - s.begin);
  });
}

template <typename T, ReduceOp Op>
void launchTyped(Path path, const KernelArgs& a, int blocks, cudaStream_t s) {
  if (path == Path::LL) reduceLL<LL16Proto, T, Op><<<blocks, kThreads, 0, s>>>(a);
  else if (path == Path::RootedLL) reduceRootedLL<T, Op><<<blocks, kThreads, 0, s>>>(a);
  else if (path == Path::TwoShotLL) allReduceTwoShotLL<LL16Proto, T, Op><<<blocks, kThreads, 0, s>>>(a);
  else if (path == Path::Push) reduceScatterPush<T, Op><<<blocks, kThreads, 0, s>>>(a);
  else if (path == Path::PushPipe) reduceScatterPushPipe<T, Op><<<blocks, kThreads, 0, s>>>(a);
  else if (path == Path::TwoShot) allReduceTwoShotChunk<T, Op><<<blocks, kThreads, 0, s>>>(a);
  else if (path == Path::TwoShotPipe) allReduceTwoShotPipe<T, Op><<<blocks, kThreads, 0, s>>>(a);
  else if (path == Path::Direct) reduceDirect<T, Op><<<blocks, kThreads, 0, s>>>(a);
  else reduceStaged<T, Op><<<blocks, kThreads, 0, s>>>(a);
}

}  // namespace

void launchReduction(Path path, const KernelArgs& a, DataType type, ReduceOp op,
                     int blocks, cudaStream_t s) {
  if (path == Path::LL128 || path == Path::TwoShotLL128)
    return launchLL128(path, a, true, type, op, blocks, s);
  withType(type, [&](auto t) {
    withOp(op, [&](auto o) {
      launchTyped<typename decltype(t)::type, decltype(o)::value>(path, a, blocks, s);
    });
  });
}

}  // namespace lccl::detail
