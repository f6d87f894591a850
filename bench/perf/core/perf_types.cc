#include "lccl_perf/perf_types.hpp"

#include <cstring>

namespace lccl::perf {
namespace {

struct TypeInfo {
  const char* name;
  size_t size;
  bool floating;
  bool isSigned;
};

constexpr TypeInfo kTypes[] = {
    {"int8", 1, false, true},     {"uint8", 1, false, false}, {"int32", 4, false, true},
    {"uint32", 4, false, false},  {"int64", 8, false, true},  {"uint64", 8, false, false},
    {"half", 2, true, true},      {"float", 4, true, true},   {"double", 8, true, true},
    {"bfloat16", 2, true, true},  {"f8e4m3", 1, true, true},  {"f8e5m2", 1, true, true},
};
static_assert(sizeof(kTypes) / sizeof(kTypes[0]) == static_cast<size_t>(DType::Count));

struct Alias {
  const char* name;
  DType type;
};
constexpr Alias kTypeAliases[] = {
    {"char", DType::Int8},       {"int", DType::Int32},         {"float16", DType::Half},
    {"fp16", DType::Half},       {"float32", DType::Float},     {"fp32", DType::Float},
    {"float64", DType::Double},  {"fp64", DType::Double},       {"bf16", DType::BFloat16},
    {"fp8e4m3", DType::F8E4M3},  {"e4m3", DType::F8E4M3},       {"float8e4m3", DType::F8E4M3},
    {"fp8e5m2", DType::F8E5M2},  {"e5m2", DType::F8E5M2},       {"float8e5m2", DType::F8E5M2},
};

constexpr const char* kOpNames[] = {"sum", "prod", "max", "min", "avg", "none"};
constexpr const char* kCollNames[] = {"allreduce", "allgather", "reducescatter", "broadcast",
                                      "reduce",    "alltoall",  "alltoallv",     "sendrecv", "m1"};

const TypeInfo& info(DType t) { return kTypes[static_cast<int>(t)]; }

}  // namespace

size_t typeSize(DType t) { return info(t).size; }
const char* typeName(DType t) { return info(t).name; }
bool isFloating(DType t) { return info(t).floating; }
bool isSigned(DType t) { return info(t).isSigned; }

std::optional<DType> parseType(const std::string& name) {
  for (int i = 0; i < static_cast<int>(DType::Count); ++i)
    if (name == kTypes[i].name) return static_cast<DType>(i);
  for (const Alias& a : kTypeAliases)
    if (name == a.name) return a.type;
  return std::nullopt;
}

std::vector<DType> allTypes() {
  std::vector<DType> v;
  for (int i = 0; i < static_cast<int>(DType::Count); ++i) v.push_back(static_cast<DType>(i));
  return v;
}

const char* opName(ROp op) { return kOpNames[static_cast<int>(op)]; }

std::optional<ROp> parseOp(const std::string& name) {
  for (ROp op : allOps())
    if (name == opName(op)) return op;
  return std::nullopt;
}

std::vector<ROp> allOps() { return {ROp::Sum, ROp::Prod, ROp::Max, ROp::Min, ROp::Avg}; }

const char* collectiveName(Collective c) { return kCollNames[static_cast<int>(c)]; }

std::optional<Collective> parseCollective(const std::string& name) {
  for (int i = 0; i <= static_cast<int>(Collective::M1); ++i)
    if (name == kCollNames[i]) return static_cast<Collective>(i);
  return std::nullopt;
}

std::vector<Collective> allCollectives() {
  std::vector<Collective> v;
  for (int i = 0; i < static_cast<int>(Collective::M1); ++i) v.push_back(static_cast<Collective>(i));
  return v;
}

bool hasReduceOp(Collective c) {
  return c == Collective::AllReduce || c == Collective::ReduceScatter || c == Collective::Reduce;
}
bool hasRoot(Collective c) { return c == Collective::Broadcast || c == Collective::Reduce; }
bool supportsInPlace(Collective c) {
  return c != Collective::AllToAll && c != Collective::AllToAllv && c != Collective::SendRecv;
}

}  // namespace lccl::perf
