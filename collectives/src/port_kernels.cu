// Kernels of the cross-node step (hierarchical.hpp): send a chunk through
// the port channels, reduce or unpack what arrived, acknowledge.
#include "hierarchical.hpp"
#include "launch.hpp"
#include "lccl/collectives/reduce.cuh"
#include "lccl/errors.hpp"

namespace lccl::detail {
namespace {

constexpr int kSendThreads = 1024;
constexpr int kWorkThreads = 512;
constexpr int kMaxWorkBlocks = 64;

__device__ __forceinline__ bool isMe(const PortArgs& a, int m) { return m == a.node; }

// Thread 0: consumes one signal of `ch[m]` for every counterpart m.
__device__ bool waitEach(const PortArgs& a, const PortChannelDeviceHandle* ch) {
  bool ok = true;
  for (int m = 0; m < a.nodes; ++m)
    if (!isMe(a, m)) ok = ch[m].wait() && ok;
  return ok;
}

// Block-wide copy: 16-byte vectors when both ends allow, bytes otherwise.
__device__ void blockCopyBytes(char* dst, const char* src, size_t bytes) {
  const bool aligned = ((reinterpret_cast<uintptr_t>(dst) | reinterpret_cast<uintptr_t>(src)) & 15) == 0;
  size_t done = 0;
  if (aligned) {
    const size_t vecs = bytes / 16;
    for (size_t v = threadIdx.x; v < vecs; v += blockDim.x)
      reinterpret_cast<uint4*>(dst)[v] = reinterpret_cast<const uint4*>(src)[v];
    done = vecs * 16;
  }
  for (size_t i = done + threadIdx.x; i < bytes; i += blockDim.x) dst[i] = src[i];
}

// Push my stage to every counterpart's slot, with its data signal.
__device__ bool pushStage(const PortArgs& a, uint32_t bytes) {
  __threadfence_system();  // the block's stage writes, ordered by __syncthreads before
  bool ok = true;
  for (int m = 0; m < a.nodes; ++m)
    if (!isMe(a, m)) ok = a.data[m].putWithSignal(0, 0, bytes) && ok;
  return ok;
}

// One block: acks of the previous chunk, stage copy, puts, wait for data.
__global__ void __launch_bounds__(kSendThreads) portSend(const __grid_constant__ PortArgs a,
                                                         const char* src, size_t bytes,
                                                         bool waitAcks) {
  __shared__ int ok;
  if (threadIdx.x == 0) ok = waitAcks ? waitEach(a, a.ack) : 1;
  __syncthreads();
  if (!ok) return;
  blockCopyBytes(a.stage, src, bytes);
  __syncthreads();
  if (threadIdx.x == 0 && pushStage(a, static_cast<uint32_t>(bytes))) (void)waitEach(a, a.data);
}

// buf[j] = op over nodes 0..M-1 of (mine: buf[j], node m: slot m [j]).
template <typename T, ReduceOp Op>
__global__ void __launch_bounds__(kWorkThreads) portReduce(const __grid_constant__ PortArgs a,
                                                           T* buf, size_t n) {
  using A = typename Acc<T>::type;
  const size_t stride = static_cast<size_t>(gridDim.x) * blockDim.x;
  for (size_t j = blockIdx.x * blockDim.x + threadIdx.x; j < n; j += stride) {
    A acc{};
    for (int m = 0; m < a.nodes; ++m) {
      const T v = isMe(a, m) ? buf[j]
                             : reinterpret_cast<const T*>(a.slots + m * kPortChunkBytes)[j];
      acc = m == 0 ? Acc<T>::widen(v) : Combine<Op>::apply(acc, Acc<T>::widen(v));
    }
    buf[j] = Acc<T>::narrow(finish<Op>(acc, a.nranks));
  }
}

// Node m's chunk [offset, offset + bytes) of its block into recv.
__global__ void __launch_bounds__(kWorkThreads) portUnpack(const __grid_constant__ PortArgs a,
                                                           char* recv, size_t blockBytes,
                                                           size_t offset, size_t bytes) {
  const PortSlice s = portUnpackSlice(bytes, gridDim.x, blockIdx.x);
  if (s.bytes == 0) return;
  for (int m = 0; m < a.nodes; ++m) {
    if (isMe(a, m)) continue;
    const char* src = a.slots + m * kPortChunkBytes;
    char* dst = recv + static_cast<size_t>(m) * blockBytes + offset;
    blockCopyBytes(dst + s.begin, src + s.begin, s.bytes);
  }
}

__global__ void portAck(const __grid_constant__ PortArgs a) {
  for (int m = 0; m < a.nodes; ++m)
    if (!isMe(a, m)) (void)a.ack[m].signal();
}

__global__ void portWaitAcks(const __grid_constant__ PortArgs a) { (void)waitEach(a, a.ack); }

int workBlocks(size_t bytes) { return portWorkBlocks(bytes, kWorkThreads, kMaxWorkBlocks); }

// Forces the load of a kernel (cudaFuncGetAttributes loads it under lazy
// module loading), so that no launch of the cross-node path loads a module
// while a port kernel of the same call spins on the device.
template <typename K>
void preload(K* kernel) {
  cudaFuncAttributes attr{};
  LCCL_CUDA_CHECK(cudaFuncGetAttributes(&attr, reinterpret_cast<const void*>(kernel)));
}

template <typename T>
void preloadReduce() {
  preload(portReduce<T, ReduceOp::Sum>);
  preload(portReduce<T, ReduceOp::Prod>);
  preload(portReduce<T, ReduceOp::Max>);
  preload(portReduce<T, ReduceOp::Min>);
  preload(portReduce<T, ReduceOp::Avg>);
}

template <typename T, ReduceOp Op>
void reduceTyped(const PortArgs& a, char* buf, size_t bytes, cudaStream_t s) {
  portReduce<T, Op><<<workBlocks(bytes), kWorkThreads, 0, s>>>(a, reinterpret_cast<T*>(buf),
                                                                bytes / sizeof(T));
}

template <typename T>
void reduceOp(const PortArgs& a, char* buf, size_t bytes, ReduceOp op, cudaStream_t s) {
  switch (op) {
    case ReduceOp::Sum: return reduceTyped<T, ReduceOp::Sum>(a, buf, bytes, s);
    case ReduceOp::Prod: return reduceTyped<T, ReduceOp::Prod>(a, buf, bytes, s);
    case ReduceOp::Max: return reduceTyped<T, ReduceOp::Max>(a, buf, bytes, s);
    case ReduceOp::Min: return reduceTyped<T, ReduceOp::Min>(a, buf, bytes, s);
    case ReduceOp::Avg: return reduceTyped<T, ReduceOp::Avg>(a, buf, bytes, s);
    default: return;
  }
}

}  // namespace

void preloadPortKernels() {
  preload(portSend);
  preload(portUnpack);
  preload(portAck);
  preload(portWaitAcks);
  preloadReduce<int8_t>();
  preloadReduce<uint8_t>();
  preloadReduce<int32_t>();
  preloadReduce<uint32_t>();
  preloadReduce<int64_t>();
  preloadReduce<uint64_t>();
  preloadReduce<__half>();
  preloadReduce<float>();
  preloadReduce<double>();
  preloadReduce<__nv_bfloat16>();
  preloadReduce<__nv_fp8_e4m3>();
  preloadReduce<__nv_fp8_e5m2>();
}

void launchPortSend(const PortArgs& a, const char* src, size_t bytes, bool waitAcks, cudaStream_t s) {
  portSend<<<1, kSendThreads, 0, s>>>(a, src, bytes, waitAcks);
}

void launchPortReduce(const PortArgs& a, char* buf, size_t bytes, DataType type, ReduceOp op,
                      cudaStream_t s) {
  switch (type) {
    case DataType::Int8: return reduceOp<int8_t>(a, buf, bytes, op, s);
    case DataType::Uint8: return reduceOp<uint8_t>(a, buf, bytes, op, s);
    case DataType::Int32: return reduceOp<int32_t>(a, buf, bytes, op, s);
    case DataType::Uint32: return reduceOp<uint32_t>(a, buf, bytes, op, s);
    case DataType::Int64: return reduceOp<int64_t>(a, buf, bytes, op, s);
    case DataType::Uint64: return reduceOp<uint64_t>(a, buf, bytes, op, s);
    case DataType::Float16: return reduceOp<__half>(a, buf, bytes, op, s);
    case DataType::Float32: return reduceOp<float>(a, buf, bytes, op, s);
    case DataType::Float64: return reduceOp<double>(a, buf, bytes, op, s);
    case DataType::BFloat16: return reduceOp<__nv_bfloat16>(a, buf, bytes, op, s);
    case DataType::Fp8E4M3: return reduceOp<__nv_fp8_e4m3>(a, buf, bytes, op, s);
    case DataType::Fp8E5M2: return reduceOp<__nv_fp8_e5m2>(a, buf, bytes, op, s);
    default: return;
  }
}

void launchPortUnpack(const PortArgs& a, char* recv, size_t blockBytes, size_t offset, size_t bytes,
                      cudaStream_t s) {
  portUnpack<<<workBlocks(bytes), kWorkThreads, 0, s>>>(a, recv, blockBytes, offset, bytes);
}

void launchPortAck(const PortArgs& a, cudaStream_t s) { portAck<<<1, 1, 0, s>>>(a); }
void launchPortWaitAcks(const PortArgs& a, cudaStream_t s) { portWaitAcks<<<1, 1, 0, s>>>(a); }

}  // namespace lccl::detail
