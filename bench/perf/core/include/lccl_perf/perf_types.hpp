// perf_types.hpp — the names lccl-perf speaks: data types, reduction ops, collectives.
//
// DType and ROp use the numbering of ncclDataType_t / ncclRedOp_t (and of
// lccl::DataType / lccl::ReduceOp), so the backends convert with a cast that
// they check with static_asserts. Names follow nccl-tests' spelling.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace lccl::perf {

enum class DType : int {
  Int8 = 0, Uint8, Int32, Uint32, Int64, Uint64, Half, Float, Double, BFloat16, F8E4M3, F8E5M2,
  Count
};
// Sum..Avg match ncclRedOp_t; None marks collectives that move data without reducing.
enum class ROp : int { Sum = 0, Prod, Max, Min, Avg, None };

enum class Collective : int {
  AllReduce = 0, AllGather, ReduceScatter, Broadcast, Reduce, AllToAll, AllToAllv, SendRecv, M1
};

size_t typeSize(DType t);
const char* typeName(DType t);           // int8 uint8 int32 uint32 int64 uint64 half float double bfloat16 f8e4m3 f8e5m2
bool isFloating(DType t);
bool isSigned(DType t);                  // floating types count as signed
std::optional<DType> parseType(const std::string& name);  // nccl-tests names plus common aliases
std::vector<DType> allTypes();

const char* opName(ROp op);              // sum prod max min avg none
std::optional<ROp> parseOp(const std::string& name);
std::vector<ROp> allOps();               // sum prod max min avg

const char* collectiveName(Collective c);  // the command-line spelling
std::optional<Collective> parseCollective(const std::string& name);
std::vector<Collective> allCollectives();  // every one except M1
bool hasReduceOp(Collective c);            // allreduce, reducescatter, reduce
bool hasRoot(Collective c);                // broadcast, reduce
bool supportsInPlace(Collective c);        // false for alltoall, alltoallv, sendrecv (as nccl-tests)

}  // namespace lccl::perf
