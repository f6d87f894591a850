// lccl/executors/show.hpp — a plan as a readable listing (lccl-plan show).
#pragma once

#include <string>

#include "lccl/executors/plan.hpp"

namespace lccl::plan {

std::string showPlan(const Plan& plan);
std::string showPlanFile(const PlanFile& file);  // every variant, with its size range

}  // namespace lccl::plan
