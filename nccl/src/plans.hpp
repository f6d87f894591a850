// plans.hpp — execution plans in the NCCL shim: when LCCL_PLAN_DIR names a
// directory, its plan files (*.json) are loaded once per process, and a
// collective that one of them serves runs through lccl::Executor instead of
// the built-in algorithms. Every rank must see the same plans.
#pragma once

#include <cstddef>
#include <string>

#include "lccl/collectives.hpp"
#include "lccl/executors/plan_library.hpp"

namespace lccl::nccl {

// Adds every *.json file of `dir` (sorted by name) that parses and checks;
// files that do not are logged (WARN) and skipped. Returns the plans added.
size_t loadPlanDir(const std::string& dir, plan::PlanLibrary& lib);

// The library of LCCL_PLAN_DIR, loaded on first use (empty when unset).
const plan::PlanLibrary& planLibrary();

// The plan serving a call (NCCL's count; root -1 unless rooted), or nullptr:
// the executor does not run the collective (executorRuns), none matches the
// collective, ranks, op, in-place-ness and size, or its chunks do not split
// the input into whole elements. An in-place call takes an in-place plan,
// else an out-of-place one (the executor runs it on a copy of the input).
const plan::Plan* findPlan(const plan::PlanLibrary& lib, plan::Collective collective, int nranks,
                           size_t count, DataType type, ReduceOp op, bool inplace, int root);

}  // namespace lccl::nccl
