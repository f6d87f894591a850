// Collectives on registered windows (Collectives::registerWindow): no
// staging. Every rank reads from and writes to the peers' windows directly:
//   publish     my call description into every rank's check slot
//   barrier 1   every rank's input is ready and every rank has finished the
//               previous call (so also its reads of my buffers)
//   check       every rank describes the same call, windows, offsets and size
//   body        block b moves slice b of what this rank owns:
//                 AllReduce      my shard, from every rank's send in rank
//                                order, into every rank's recv
//                 ReduceScatter  my piece, from every rank's send in rank
//                                order, into my recv
//                 AllGather      my send into every rank's recv at my piece
//                 AllToAll       my piece for p into p's recv at my piece
//   barrier 2   every write into my recv has landed, and every read of my
//               buffers is done, before this rank's kernel ends
// In place is safe where the host allows it (not AllToAll): an element read
// from a buffer that the call also writes is read and written by one thread
// of one block, which loads it from every rank before storing it anywhere.
#include "device/staged.cuh"
#include "dispatch.cuh"
#include "launch.hpp"
#include "lccl/primitives/detail/wait.hpp"
#include "windows.hpp"

namespace lccl::detail {
namespace {

// Sender `from`'s check slot in rank `owner`'s scratch.
__device__ __forceinline__ volatile uint64_t* checkSlot(const KernelArgs& a, int owner, int from) {
  char* base = owner == a.rank ? a.scratch : static_cast<char*>(a.ch[owner].dst);
  char* slot = base + windowCheckOffset(a.layout) + static_cast<size_t>(from) * sizeof(WindowCallDesc);
  return reinterpret_cast<volatile uint64_t*>(slot);
}

// Thread p writes my description into rank p's slot for me (barrier 1 publishes it).
__device__ __forceinline__ void publishDesc(const KernelArgs& a, const WindowCallDesc& d) {
  const int p = threadIdx.x;
  if (p >= a.nranks || p == a.rank) return;
  volatile uint64_t* s = checkSlot(a, p, a.rank);
  s[0] = d.flag;
  s[1] = d.windows;
  s[2] = d.sendOff;
  s[3] = d.recvOff;
  s[4] = d.bytes;
  s[5] = d.what;
}

// After barrier 1: thread p (the one that waited for rank p) compares rank
// p's description with mine. A mismatch is recorded in the communicator's
// device-error slot (Communicator::checkDeviceErrors throws InvalidUsageError)
// and raises abort; the block then computes nothing.
__device__ inline bool descsAgree(const KernelArgs& a, const WindowCallDesc& d) {
  const int p = threadIdx.x;
  bool ok = true;
  if (p < a.nranks && p != a.rank) {
    const volatile uint64_t* s = checkSlot(a, a.rank, p);
    const uint64_t flag = s[0], windows = s[1], sendOff = s[2], recvOff = s[3], bytes = s[4];
    const uint64_t what = s[5];
    ok = flag == d.flag && windows == d.windows && sendOff == d.sendOff && recvOff == d.recvOff &&
         bytes == d.bytes && what == d.what;
    if (!ok) {
      const uint64_t mine = flag == d.flag ? d.sendOff : d.flag;
      const uint64_t theirs = flag == d.flag ? sendOff : flag;
      reportTimeout(a.ch[p].semaphore.bound, DeviceErrorKind::WindowMismatch, mine, theirs, bytes);
    }
  }
  return __syncthreads_and(ok) != 0;
}

// Slice b of my AllReduce shard: from every rank's send, in rank order, into every rank's recv.
template <typename T, ReduceOp Op>
__device__ inline void allReduceBody(const KernelArgs& a, const ZeroCopyArgs& z) {
  const Slice sh = shardBytes(a.bytes, a.nranks, a.rank);
  const Slice s = blockSlice(sh.begin, sh.end, blockIdx.x, gridDim.x);
  const char* srcs[kMaxRanks];
  char* dsts[kMaxRanks];
  for (int r = 0; r < a.nranks; ++r) {
    srcs[r] = z.send[r] + s.begin;
    dsts[r] = z.recv[r] + s.begin;
  }
  reduceRanks<T, Op>(a, srcs, dsts, a.nranks, s.end - s.begin);
}

// Slice b of my ReduceScatter piece: from every rank's send, in rank order, into my recv.
template <typename T, ReduceOp Op>
__device__ inline void reduceScatterBody(const KernelArgs& a, const ZeroCopyArgs& z) {
  const Slice s = mySlice(a);
  const size_t mine = static_cast<size_t>(a.rank) * a.bytes + s.begin;
  const char* srcs[kMaxRanks];
  for (int r = 0; r < a.nranks; ++r) srcs[r] = z.send[r] + mine;
  char* dst = z.recv[a.rank] + s.begin;
  reduceRanks<T, Op>(a, srcs, &dst, 1, s.end - s.begin);
}

// Slice b of my AllGather piece into every rank's recv (nothing to copy onto itself in place).
__device__ inline void allGatherBody(const KernelArgs& a, const ZeroCopyArgs& z) {
  const Slice s = mySlice(a);
  const char* src = a.send + s.begin;
  const size_t at = static_cast<size_t>(a.rank) * a.bytes + s.begin;
  CopySeg segs[kMaxRanks];
  int k = 0;
  for (int r = 0; r < a.nranks; ++r)
    if (z.recv[r] + at != src) segs[k++] = {z.recv[r] + at, src, s.end - s.begin};
  blockCopyMany(segs, k);
}

// Slice b of my piece for every rank p into p's recv at my piece.
__device__ inline void allToAllBody(const KernelArgs& a, const ZeroCopyArgs& z) {
  const Slice s = mySlice(a);
  const size_t at = static_cast<size_t>(a.rank) * a.bytes + s.begin;
  CopySeg segs[kMaxRanks];
  for (int p = 0; p < a.nranks; ++p)
    segs[p] = {z.recv[p] + at, pieceFor(a, p) + s.begin, s.end - s.begin};
  blockCopyMany(segs, a.nranks);
}

template <Kind K, typename T, ReduceOp Op>
__device__ __forceinline__ void zeroCopyBody(const KernelArgs& a, const ZeroCopyArgs& z) {
  if constexpr (K == Kind::AllReduce) allReduceBody<T, Op>(a, z);
  else if constexpr (K == Kind::ReduceScatter) reduceScatterBody<T, Op>(a, z);
  else if constexpr (K == Kind::AllGather) allGatherBody(a, z);
  else if constexpr (K == Kind::AllToAll) allToAllBody(a, z);
}

template <Kind K, typename T, ReduceOp Op>
__global__ void __launch_bounds__(kThreads)
    zeroCopyKernel(const __grid_constant__ KernelArgs a, const __grid_constant__ ZeroCopyArgs z) {
  const CallTicket call = beginCall(a);
  const uint32_t flag = call.flag;
  WindowCallDesc d = z.desc;
  d.flag = flag;
  publishDesc(a, d);
  if (!blockBarrier(a)) return;
  if (descsAgree(a, d)) zeroCopyBody<K, T, Op>(a, z);
  if (!blockBarrier(a)) return;
  finishCall(a, call);  // the flag tells this call's check slots from stale ones
}

template <Kind K, typename T, ReduceOp Op>
void launchOne(const KernelArgs& a, const ZeroCopyArgs& z, int blocks, cudaStream_t s) {
  zeroCopyKernel<K, T, Op><<<blocks, kThreads, 0, s>>>(a, z);
}

template <Kind K>
void launchReduce(const KernelArgs& a, const ZeroCopyArgs& z, DataType type, ReduceOp op,
                  int blocks, cudaStream_t s) {
  withType(type, [&](auto t) {
    withOp(op, [&](auto o) {
      launchOne<K, typename decltype(t)::type, decltype(o)::value>(a, z, blocks, s);
    });
  });
}

}  // namespace

void launchZeroCopy(Kind kind, const KernelArgs& a, const ZeroCopyArgs& z, DataType type,
                    ReduceOp op, int blocks, cudaStream_t s) {
  switch (kind) {
    case Kind::AllReduce: return launchReduce<Kind::AllReduce>(a, z, type, op, blocks, s);
    case Kind::ReduceScatter: return launchReduce<Kind::ReduceScatter>(a, z, type, op, blocks, s);
    case Kind::AllGather: return launchOne<Kind::AllGather, char, ReduceOp::Sum>(a, z, blocks, s);
    case Kind::AllToAll: return launchOne<Kind::AllToAll, char, ReduceOp::Sum>(a, z, blocks, s);
    default: return;
  }
}

}  // namespace lccl::detail
