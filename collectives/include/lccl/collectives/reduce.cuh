// Element-wise reduction on 8- and 16-byte packs, for every type and op.
//
// Accumulation type: fp16, bf16 and both fp8 formats are widened to fp32, the
// N inputs are combined in rank order 0..N-1 and the result is rounded once;
// every rank therefore produces bit-identical results. Integer and fp32/fp64
// types accumulate in their own type. Avg is the Sum divided by N at the end
// (integer division for integer types, as NCCL does).
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>

#include <cstdint>

#include "lccl/collectives.hpp"

namespace lccl::detail {

template <typename T>
struct Acc {
  using type = T;
  static __device__ __forceinline__ T widen(T v) { return v; }
  static __device__ __forceinline__ T narrow(T v) { return v; }
};
template <>
struct Acc<__half> {
  using type = float;
  static __device__ __forceinline__ float widen(__half v) { return __half2float(v); }
  static __device__ __forceinline__ __half narrow(float v) { return __float2half_rn(v); }
};
template <>
struct Acc<__nv_bfloat16> {
  using type = float;
  static __device__ __forceinline__ float widen(__nv_bfloat16 v) { return __bfloat162float(v); }
  static __device__ __forceinline__ __nv_bfloat16 narrow(float v) { return __float2bfloat16_rn(v); }
};
template <>
struct Acc<__nv_fp8_e4m3> {
  using type = float;
  static __device__ __forceinline__ float widen(__nv_fp8_e4m3 v) { return float(v); }
  static __device__ __forceinline__ __nv_fp8_e4m3 narrow(float v) { return __nv_fp8_e4m3(v); }
};
template <>
struct Acc<__nv_fp8_e5m2> {
  using type = float;
  static __device__ __forceinline__ float widen(__nv_fp8_e5m2 v) { return float(v); }
  static __device__ __forceinline__ __nv_fp8_e5m2 narrow(float v) { return __nv_fp8_e5m2(v); }
};

template <ReduceOp Op>
struct Combine {
  template <typename A>
  static __device__ __forceinline__ A apply(A a, A b) {
    if constexpr (Op == ReduceOp::Prod) return a * b;
    else if constexpr (Op == ReduceOp::Max) return b > a ? b : a;
    else if constexpr (Op == ReduceOp::Min) return b < a ? b : a;
    else return a + b;  // Sum, Avg (divided at the end)
  }
};

template <ReduceOp Op, typename A>
__device__ __forceinline__ A finish(A v, int nranks) {
  if constexpr (Op == ReduceOp::Avg) return v / static_cast<A>(nranks);
  else return v;
}

// A pack of `Bytes` bytes viewed as elements of T.
template <typename T, int Bytes>
union Pack {
  static constexpr int kElems = Bytes / static_cast<int>(sizeof(T));
  T e[kElems];
  typename std::conditional<Bytes == 16, uint4, uint2>::type raw;
};

// Accumulator over a pack: widen, combine in order, narrow.
template <typename T, ReduceOp Op, int Bytes>
struct PackReducer {
  using A = typename Acc<T>::type;
  static constexpr int kElems = Pack<T, Bytes>::kElems;
  A acc[kElems];

  __device__ __forceinline__ void first(const Pack<T, Bytes>& p) {
#pragma unroll
    for (int i = 0; i < kElems; ++i) acc[i] = Acc<T>::widen(p.e[i]);
  }
  __device__ __forceinline__ void add(const Pack<T, Bytes>& p) {
#pragma unroll
    for (int i = 0; i < kElems; ++i) acc[i] = Combine<Op>::apply(acc[i], Acc<T>::widen(p.e[i]));
  }
  __device__ __forceinline__ Pack<T, Bytes> result(int nranks) const {
    Pack<T, Bytes> out;
#pragma unroll
    for (int i = 0; i < kElems; ++i) out.e[i] = Acc<T>::narrow(finish<Op>(acc[i], nranks));
    return out;
  }
};

}  // namespace lccl::detail
