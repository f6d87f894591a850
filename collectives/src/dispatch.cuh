// Host-side dispatch from run-time (type, op) to the kernels' template
// arguments: f is called with a TypeTag<T> / an OpTag<Op> value.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>

#include <cstdint>
#include <type_traits>

#include "lccl/collectives.hpp"

namespace lccl::detail {

template <typename T>
struct TypeTag {
  using type = T;
};
template <ReduceOp Op>
using OpTag = std::integral_constant<ReduceOp, Op>;

// Calls f(TypeTag<T>{}) for the element type of `type`; nothing for an
// unknown type (callers validate before).
template <class F>
void withType(DataType type, F&& f) {
  switch (type) {
    case DataType::Int8: return f(TypeTag<int8_t>{});
    case DataType::Uint8: return f(TypeTag<uint8_t>{});
    case DataType::Int32: return f(TypeTag<int32_t>{});
    case DataType::Uint32: return f(TypeTag<uint32_t>{});
    case DataType::Int64: return f(TypeTag<int64_t>{});
    case DataType::Uint64: return f(TypeTag<uint64_t>{});
    case DataType::Float16: return f(TypeTag<__half>{});
    case DataType::Float32: return f(TypeTag<float>{});
    case DataType::Float64: return f(TypeTag<double>{});
    case DataType::BFloat16: return f(TypeTag<__nv_bfloat16>{});
    case DataType::Fp8E4M3: return f(TypeTag<__nv_fp8_e4m3>{});
    case DataType::Fp8E5M2: return f(TypeTag<__nv_fp8_e5m2>{});
    default: return;
  }
}

// Calls f(OpTag<Op>{}) for the kernels' ops (PreMulSum runs as Sum after
// its own scaling pass; callers map it before).
template <class F>
void withOp(ReduceOp op, F&& f) {
  switch (op) {
    case ReduceOp::Sum: return f(OpTag<ReduceOp::Sum>{});
    case ReduceOp::Prod: return f(OpTag<ReduceOp::Prod>{});
    case ReduceOp::Max: return f(OpTag<ReduceOp::Max>{});
    case ReduceOp::Min: return f(OpTag<ReduceOp::Min>{});
    case ReduceOp::Avg: return f(OpTag<ReduceOp::Avg>{});
    default: return;
  }
}

}  // namespace lccl::detail
