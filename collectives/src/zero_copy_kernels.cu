// AllReduce on registered windows (Collectives::registerWindow): no staging.
// Every rank reads its shard straight from every rank's send window and
// writes the result shard straight into every rank's recv window:
//   publish     my call description into every rank's check slot
//   barrier 1   every rank's input is ready and every rank has finished the
//               previous call (so also its reads of my buffers)
//   check       every rank describes the same windows, offsets and size
//   reduce      block b: slice b of my shard, from every rank in rank order,
//               into every rank's recv
//   barrier 2   every write into my recv has landed, and every read of my
//               send is done, before this rank's kernel ends
// In place (send == recv on every rank) is safe: slice b of shard q is read
// and written only by block b of rank q, and each of its threads loads an
// element from every rank before storing it to any rank.
#include "device/staged.cuh"
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
    ok = flag == d.flag && windows == d.windows && sendOff == d.sendOff && recvOff == d.recvOff &&
         bytes == d.bytes;
    if (!ok) {
      const uint64_t mine = flag == d.flag ? d.sendOff : d.flag;
      const uint64_t theirs = flag == d.flag ? sendOff : flag;
      reportTimeout(a.ch[p].semaphore.bound, DeviceErrorKind::WindowMismatch, mine, theirs, bytes);
    }
  }
  return __syncthreads_and(ok) != 0;
}

// Slice b of my shard: from every rank's send, in rank order, into every rank's recv.
template <typename T, ReduceOp Op>
__device__ inline void reduceMyShard(const KernelArgs& a, const ZeroCopyArgs& z) {
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

template <typename T, ReduceOp Op>
__global__ void __launch_bounds__(kThreads)
    allReduceZeroCopy(const __grid_constant__ KernelArgs a, const __grid_constant__ ZeroCopyArgs z) {
  const uint32_t flag = callFlag(a);
  WindowCallDesc d = z.desc;
  d.flag = flag;
  publishDesc(a, d);
  if (!blockBarrier(a)) return;
  if (descsAgree(a, d)) reduceMyShard<T, Op>(a, z);
  if (!blockBarrier(a)) return;
  finishCall(a, flag);  // the flag tells this call's check slots from stale ones
}

template <typename T>
void launchOp(const KernelArgs& a, const ZeroCopyArgs& z, ReduceOp op, int blocks, cudaStream_t s) {
  switch (op) {
    case ReduceOp::Sum: return void(allReduceZeroCopy<T, ReduceOp::Sum><<<blocks, kThreads, 0, s>>>(a, z));
    case ReduceOp::Prod: return void(allReduceZeroCopy<T, ReduceOp::Prod><<<blocks, kThreads, 0, s>>>(a, z));
    case ReduceOp::Max: return void(allReduceZeroCopy<T, ReduceOp::Max><<<blocks, kThreads, 0, s>>>(a, z));
    case ReduceOp::Min: return void(allReduceZeroCopy<T, ReduceOp::Min><<<blocks, kThreads, 0, s>>>(a, z));
    case ReduceOp::Avg: return void(allReduceZeroCopy<T, ReduceOp::Avg><<<blocks, kThreads, 0, s>>>(a, z));
    default: return;
  }
}

}  // namespace

void launchZeroCopyAllReduce(const KernelArgs& a, const ZeroCopyArgs& z, DataType type, ReduceOp op,
                             int blocks, cudaStream_t s) {
  switch (type) {
    case DataType::Int8: return launchOp<int8_t>(a, z, op, blocks, s);
    case DataType::Uint8: return launchOp<uint8_t>(a, z, op, blocks, s);
    case DataType::Int32: return launchOp<int32_t>(a, z, op, blocks, s);
    case DataType::Uint32: return launchOp<uint32_t>(a, z, op, blocks, s);
    case DataType::Int64: return launchOp<int64_t>(a, z, op, blocks, s);
    case DataType::Uint64: return launchOp<uint64_t>(a, z, op, blocks, s);
    case DataType::Float16: return launchOp<__half>(a, z, op, blocks, s);
    case DataType::Float32: return launchOp<float>(a, z, op, blocks, s);
    case DataType::Float64: return launchOp<double>(a, z, op, blocks, s);
    case DataType::BFloat16: return launchOp<__nv_bfloat16>(a, z, op, blocks, s);
    case DataType::Fp8E4M3: return launchOp<__nv_fp8_e4m3>(a, z, op, blocks, s);
    case DataType::Fp8E5M2: return launchOp<__nv_fp8_e5m2>(a, z, op, blocks, s);
    default: return;
  }
}

}  // namespace lccl::detail
