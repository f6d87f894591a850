// types.hpp — NCCL's data types and reduction operators in lccl's terms.
#pragma once

#include <cstddef>

#include "lccl/collectives.hpp"
#include "nccl.h"

namespace lccl::nccl {

// Throws InvalidArgumentError naming `call` for a value outside the enum.
DataType toDataType(ncclDataType_t type, const char* call);
size_t ncclTypeSize(ncclDataType_t type);  // 0 for an unknown type

// Built-in operators only (ncclSum .. ncclAvg). Throws InvalidArgumentError
// for anything else; operators made by ncclRedOpCreatePreMulSum are checked by
// the caller, which knows the communicator.
ReduceOp toReduceOp(ncclRedOp_t op, const char* call);
bool isBuiltinOp(ncclRedOp_t op);

const char* ncclTypeName(ncclDataType_t type);
const char* ncclOpName(ncclRedOp_t op);

}  // namespace lccl::nccl
