// paths.hpp (private) — JSON paths of the parts of a parsed plan, for messages.
#pragma once

#include <cstdint>
#include <string>

#include "lccl/executors/plan.hpp"

namespace lccl::plan::detail {

bool srcIsList(OpKind k);  // "srcs": [...] rather than "src"
bool dstIsList(OpKind k);  // "dsts": [...] rather than "dst"

std::string channelPath(const Plan& plan, int rank, int32_t index);  // channels[r][i]
std::string srcPath(const Plan& plan, int rank, uint32_t op,
                    uint32_t i);  // ...ops[k].src / .srcs[i]
std::string dstPath(const Plan& plan, int rank, uint32_t op,
                    uint32_t i);  // ...ops[k].dst / .dsts[i]
std::string chanPath(const Plan& plan, int rank, uint32_t op, uint32_t i);  // ...ops[k].channels[i]

// "rank 1's output chunk 3" / "output chunks 3..4" (rank omitted when < 0).
std::string chunkText(int rank, Buffer b, uint32_t first, uint32_t count);

}  // namespace lccl::plan::detail
