// lccl/executors/check.hpp — semantic validation of a parsed plan.
//
// checkPlan() runs, in order (a stage runs only if the one before found no
// error, so each problem is reported once, at its cause):
//   1. shape: buffer sizes fit the collective (and in-place rules);
//   2. channels: no self-channels; both ends of each connection exist and
//      point at each other; ops use a channel's buffers as declared;
//   3. ops: protocol rules (packets only in LL plans, LL scratch holds only
//      packets), the read-only input, reductions only where the collective
//      reduces;
//   4. semaphores: each channel's signals come from one threadblock and its
//      waits from one; every wait has a matching signal and every signal a
//      wait (counted per channel and direction); every threadblock of a rank
//      passes the same number of barriers;
//   5. analysis (analysis.hpp): an abstract execution finds deadlocks, and a
//      happens-before relation finds racing accesses.
#pragma once

#include <string_view>

#include "lccl/executors/diagnostics.hpp"
#include "lccl/executors/plan.hpp"

namespace lccl::plan {

void checkPlan(const Plan& plan, Diagnostics& diags);
void checkPlanFile(const PlanFile& file, Diagnostics& diags);

// parsePlan + checkPlanFile: true when the text is a valid plan file.
bool loadAndCheck(std::string_view text, PlanFile& out, Diagnostics& diags);

}  // namespace lccl::plan
