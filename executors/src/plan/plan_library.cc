#include "lccl/executors/plan_library.hpp"

#include "lccl/executors/check.hpp"
#include "lccl/executors/plan_json.hpp"

namespace lccl::plan {

bool PlanLibrary::addText(std::string_view text, Diagnostics& diags) {
  PlanFile file;
  if (!loadAndCheck(text, file, diags)) return false;
  files_.push_back(std::move(file));
  return true;
}

bool PlanLibrary::addFile(const std::string& path, Diagnostics& diags) {
  std::string text, error;
  if (!readTextFile(path, text, error)) {
    diags.error("", error);
    return false;
  }
  return addText(text, diags);
}

const Plan* PlanLibrary::find(const PlanQuery& q) const {
  for (const PlanFile& f : files_) {
    const Plan* p = f.select(q.bytes);
    if (!p || p->collective != q.collective || p->nranks != q.nranks || p->inplace != q.inplace)
      continue;
    if (collectiveReduces(p->collective) && p->reduce != q.reduce) continue;
    if (p->root != q.root &&
        (p->collective == Collective::Broadcast || p->collective == Collective::Reduce))
      continue;
    return p;
  }
  return nullptr;
}

}  // namespace lccl::plan
