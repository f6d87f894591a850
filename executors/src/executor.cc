// The executors layer's binding of plans to lccl's collective types.
#include "lccl/executors/executor.hpp"

namespace lccl {

std::optional<plan::ReduceKind> planReduceKind(ReduceOp op) {
  switch (op) {
    case ReduceOp::Sum: return plan::ReduceKind::Sum;
    case ReduceOp::Prod: return plan::ReduceKind::Prod;
    case ReduceOp::Max: return plan::ReduceKind::Max;
    case ReduceOp::Min: return plan::ReduceKind::Min;
    case ReduceOp::Avg: return plan::ReduceKind::Avg;
    default: return std::nullopt;
  }
}

plan::PlanQuery planQuery(plan::Collective collective, int nranks, size_t inputCount, DataType type,
                          ReduceOp op, bool inplace, int root) {
  plan::PlanQuery q;
  q.collective = collective;
  q.nranks = nranks;
  q.reduce = planReduceKind(op).value_or(plan::ReduceKind::None);
  q.inplace = inplace;
  q.bytes = static_cast<uint64_t>(inputCount) * dataTypeSize(type);
  q.root = root;
  return q;
}

bool planFitsCall(const plan::Plan& p, size_t inputBytes, DataType type) {
  size_t chunks = p.bufferChunks(plan::Buffer::Input);
  size_t elem = dataTypeSize(type);
  return chunks > 0 && elem > 0 && inputBytes % (chunks * elem) == 0;
}

}  // namespace lccl

namespace lccl {

bool executorRuns(plan::Collective c) {
  return c != plan::Collective::Broadcast && c != plan::Collective::Reduce;
}

size_t planInputCount(plan::Collective c, size_t count, int nranks) {
  const bool perRank = c == plan::Collective::ReduceScatter || c == plan::Collective::AllToAll;
  return perRank ? count * static_cast<size_t>(nranks) : count;
}

bool callInPlace(plan::Collective c, const void* send, const void* recv, size_t count,
                 DataType type, int rank) {
  const size_t shift = static_cast<size_t>(rank) * count * dataTypeSize(type);
  const char* s = static_cast<const char*>(send);
  const char* r = static_cast<const char*>(recv);
  switch (c) {
    case plan::Collective::AllGather: return r != nullptr && s == r + shift;
    case plan::Collective::ReduceScatter: return s != nullptr && r == s + shift;
    case plan::Collective::AllToAll: return false;
    default: return s == r;
  }
}

}  // namespace lccl
