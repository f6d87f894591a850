// Names, paths and buffer aliasing of the in-memory plan (plan.hpp).
#include <algorithm>

#include "lccl/executors/plan.hpp"

namespace lccl::plan {

const char* collectiveName(Collective c) {
  switch (c) {
    case Collective::AllReduce: return "allreduce";
    case Collective::AllGather: return "allgather";
    case Collective::ReduceScatter: return "reducescatter";
    case Collective::AllToAll: return "alltoall";
    case Collective::Broadcast: return "broadcast";
    case Collective::Reduce: return "reduce";
  }
  return "?";
}

const char* protocolName(Protocol p) { return p == Protocol::LL ? "LL" : "simple"; }

const char* reduceKindName(ReduceKind r) {
  switch (r) {
    case ReduceKind::None: return "none";
    case ReduceKind::Sum: return "sum";
    case ReduceKind::Prod: return "prod";
    case ReduceKind::Max: return "max";
    case ReduceKind::Min: return "min";
    case ReduceKind::Avg: return "avg";
  }
  return "?";
}

const char* bufferName(Buffer b) {
  switch (b) {
    case Buffer::Input: return "input";
    case Buffer::Output: return "output";
    case Buffer::Scratch: return "scratch";
  }
  return "?";
}

const char* opKindName(OpKind k) {
  static const char* const names[kNumOpKinds] = {
      "put",         "get",          "signal",         "wait",
      "flush",       "copy",         "reduce",         "read-reduce-copy",
      "put-packets", "read-packets", "reduce-packets", "barrier"};
  int i = static_cast<int>(k);
  return i >= 0 && i < kNumOpKinds ? names[i] : "?";
}

bool collectiveReduces(Collective c) {
  return c == Collective::AllReduce || c == Collective::ReduceScatter || c == Collective::Reduce;
}

uint32_t threadblockOf(const RankProgram& prog, uint32_t opIndex) {
  auto it = std::upper_bound(prog.threadblocks.begin(), prog.threadblocks.end(), opIndex,
                             [](uint32_t i, const Threadblock& tb) { return i < tb.firstOp; });
  // Empty threadblocks share firstOp with the next one: step back to the one holding opIndex.
  while (it != prog.threadblocks.begin()) {
    --it;
    if (opIndex < it->firstOp + it->numOps) break;
  }
  return static_cast<uint32_t>(it - prog.threadblocks.begin());
}

std::string opPath(const Plan& plan, int rank, uint32_t opIndex) {
  const RankProgram& prog = plan.ranks[rank];
  uint32_t tb = threadblockOf(prog, opIndex);
  return plan.path + "ranks[" + std::to_string(rank) + "].threadblocks[" + std::to_string(tb) +
         "].ops[" + std::to_string(opIndex - prog.threadblocks[tb].firstOp) + "]";
}

bool aliased(const Plan& plan, Buffer buffer) {
  if (!plan.inplace) return false;
  if (plan.collective == Collective::ReduceScatter) return buffer == Buffer::Output;
  if (plan.collective == Collective::AllToAll) return false;
  return buffer == Buffer::Input;
}

Location resolve(const Plan& plan, int rank, Buffer buffer, uint32_t chunk) {
  if (!aliased(plan, buffer)) return {buffer, chunk};
  switch (plan.collective) {
    case Collective::AllGather:
      return {Buffer::Output, rank * plan.bufferChunks(Buffer::Input) + chunk};
    case Collective::ReduceScatter:
      return {Buffer::Input, rank * plan.bufferChunks(Buffer::Output) + chunk};
    default: return {Buffer::Output, chunk};
  }
}

const Plan* PlanFile::select(uint64_t bytes) const {
  for (const auto& v : variants)
    if (bytes >= v.minBytes && bytes < v.maxBytes) return &v.plan;
  return nullptr;
}

}  // namespace lccl::plan
