// lccl/executors/executor.hpp — plans bound to lccl's collective calls.
//
// The plan core (plan.hpp and friends, target lccl_plan_core) knows nothing
// of lccl's DataType/ReduceOp; this layer maps a collective call onto a plan
// query. The GPU interpreter that runs a Plan's flat op arrays with
// MemoryChannels will live here too (docs/plan-format.md, "Execution model").
#pragma once

#include <cstddef>
#include <optional>

#include "lccl/collectives.hpp"
#include "lccl/executors/plan_library.hpp"

namespace lccl {

// The plan reduce kind of a ReduceOp; nullopt for PreMulSum (plans do not scale).
std::optional<plan::ReduceKind> planReduceKind(ReduceOp op);

// The query for a call; `bytes` is count * dataTypeSize(type) of each rank's input.
plan::PlanQuery planQuery(plan::Collective collective, int nranks, size_t inputCount, DataType type,
                          ReduceOp op, bool inplace, int root = -1);

// Whether a plan can serve a call whose input holds `inputBytes` of `type`:
// chunks must split the input into whole elements.
bool planFitsCall(const plan::Plan& plan, size_t inputBytes, DataType type);

}  // namespace lccl
