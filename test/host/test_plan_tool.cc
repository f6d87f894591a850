// lccl-plan run in-process: commands, output, exit codes (0 ok, 1 invalid
// plan or mismatch, 2 usage error).
#include <gtest/gtest.h>

#include <cstdio>

#include "lccl/executors/generate.hpp"
#include "test_plan_util.hpp"

namespace {

using namespace lccl::plan;
using plantest::runTool;

std::string good(const char* name) {
  return (plantest::sourceRoot() / "test/plans/good" / name).string();
}
std::string broken(const char* name) {
  return (plantest::sourceRoot() / "test/plans/broken" / name).string();
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

TEST(PlanTool, CheckSaysOkOrNamesThePath) {
  auto ok = runTool({"check", good("allreduce-exchange-2.json"), good("broadcast-direct-3.json")});
  EXPECT_EQ(ok.status, kExitOk) << ok.err;
  EXPECT_TRUE(contains(ok.out, "allreduce-exchange-2.json: ok (2 ranks, 12 ops)")) << ok.out;
  auto bad = runTool({"check", good("allreduce-exchange-2.json"), broken("unknown-channel.json")});
  EXPECT_EQ(bad.status, kExitInvalid);
  EXPECT_TRUE(contains(bad.err,
                       "unknown-channel.json: error: ranks[1].threadblocks[0].ops[2]"
                       ".dst.channel: no channel 3 on rank 1"))
      << bad.err;
}

TEST(PlanTool, UsageErrorsExitTwo) {
  EXPECT_EQ(runTool({}).status, kExitUsage);
  EXPECT_EQ(runTool({"frobnicate"}).status, kExitUsage);
  EXPECT_EQ(runTool({"check"}).status, kExitUsage);
  EXPECT_EQ(runTool({"check", "/nonexistent.json"}).status, kExitUsage);
  EXPECT_EQ(runTool({"simulate", good("allreduce-exchange-2.json"), "--seed", "x"}).status,
            kExitUsage);
  EXPECT_EQ(runTool({"simulate", good("allreduce-exchange-2.json"), "--bogus"}).status, kExitUsage);
  EXPECT_EQ(runTool({"generate", "allreduce-ring"}).status, kExitUsage);  // no --ranks
  EXPECT_EQ(runTool({"generate", "allreduce-ring", "--ranks", "1"}).status, kExitUsage);
  EXPECT_EQ(runTool({"generate", "nope", "--ranks", "4"}).status, kExitUsage);
  EXPECT_EQ(runTool({"generate", "allreduce-ring", "--ranks", "4", "--protocol", "LL128"}).status,
            kExitUsage);
  auto help = runTool({"--help"});
  EXPECT_EQ(help.status, kExitOk);
  EXPECT_TRUE(contains(help.out, "usage: lccl-plan"));
}

TEST(PlanTool, SimulatePrintsVerdictAndTraffic) {
  auto r = runTool({"simulate", good("allreduce-exchange-2.json"), "--ranks", "2", "--seed", "5",
                    "--chunk-elems", "2", "--runs", "3"});
  EXPECT_EQ(r.status, kExitOk) << r.err;
  EXPECT_TRUE(contains(r.out, "seed 5")) << r.out;
  EXPECT_TRUE(contains(r.out, "seed 7")) << r.out;
  EXPECT_TRUE(contains(r.out, "): ok, 12 ops")) << r.out;
  EXPECT_TRUE(contains(r.out, "rank 0 total: written 16, read 0")) << r.out;
}

TEST(PlanTool, SimulateRejectsAnotherRankCount) {
  auto r = runTool({"simulate", good("allreduce-exchange-2.json"), "--ranks", "4"});
  EXPECT_EQ(r.status, kExitInvalid);
  EXPECT_TRUE(contains(r.err, "is for 2 ranks, not 4")) << r.err;
}

TEST(PlanTool, SimulateReportsMismatchWithExitOne) {
  std::string text = generatePlan({"allreduce-oneshot", 3, Protocol::LL, ReduceKind::Sum, false});
  size_t at = text.find(R"(, {"buffer": "scratch", "chunk": 2}], "dst")");
  ASSERT_NE(at, std::string::npos);
  text.erase(at, std::string(R"(, {"buffer": "scratch", "chunk": 2})").size());
  std::string file = ::testing::TempDir() + "lccl_plan_mismatch.json";
  FILE* f = std::fopen(file.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs(text.c_str(), f);
  std::fclose(f);
  auto r = runTool({"simulate", file});
  EXPECT_EQ(r.status, kExitInvalid);
  EXPECT_TRUE(contains(r.out, "MISMATCH")) << r.out;
  EXPECT_TRUE(contains(r.err, "rank 0 output chunk 0 element 0: expected")) << r.err;
  std::remove(file.c_str());
}

TEST(PlanTool, GeneratePrintsTheLibrarysPlan) {
  auto r = runTool({"generate", "allreduce-twoshot", "--ranks", "3", "--protocol", "LL"});
  EXPECT_EQ(r.status, kExitOk) << r.err;
  EXPECT_EQ(r.out, generatePlan({"allreduce-twoshot", 3, Protocol::LL, ReduceKind::Sum, false}));
  std::string file = ::testing::TempDir() + "lccl_plan_gen.json";
  auto w = runTool({"generate", "alltoall-direct", "--ranks=4", "-o", file});
  EXPECT_EQ(w.status, kExitOk) << w.err;
  EXPECT_EQ(runTool({"check", file}).status, kExitOk);
  std::remove(file.c_str());
}

TEST(PlanTool, ShowListsEveryOp) {
  auto r = runTool({"show", good("reduce-barrier-2.json")});
  EXPECT_EQ(r.status, kExitOk) << r.err;
  EXPECT_TRUE(contains(r.out, "plan reduce-barrier-2: reduce (max) root 0, 2 ranks")) << r.out;
  EXPECT_TRUE(contains(r.out, "get              rank 1:input[1] (ch 7) -> scratch[1]")) << r.out;
  EXPECT_TRUE(contains(r.out, "reduce           output[0] = max(input[0], scratch[0])")) << r.out;
  auto v = runTool(
      {"show", (plantest::sourceRoot() / "executors/plans/allreduce-auto-2.json").string()});
  EXPECT_TRUE(contains(v.out, "variant 1: input bytes [65536, unbounded)")) << v.out;
  EXPECT_EQ(runTool({"show", broken("malformed-json.json")}).status, kExitInvalid);
}

TEST(PlanTool, ListNamesEveryAlgorithm) {
  auto r = runTool({"list"});
  EXPECT_EQ(r.status, kExitOk);
  for (const auto& a : algorithms()) EXPECT_TRUE(contains(r.out, a.name)) << a.name;
}

}  // namespace
