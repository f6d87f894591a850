// check_internal.hpp (private) — the stages of checkPlan() (check.hpp).
#pragma once

#include "lccl/executors/diagnostics.hpp"
#include "lccl/executors/plan.hpp"

namespace lccl::plan::detail {

void checkShape(const Plan& plan, Diagnostics& d);       // check_structure.cc
void checkChannels(const Plan& plan, Diagnostics& d);    // check_structure.cc
void checkOps(const Plan& plan, Diagnostics& d);         // check_ops.cc
void checkSemaphores(const Plan& plan, Diagnostics& d);  // check_semaphores.cc
void checkBarriers(const Plan& plan, Diagnostics& d);    // check_semaphores.cc

}  // namespace lccl::plan::detail
