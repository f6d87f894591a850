// parse_internal.hpp (private) — state shared by the plan parser's files.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "json_reader.hpp"
#include "lccl/executors/plan.hpp"

namespace lccl::plan::detail {

struct ParseContext {
  JsonReader& reader;
  Plan& plan;
  std::vector<std::unordered_map<int64_t, int32_t>> channelIndex;  // per rank: JSON id -> index
  uint64_t totalOps = 0;
  uint64_t totalThreadblocks = 0;
};

// Parses one op object into rank `rank`'s program (appends to ops and refs).
// Returns false (with diagnostics) if it is malformed.
bool parseOp(ParseContext& ctx, int rank, const Json& j, const std::string& path);

}  // namespace lccl::plan::detail
