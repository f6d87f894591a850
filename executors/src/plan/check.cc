// checkPlan: the stages in order (check.hpp).
#include "lccl/executors/check.hpp"

#include <exception>

#include "analysis.hpp"
#include "check_internal.hpp"
#include "lccl/executors/plan_json.hpp"

namespace lccl::plan {

void checkPlan(const Plan& plan, Diagnostics& diags) {
  Diagnostics d;
  try {
    using namespace detail;
    checkShape(plan, d);
    if (!d.hasErrors()) checkChannels(plan, d);
    if (!d.hasErrors()) checkOps(plan, d);
    if (!d.hasErrors()) checkSemaphores(plan, d);
    if (!d.hasErrors()) checkBarriers(plan, d);
    if (!d.hasErrors()) analyse(plan, d);
  } catch (const std::exception& e) {  // e.g. bad_alloc on a plan beyond the limits
    d.error(plan.path, std::string("internal error while checking the plan: ") + e.what());
  }
  diags.merge(d);
}

void checkPlanFile(const PlanFile& file, Diagnostics& diags) {
  for (const Variant& v : file.variants) checkPlan(v.plan, diags);
}

bool loadAndCheck(std::string_view text, PlanFile& out, Diagnostics& diags) {
  size_t before = diags.errorCount();
  if (!parsePlan(text, out, diags)) return false;
  checkPlanFile(out, diags);
  return diags.errorCount() == before;
}

}  // namespace lccl::plan
