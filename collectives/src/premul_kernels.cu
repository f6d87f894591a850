// The pre-multiplication stage of PreMulSum: each rank scales its own input
// by its own scalar into a private buffer, and the collective then sums those
// buffers like any Sum. Scaling at the source is required because the
// scalars differ per rank and a receiver cannot know the sender's.
#include <algorithm>
#include <cstring>

#include "launch.hpp"
#include "lccl/collectives/reduce.cuh"
#include "lccl/primitives/arch/ptx.hpp"

namespace lccl::detail {
namespace {

// x * s rounded to T: computed in the accumulation type (exact for fp16,
// bf16 and fp8, whose products fit an fp32 significand), then narrowed, which
// equals multiplying in T as NCCL does.
template <typename T>
__device__ __forceinline__ T scaled(T x, typename Acc<T>::type s) {
  return Acc<T>::narrow(static_cast<typename Acc<T>::type>(Acc<T>::widen(x) * s));
}

template <typename T>
__device__ __forceinline__ typename Acc<T>::type scalarOf(const PreMulArgs& a) {
  T s;
  if (a.scalarDev) s = *static_cast<const T*>(a.scalarDev);
  else memcpy(&s, &a.scalarBits, sizeof(T));
  return Acc<T>::widen(s);
}

// dst piece p = src piece p * scalar, for `pieces` pieces of `bytes` bytes.
template <typename T>
__global__ void __launch_bounds__(kThreads) preMultiply(const __grid_constant__ PreMulArgs a) {
  const auto s = scalarOf<T>(a);
  const size_t thread = blockIdx.x * blockDim.x + threadIdx.x;
  const size_t threads = static_cast<size_t>(gridDim.x) * blockDim.x;
  constexpr int kPer = 16 / sizeof(T);
  for (int p = 0; p < a.pieces; ++p) {
    const char* src = a.src + static_cast<size_t>(p) * a.srcStride;
    char* dst = a.dst + static_cast<size_t>(p) * a.dstStride;
    const bool vec = ((reinterpret_cast<uintptr_t>(src) | reinterpret_cast<uintptr_t>(dst)) & 15u) == 0;
    const size_t vecs = vec ? a.bytes / 16 : 0;
    for (size_t v = thread; v < vecs; v += threads) {
      Pack<T, 16> x;
      x.raw = arch::loadGlobal128(reinterpret_cast<const uint4*>(src) + v);
#pragma unroll
      for (int i = 0; i < kPer; ++i) x.e[i] = scaled(x.e[i], s);
      arch::storeGlobal128(reinterpret_cast<uint4*>(dst) + v, x.raw);
    }
    const size_t elems = a.bytes / sizeof(T);
    for (size_t i = vecs * kPer + thread; i < elems; i += threads)
      reinterpret_cast<T*>(dst)[i] = scaled(reinterpret_cast<const T*>(src)[i], s);
  }
}

template <typename T>
void launchT(const PreMulArgs& a, cudaStream_t s) {
  const size_t vecs = (a.bytes + 15) / 16 * static_cast<size_t>(a.pieces);
  const int blocks = static_cast<int>(std::min<size_t>((vecs + kThreads - 1) / kThreads, 132));
  preMultiply<T><<<blocks > 0 ? blocks : 1, kThreads, 0, s>>>(a);
}

}  // namespace

void launchPreMultiply(DataType type, const PreMulArgs& a, cudaStream_t s) {
  switch (type) {
    case DataType::Int8: return launchT<int8_t>(a, s);
    case DataType::Uint8: return launchT<uint8_t>(a, s);
    case DataType::Int32: return launchT<int32_t>(a, s);
    case DataType::Uint32: return launchT<uint32_t>(a, s);
    case DataType::Int64: return launchT<int64_t>(a, s);
    case DataType::Uint64: return launchT<uint64_t>(a, s);
    case DataType::Float16: return launchT<__half>(a, s);
    case DataType::Float32: return launchT<float>(a, s);
    case DataType::Float64: return launchT<double>(a, s);
    case DataType::BFloat16: return launchT<__nv_bfloat16>(a, s);
    case DataType::Fp8E4M3: return launchT<__nv_fp8_e4m3>(a, s);
    case DataType::Fp8E5M2: return launchT<__nv_fp8_e5m2>(a, s);
    default: return;
  }
}

}  // namespace lccl::detail
