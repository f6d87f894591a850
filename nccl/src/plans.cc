#include "plans.hpp"

#include <dirent.h>

#include <algorithm>
#include <mutex>
#include <vector>

#include "lccl/env.hpp"
#include "lccl/executors/executor.hpp"
#include "lccl/logging.hpp"

namespace lccl::nccl {

size_t loadPlanDir(const std::string& dir, plan::PlanLibrary& lib) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) {
    LCCL_WARN("LCCL_PLAN_DIR=%s: cannot open the directory; no plans loaded", dir.c_str());
    return 0;
  }
  std::vector<std::string> names;
  while (dirent* e = readdir(d)) {
    const std::string n = e->d_name;
    if (n.size() > 5 && n.compare(n.size() - 5, 5, ".json") == 0) names.push_back(n);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  size_t added = 0;
  for (const std::string& n : names) {
    plan::Diagnostics diags;
    if (lib.addFile(dir + "/" + n, diags)) ++added;
    else LCCL_WARN("plan %s/%s skipped:\n%s", dir.c_str(), n.c_str(), diags.format().c_str());
  }
  LCCL_INFO("LCCL_PLAN_DIR=%s: %zu plan files loaded", dir.c_str(), added);
  return added;
}

const plan::PlanLibrary& planLibrary() {
  static plan::PlanLibrary lib;
  static std::once_flag once;
  std::call_once(once, [] {
    const std::string& dir = Env::instance().str("LCCL_PLAN_DIR");
    if (!dir.empty()) loadPlanDir(dir, lib);
  });
  return lib;
}

const plan::Plan* findPlan(const plan::PlanLibrary& lib, plan::Collective collective, int nranks,
                           size_t count, DataType type, ReduceOp op, bool inplace, int root) {
  if (lib.size() == 0 || !planReduceKind(op) || !executorRuns(collective)) return nullptr;
  const size_t inputCount = planInputCount(collective, count, nranks);
  const size_t bytes = inputCount * dataTypeSize(type);
  const plan::Plan* p = lib.find(planQuery(collective, nranks, inputCount, type, op, inplace, root));
  if (p != nullptr && planFitsCall(*p, bytes, type)) return p;
  if (!inplace || collective == plan::Collective::AllToAll) return nullptr;
  // An in-place call can run an out-of-place plan on a copy of its input.
  p = lib.find(planQuery(collective, nranks, inputCount, type, op, false, root));
  return p != nullptr && planFitsCall(*p, bytes, type) ? p : nullptr;
}

}  // namespace lccl::nccl
