#include "paths.hpp"

namespace lccl::plan::detail {

bool srcIsList(OpKind k) {
  return k == OpKind::Reduce || k == OpKind::ReadReduceCopy || k == OpKind::ReducePackets;
}

bool dstIsList(OpKind k) { return k == OpKind::ReadReduceCopy; }

std::string channelPath(const Plan& plan, int rank, int32_t index) {
  return plan.path + "channels[" + std::to_string(rank) + "][" + std::to_string(index) + "]";
}

std::string srcPath(const Plan& plan, int rank, uint32_t op, uint32_t i) {
  OpKind k = plan.ranks[rank].ops[op].kind;
  return opPath(plan, rank, op) + (srcIsList(k) ? ".srcs[" + std::to_string(i) + "]" : ".src");
}

std::string dstPath(const Plan& plan, int rank, uint32_t op, uint32_t i) {
  OpKind k = plan.ranks[rank].ops[op].kind;
  return opPath(plan, rank, op) + (dstIsList(k) ? ".dsts[" + std::to_string(i) + "]" : ".dst");
}

std::string chanPath(const Plan& plan, int rank, uint32_t op, uint32_t i) {
  return opPath(plan, rank, op) + ".channels[" + std::to_string(i) + "]";
}

std::string chunkText(int rank, Buffer b, uint32_t first, uint32_t count) {
  std::string out = rank >= 0 ? "rank " + std::to_string(rank) + "'s " : std::string();
  out += bufferName(b);
  if (count == 1) return out + " chunk " + std::to_string(first);
  return out + " chunks " + std::to_string(first) + ".." + std::to_string(first + count - 1);
}

}  // namespace lccl::plan::detail
