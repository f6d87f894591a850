#include "types.hpp"

#include <string>

#include "lccl/errors.hpp"

namespace lccl::nccl {
namespace {

struct TypeRow {
  ncclDataType_t nccl;
  DataType lccl;
  size_t bytes;
  const char* name;
};

// Indexed by ncclDataType_t (the aliases ncclChar, ncclInt, ncclHalf,
// ncclFloat and ncclDouble share their rows).
constexpr TypeRow kTypes[] = {
    {ncclInt8, DataType::Int8, 1, "int8"},
    {ncclUint8, DataType::Uint8, 1, "uint8"},
    {ncclInt32, DataType::Int32, 4, "int32"},
    {ncclUint32, DataType::Uint32, 4, "uint32"},
    {ncclInt64, DataType::Int64, 8, "int64"},
    {ncclUint64, DataType::Uint64, 8, "uint64"},
    {ncclFloat16, DataType::Float16, 2, "half"},
    {ncclFloat32, DataType::Float32, 4, "float"},
    {ncclFloat64, DataType::Float64, 8, "double"},
    {ncclBfloat16, DataType::BFloat16, 2, "bfloat16"},
    {ncclFloat8e4m3, DataType::Fp8E4M3, 1, "f8e4m3"},
    {ncclFloat8e5m2, DataType::Fp8E5M2, 1, "f8e5m2"},
};
static_assert(sizeof(kTypes) / sizeof(kTypes[0]) == ncclNumTypes, "one row per NCCL data type");

struct OpRow {
  ncclRedOp_t nccl;
  ReduceOp lccl;
  const char* name;
};
constexpr OpRow kOps[] = {
    {ncclSum, ReduceOp::Sum, "sum"}, {ncclProd, ReduceOp::Prod, "prod"},
    {ncclMax, ReduceOp::Max, "max"}, {ncclMin, ReduceOp::Min, "min"},
    {ncclAvg, ReduceOp::Avg, "avg"},
};
static_assert(sizeof(kOps) / sizeof(kOps[0]) == ncclNumOps, "one row per built-in operator");

bool validType(ncclDataType_t t) { return static_cast<int>(t) >= 0 && t < ncclNumTypes; }

}  // namespace

DataType toDataType(ncclDataType_t type, const char* call) {
  if (!validType(type))
    throw InvalidArgumentError(ErrorSite{call}, "invalid data type " +
                                                    std::to_string(static_cast<int>(type)) +
                                                    " (valid: 0.." +
                                                    std::to_string(ncclNumTypes - 1) + ")");
  return kTypes[type].lccl;
}

size_t ncclTypeSize(ncclDataType_t type) { return validType(type) ? kTypes[type].bytes : 0; }

const char* ncclTypeName(ncclDataType_t type) {
  return validType(type) ? kTypes[type].name : "unknown";
}

bool isBuiltinOp(ncclRedOp_t op) { return static_cast<int>(op) >= 0 && op < ncclNumOps; }

ReduceOp toReduceOp(ncclRedOp_t op, const char* call) {
  if (!isBuiltinOp(op))
    throw InvalidArgumentError(ErrorSite{call}, "invalid reduction operator " +
                                                    std::to_string(static_cast<int>(op)));
  return kOps[op].lccl;
}

const char* ncclOpName(ncclRedOp_t op) {
  return isBuiltinOp(op) ? kOps[op].name : "custom";
}

}  // namespace lccl::nccl
