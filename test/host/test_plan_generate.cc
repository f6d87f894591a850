// The generators: every algorithm, protocol and rank count 2..16 gives a plan
// that checks and simulates; output is deterministic; executors/plans holds
// exactly the shipped set, byte for byte as generated now.
#include <gtest/gtest.h>

#include <set>

#include "lccl/errors.hpp"
#include "lccl/executors/generate.hpp"
#include "test_plan_util.hpp"

namespace {

using namespace lccl::plan;
using plantest::fs::path;

path plansDir() { return plantest::sourceRoot() / "executors/plans"; }

class PlanGenerate : public ::testing::TestWithParam<std::string> {};

TEST_P(PlanGenerate, EveryRankCountChecksAndSimulates) {
  const AlgorithmInfo* info = nullptr;
  for (const auto& a : algorithms())
    if (GetParam() == a.name) info = &a;
  ASSERT_NE(info, nullptr);
  for (int n = 2; n <= 16; ++n)
    for (Protocol p : {Protocol::Simple, Protocol::LL}) {
      if (!info->protocols && p == Protocol::LL) continue;
      GenerateOptions o{info->name, n, p, ReduceKind::Sum, false};
      auto r = plantest::runPipeline(generatePlan(o), 2, 100 + n);
      EXPECT_TRUE(r.valid && r.simulated) << generatedName(o) << "\n" << r.report;
      EXPECT_EQ(r.file.variants[0].plan.nranks, n);
    }
}

std::vector<std::string> algorithmNames() {
  std::vector<std::string> out;
  for (const auto& a : algorithms()) out.push_back(a.name);
  return out;
}

INSTANTIATE_TEST_SUITE_P(Algorithms, PlanGenerate, ::testing::ValuesIn(algorithmNames()),
                         [](const auto& info) { return plantest::testName(info.param); });

TEST(PlanGenerateOptions, IsDeterministic) {
  for (const auto& a : algorithms()) {
    GenerateOptions o{a.name, 6, Protocol::Simple, ReduceKind::Max, false};
    EXPECT_EQ(generatePlan(o), generatePlan(o)) << a.name;
  }
  GenerateOptions x{"allreduce-ring", 4, Protocol::Simple, ReduceKind::Sum, false};
  GenerateOptions y = x;
  y.protocol = Protocol::LL;
  EXPECT_NE(generatePlan(x), generatePlan(y));
}

TEST(PlanGenerateOptions, NamesSayWhatWasGenerated) {
  EXPECT_EQ(generatedName({"allreduce-ring", 4, Protocol::LL, ReduceKind::Sum, false}),
            "allreduce-ring-ll-4");
  EXPECT_EQ(generatedName({"allreduce-ring", 4, Protocol::Simple, ReduceKind::Max, true}),
            "allreduce-ring-simple-4-max-inplace");
  EXPECT_EQ(generatedName({"allgather-direct", 2, Protocol::Simple, ReduceKind::Max, false}),
            "allgather-direct-simple-2");
  EXPECT_EQ(generatedName({"allreduce-auto", 8, Protocol::Simple, ReduceKind::Sum, false}),
            "allreduce-auto-8");
}

TEST(PlanGenerateOptions, RejectsWhatItCannotGenerate) {
  EXPECT_THROW(generatePlan({"allreduce-tree", 4, Protocol::Simple, ReduceKind::Sum, false}),
               lccl::InvalidArgumentError);
  EXPECT_THROW(generatePlan({"allreduce-ring", 1, Protocol::Simple, ReduceKind::Sum, false}),
               lccl::InvalidArgumentError);
  EXPECT_THROW(generatePlan({"allreduce-ring", 65, Protocol::Simple, ReduceKind::Sum, false}),
               lccl::InvalidArgumentError);
  EXPECT_THROW(generatePlan({"alltoall-direct", 4, Protocol::Simple, ReduceKind::Sum, true}),
               lccl::InvalidArgumentError);
}

// Shipped plans: regenerate and compare, then check and simulate each.
class PlanShipped : public ::testing::TestWithParam<GenerateOptions> {};

TEST_P(PlanShipped, MatchesGeneratorAndSimulates) {
  const GenerateOptions& o = GetParam();
  path file = plansDir() / (generatedName(o) + ".json");
  ASSERT_TRUE(plantest::fs::exists(file))
      << file << " is missing: run lccl-plan generate --all executors/plans";
  std::string shipped = plantest::readFile(file);
  EXPECT_TRUE(shipped == generatePlan(o))
      << file << " is stale: run lccl-plan generate --all executors/plans";
  auto r = plantest::runPipeline(shipped, 3, 7);
  EXPECT_TRUE(r.valid && r.simulated) << r.report;
  auto tool = plantest::runTool({"simulate", file.string(), "--ranks", std::to_string(o.nranks)});
  EXPECT_EQ(tool.status, kExitOk) << tool.err;
}

INSTANTIATE_TEST_SUITE_P(Plans, PlanShipped, ::testing::ValuesIn(shippedPlans()),
                         [](const auto& info) {
                           return plantest::testName(generatedName(info.param));
                         });

TEST(PlanShippedSet, HasNoStrayFiles) {
  std::set<std::string> expected;
  for (const auto& o : shippedPlans()) expected.insert(generatedName(o) + ".json");
  for (const auto& f : plantest::filesIn(plansDir(), ".json"))
    EXPECT_TRUE(expected.count(f.filename().string())) << "stray shipped plan " << f;
  EXPECT_EQ(plantest::filesIn(plansDir(), ".json").size(), expected.size());
  std::set<int> ranks;
  for (const auto& o : shippedPlans()) ranks.insert(o.nranks);
  EXPECT_EQ(ranks, (std::set<int>{2, 4, 8}));
}

}  // namespace
