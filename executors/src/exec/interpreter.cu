// The interpreter kernel and its type/op dispatch, plus the final division
// of Avg. Non-reducing plans use one instantiation (their ops only copy).
#include <cuda_bf16.h>
#include <algorithm>
#include <cuda_fp16.h>
#include <cuda_fp8.h>

#include "interpreter.cuh"
#include "launch.hpp"

namespace lccl::exec {
namespace {

template <typename T, ReduceOp Red>
__global__ void __launch_bounds__(kThreads) interpretPlan(const __grid_constant__ ExecArgs a) {
  __shared__ char* ptr[plan::kMaxRefsPerOp];
  __shared__ uint32_t flagShared;
  Block blk;
  blk.tb = blockIdx.x % a.numTbs;
  blk.replica = blockIdx.x / a.numTbs;
  replicaSlice(a.chunkBytes, blk.replica, a.replicas, blk.begin, blk.end);
  if (threadIdx.x == 0) flagShared = callFlag(a);
  __syncthreads();
  blk.flag = flagShared;
  const plan::Threadblock tb = a.tbs[blk.tb];
  for (uint32_t i = 0; i < tb.numOps; ++i) {
    blk.opIndex = tb.firstOp + i;
    const Op op = a.ops[blk.opIndex];
    if (!runOp<T, Red>(a, blk, op, ptr)) break;  // a wait failed: the host reports it
    __syncthreads();
  }
  finishCall(a, blk.flag);
}

template <typename T>
__global__ void __launch_bounds__(kThreads) divideBy(T* data, size_t count, int n) {
  using A = typename lccl::detail::Acc<T>::type;
  for (size_t i = blockIdx.x * size_t{blockDim.x} + threadIdx.x; i < count;
       i += size_t{gridDim.x} * blockDim.x)
    data[i] = lccl::detail::Acc<T>::narrow(
        lccl::detail::finish<ReduceOp::Avg>(lccl::detail::Acc<T>::widen(data[i]), n));
}

template <typename T, ReduceOp Red>
void launchTyped(const ExecArgs& a, cudaStream_t s) {
  interpretPlan<T, Red><<<a.numTbs * a.replicas, kThreads, 0, s>>>(a);
}

template <typename T>
void launchOp(const ExecArgs& a, ReduceOp op, cudaStream_t s) {
  switch (op) {
    case ReduceOp::Prod: return launchTyped<T, ReduceOp::Prod>(a, s);
    case ReduceOp::Max: return launchTyped<T, ReduceOp::Max>(a, s);
    case ReduceOp::Min: return launchTyped<T, ReduceOp::Min>(a, s);
    default: return launchTyped<T, ReduceOp::Sum>(a, s);  // Sum; Avg adds, then divideBy
  }
}

template <typename T>
void launchDivide(void* data, size_t bytes, int n, cudaStream_t s) {
  const size_t count = bytes / sizeof(T);
  const size_t blocks = std::min<size_t>((count + kThreads - 1) / kThreads, 1024);
  if (blocks > 0) divideBy<T><<<static_cast<int>(blocks), kThreads, 0, s>>>(static_cast<T*>(data), count, n);
}

}  // namespace

void launchInterpreter(const ExecArgs& a, bool reduces, DataType type, ReduceOp op,
                       cudaStream_t s) {
  if (!reduces) return launchTyped<uint8_t, ReduceOp::Sum>(a, s);
  switch (type) {
    case DataType::Int8: return launchOp<int8_t>(a, op, s);
    case DataType::Uint8: return launchOp<uint8_t>(a, op, s);
    case DataType::Int32: return launchOp<int32_t>(a, op, s);
    case DataType::Uint32: return launchOp<uint32_t>(a, op, s);
    case DataType::Int64: return launchOp<int64_t>(a, op, s);
    case DataType::Uint64: return launchOp<uint64_t>(a, op, s);
    case DataType::Float16: return launchOp<__half>(a, op, s);
    case DataType::Float32: return launchOp<float>(a, op, s);
    case DataType::Float64: return launchOp<double>(a, op, s);
    case DataType::BFloat16: return launchOp<__nv_bfloat16>(a, op, s);
    case DataType::Fp8E4M3: return launchOp<__nv_fp8_e4m3>(a, op, s);
    case DataType::Fp8E5M2: return launchOp<__nv_fp8_e5m2>(a, op, s);
    default: return;
  }
}

void launchAverage(void* data, size_t bytes, DataType type, int nranks, cudaStream_t s) {
  switch (type) {
    case DataType::Int8: return launchDivide<int8_t>(data, bytes, nranks, s);
    case DataType::Uint8: return launchDivide<uint8_t>(data, bytes, nranks, s);
    case DataType::Int32: return launchDivide<int32_t>(data, bytes, nranks, s);
    case DataType::Uint32: return launchDivide<uint32_t>(data, bytes, nranks, s);
    case DataType::Int64: return launchDivide<int64_t>(data, bytes, nranks, s);
    case DataType::Uint64: return launchDivide<uint64_t>(data, bytes, nranks, s);
    case DataType::Float16: return launchDivide<__half>(data, bytes, nranks, s);
    case DataType::Float32: return launchDivide<float>(data, bytes, nranks, s);
    case DataType::Float64: return launchDivide<double>(data, bytes, nranks, s);
    case DataType::BFloat16: return launchDivide<__nv_bfloat16>(data, bytes, nranks, s);
    case DataType::Fp8E4M3: return launchDivide<__nv_fp8_e4m3>(data, bytes, nranks, s);
    case DataType::Fp8E5M2: return launchDivide<__nv_fp8_e5m2>(data, bytes, nranks, s);
    default: return;
  }
}

}  // namespace lccl::exec
