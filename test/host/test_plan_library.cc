// PlanLibrary: only checked plans get in; lookup by collective, ranks,
// reduce op, in place and message size (variants).
#include <gtest/gtest.h>

#include "lccl/executors/generate.hpp"
#include "lccl/executors/plan_library.hpp"
#include "test_plan_util.hpp"

namespace {

using namespace lccl::plan;

TEST(PlanLibrary, FindsThePlanServingACall) {
  PlanLibrary lib;
  Diagnostics d;
  ASSERT_TRUE(
      lib.addFile((plantest::sourceRoot() / "executors/plans/allreduce-auto-4.json").string(), d))
      << d.format();
  ASSERT_TRUE(
      lib.addText(generatePlan({"allgather-direct", 4, Protocol::LL, ReduceKind::Sum, false}), d));
  EXPECT_EQ(lib.size(), 2u);
  PlanQuery q{Collective::AllReduce, 4, ReduceKind::Sum, false, 1024, -1};
  ASSERT_NE(lib.find(q), nullptr);
  EXPECT_EQ(lib.find(q)->protocol, Protocol::LL);
  q.bytes = 1 << 20;
  ASSERT_NE(lib.find(q), nullptr);
  EXPECT_EQ(lib.find(q)->protocol, Protocol::Simple);
  q.reduce = ReduceKind::Max;
  EXPECT_EQ(lib.find(q), nullptr);
  q.reduce = ReduceKind::Sum;
  q.nranks = 8;
  EXPECT_EQ(lib.find(q), nullptr);
  q.nranks = 4;
  q.inplace = true;
  EXPECT_EQ(lib.find(q), nullptr);
  PlanQuery g{Collective::AllGather, 4, ReduceKind::None, false, 64, -1};
  ASSERT_NE(lib.find(g), nullptr);
  EXPECT_EQ(lib.find(g)->name, "allgather-direct-ll-4");
}

TEST(PlanLibrary, RefusesInvalidPlans) {
  PlanLibrary lib;
  Diagnostics d;
  std::string bad = plantest::readFile(plantest::sourceRoot() / "test/plans/broken/deadlock.json");
  EXPECT_FALSE(lib.addText(bad, d));
  EXPECT_TRUE(d.hasErrors());
  EXPECT_FALSE(lib.addFile("/nonexistent.json", d));
  EXPECT_EQ(lib.size(), 0u);
}

}  // namespace
