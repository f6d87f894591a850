// The NCCL shim's plan lookup (LCCL_PLAN_DIR), without a GPU: loading a
// directory of plan files, skipping broken ones, and choosing the plan for a
// call by collective, ranks, op, in-place-ness and size.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "lccl/executors/executor.hpp"
#include "lccl/executors/generate.hpp"
#include "src/plans.hpp"

namespace {

using lccl::DataType;
using lccl::ReduceOp;
using lccl::plan::Collective;

class NcclPlanDir : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/lccl-plans-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    for (const std::string& f : files_) std::remove((dir_ + "/" + f).c_str());
    rmdir(dir_.c_str());
  }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
    files_.push_back(name);
  }
  void writeGenerated(const std::string& algo, int nranks, lccl::plan::Protocol proto,
                      bool inplace = false) {
    lccl::plan::GenerateOptions o;
    o.algorithm = algo;
    o.nranks = nranks;
    o.protocol = proto;
    o.inplace = inplace;
    write(lccl::plan::generatedName(o) + ".json", lccl::plan::generatePlan(o));
  }
  std::string dir_;
  std::vector<std::string> files_;
};

TEST_F(NcclPlanDir, LoadsValidFilesAndSkipsBrokenOnes) {
  writeGenerated("allreduce-ring", 4, lccl::plan::Protocol::Simple);
  writeGenerated("allgather-direct", 4, lccl::plan::Protocol::LL);
  write("broken.json", "{\"format\": \"lccl-plan\"");
  write("notes.txt", "not a plan");
  lccl::plan::PlanLibrary lib;
  EXPECT_EQ(lccl::nccl::loadPlanDir(dir_, lib), 2u);
  EXPECT_EQ(lib.size(), 2u);
}

TEST_F(NcclPlanDir, MissingDirectoryLoadsNothing) {
  lccl::plan::PlanLibrary lib;
  EXPECT_EQ(lccl::nccl::loadPlanDir(dir_ + "/absent", lib), 0u);
}

TEST_F(NcclPlanDir, FindsThePlanServingACall) {
  writeGenerated("allreduce-ring", 4, lccl::plan::Protocol::Simple);
  writeGenerated("allreduce-ring", 4, lccl::plan::Protocol::Simple, /*inplace=*/true);
  writeGenerated("reducescatter-direct", 4, lccl::plan::Protocol::LL);
  lccl::plan::PlanLibrary lib;
  ASSERT_EQ(lccl::nccl::loadPlanDir(dir_, lib), 3u);
  using lccl::nccl::findPlan;
  const auto* p = findPlan(lib, Collective::AllReduce, 4, 1024, DataType::Float32, ReduceOp::Sum,
                           false, -1);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->name, "allreduce-ring-simple-4");
  p = findPlan(lib, Collective::AllReduce, 4, 1024, DataType::BFloat16, ReduceOp::Sum, true, -1);
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(p->inplace);
  // reducescatter: NCCL's count is per rank; the input holds 4x as much.
  p = findPlan(lib, Collective::ReduceScatter, 4, 3, DataType::Int32, ReduceOp::Sum, false, -1);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->collective, Collective::ReduceScatter);
}

TEST_F(NcclPlanDir, NoPlanForOtherOpsRanksSizesOrCollectives) {
  writeGenerated("allreduce-ring", 4, lccl::plan::Protocol::Simple);
  lccl::plan::PlanLibrary lib;
  ASSERT_EQ(lccl::nccl::loadPlanDir(dir_, lib), 1u);
  using lccl::nccl::findPlan;
  EXPECT_EQ(findPlan(lib, Collective::AllReduce, 4, 1024, DataType::Float32, ReduceOp::Max, false, -1), nullptr);
  EXPECT_EQ(findPlan(lib, Collective::AllReduce, 2, 1024, DataType::Float32, ReduceOp::Sum, false, -1), nullptr);
  EXPECT_EQ(findPlan(lib, Collective::AllReduce, 4, 1023, DataType::Float32, ReduceOp::Sum, false, -1), nullptr);
  EXPECT_EQ(findPlan(lib, Collective::AllGather, 4, 1024, DataType::Float32, ReduceOp::Sum, false, -1), nullptr);
  EXPECT_EQ(findPlan(lib, Collective::AllReduce, 4, 1024, DataType::Float32, ReduceOp::PreMulSum, false, -1), nullptr);
  // An in-place call falls back to the out-of-place plan (run on a copy of the input).
  const auto* p = findPlan(lib, Collective::AllReduce, 4, 1024, DataType::Float32, ReduceOp::Sum, true, -1);
  ASSERT_NE(p, nullptr);
  EXPECT_FALSE(p->inplace);
}

TEST(NcclPlans, InPlaceCallsAsNcclDefinesThem) {
  char buf[4096];
  using lccl::callInPlace;
  EXPECT_TRUE(callInPlace(Collective::AllReduce, buf, buf, 8, DataType::Float32, 2));
  EXPECT_FALSE(callInPlace(Collective::AllReduce, buf, buf + 64, 8, DataType::Float32, 2));
  EXPECT_TRUE(callInPlace(Collective::AllGather, buf + 2 * 8 * 4, buf, 8, DataType::Float32, 2));
  EXPECT_TRUE(callInPlace(Collective::ReduceScatter, buf, buf + 2 * 8 * 4, 8, DataType::Float32, 2));
  EXPECT_FALSE(callInPlace(Collective::AllToAll, buf, buf, 8, DataType::Float32, 2));
  EXPECT_EQ(lccl::planInputCount(Collective::ReduceScatter, 5, 4), 20u);
  EXPECT_EQ(lccl::planInputCount(Collective::AllGather, 5, 4), 5u);
  EXPECT_TRUE(lccl::executorRuns(Collective::AllToAll));
  EXPECT_FALSE(lccl::executorRuns(Collective::Broadcast));
  EXPECT_FALSE(lccl::executorRuns(Collective::Reduce));
}

}  // namespace
