// lccl/executors/plan_library.hpp — a set of checked plans and the choice
// among them for one call (collective, ranks, reduce op, in place, bytes).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lccl/executors/diagnostics.hpp"
#include "lccl/executors/plan.hpp"

namespace lccl::plan {

struct PlanQuery {
  Collective collective = Collective::AllReduce;
  int nranks = 0;
  ReduceKind reduce = ReduceKind::None;  // ignored for collectives that do not reduce
  bool inplace = false;
  uint64_t bytes = 0;  // each rank's input buffer
  int root = -1;       // broadcast / reduce
};

class PlanLibrary {
 public:
  // Adds a plan file if it parses and checks; else reports why and adds nothing.
  bool addText(std::string_view text, Diagnostics& diags);
  bool addFile(const std::string& path, Diagnostics& diags);

  // The first added plan that serves `q` (its variant covering q.bytes), or nullptr.
  const Plan* find(const PlanQuery& q) const;
  size_t size() const { return files_.size(); }

 private:
  std::vector<PlanFile> files_;
};

}  // namespace lccl::plan
