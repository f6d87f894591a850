// checkPlan: good plans pass; each stage catches what it is for; the worked
// example of docs/plan-format.md is a valid plan.
#include <gtest/gtest.h>

#include "lccl/executors/check.hpp"
#include "lccl/executors/generate.hpp"
#include "lccl/executors/plan_json.hpp"
#include "test_plan_util.hpp"

namespace {

using namespace lccl::plan;
using plantest::filesIn;
using plantest::readFile;
using plantest::runPipeline;
using plantest::sourceRoot;

std::string generated(const char* algo, int n, Protocol p = Protocol::Simple, bool inplace = false,
                      ReduceKind op = ReduceKind::Sum) {
  return generatePlan(GenerateOptions{algo, n, p, op, inplace});
}

// Replaces the first occurrence of `from` (which must exist) by `to`.
std::string edit(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return at == std::string::npos ? text : text.replace(at, from.size(), to);
}

TEST(PlanCheck, HandWrittenPlansPassCheckAndSimulate) {
  auto files = filesIn(sourceRoot() / "test/plans/good", ".json");
  ASSERT_GE(files.size(), 3u);
  for (const auto& f : files) {
    auto r = runPipeline(readFile(f));
    EXPECT_TRUE(r.valid && r.simulated) << f << "\n" << r.report;
  }
}

TEST(PlanCheck, WorkedExampleInDocsIsValid) {
  std::string doc = readFile(sourceRoot() / "docs/plan-format.md");
  size_t heading = doc.find("## A worked example");
  ASSERT_NE(heading, std::string::npos);
  size_t begin = doc.find("```json\n", heading);
  ASSERT_NE(begin, std::string::npos);
  begin += 8;
  size_t end = doc.find("```", begin);
  ASSERT_NE(end, std::string::npos);
  auto r = runPipeline(doc.substr(begin, end - begin));
  EXPECT_TRUE(r.valid && r.simulated) << r.report;
  EXPECT_EQ(r.report, "");  // not even a warning
}

TEST(PlanCheck, InPlaceAndEveryReduceOpOfTheGenerators) {
  for (const char* algo : {"allreduce-ring", "allreduce-oneshot", "allreduce-twoshot",
                           "reducescatter-direct", "allgather-direct"})
    for (Protocol p : {Protocol::Simple, Protocol::LL}) {
      auto r = runPipeline(generated(algo, 5, p, true));
      EXPECT_TRUE(r.valid && r.simulated) << algo << " in place\n" << r.report;
    }
  for (ReduceKind op : {ReduceKind::Prod, ReduceKind::Max, ReduceKind::Min, ReduceKind::Avg}) {
    auto r = runPipeline(generated("allreduce-ring", 3, Protocol::LL, false, op));
    EXPECT_TRUE(r.valid && r.simulated) << reduceKindName(op) << "\n" << r.report;
  }
}

TEST(PlanCheck, SignalCountsArePerChannelAndDirection) {
  // Rank 1 signals rank 0 one time too many on the shared channel 0.
  std::string text = readFile(sourceRoot() / "test/plans/good/allreduce-exchange-2.json");
  std::string bad = edit(text, R"({"op": "signal", "channels": [0]},
      {"op": "wait", "channels": [0]},
      {"op": "put")",
                         R"({"op": "signal", "channels": [0]},
      {"op": "signal", "channels": [0]},
      {"op": "wait", "channels": [0]},
      {"op": "put")");
  // The edit hits rank 1's list (rank 0's ops carry comments).
  auto r = runPipeline(bad);
  EXPECT_FALSE(r.valid);
  EXPECT_NE(r.report.find("ranks[1].threadblocks[0].ops[4].channels[0]: signal #3 on channel 0 is "
                          "never waited for: rank 0 waits on channel 0 2 time(s)"),
            std::string::npos)
      << r.report;
}

TEST(PlanCheck, BarrierOrdersThreadblocksOfARank) {
  // reduce-barrier-2 is valid only because of its first barrier.
  std::string text = readFile(sourceRoot() / "test/plans/good/reduce-barrier-2.json");
  EXPECT_TRUE(runPipeline(text).valid);
  std::string noBarriers = text;
  for (int i = 0; i < 4; ++i)
    noBarriers = edit(noBarriers, "{\"op\": \"barrier\"", "{\"op\": \"flush\", \"channels\": [7]");
  auto r = runPipeline(noBarriers);
  EXPECT_FALSE(r.valid);
  EXPECT_NE(
      r.report.find("ranks[0].threadblocks[1].ops[1].src: reads rank 1's input chunk 1 before "
                    "rank 1 has started"),
      std::string::npos)
      << r.report;
}

TEST(PlanCheck, PacketsOrderOnlyTheirOwnData) {
  // LL one-shot with an extra plain put into the peer's output after its
  // packets: packets do not release other writes, so this is a lifetime error.
  std::string text = generated("allgather-direct", 2, Protocol::LL);
  std::string bad = edit(text, R"({"id": 0, "peer": 1, "src": "input", "dst": "scratch"})",
                         R"({"id": 0, "peer": 1, "src": "input", "dst": "scratch"},
      {"id": 9, "peer": 1, "src": "input", "dst": "output"})");
  bad = edit(bad, R"({"id": 0, "peer": 0, "src": "input", "dst": "scratch"})",
             R"({"id": 0, "peer": 0, "src": "input", "dst": "scratch"}, {"id": 9, "peer": 0})");
  bad = edit(bad, R"({"op": "copy")",
             R"({"op": "put", "src": {"buffer": "input", "chunk": 0},)"
             R"( "dst": {"channel": 9, "buffer": "output", "chunk": 0}}, {"op": "copy")");
  auto r = runPipeline(bad);
  EXPECT_FALSE(r.valid);
  EXPECT_NE(r.report.find("writes rank 1's output chunk 0 before rank 1 has started"),
            std::string::npos)
      << r.report;
}

TEST(PlanCheck, UnreadPacketsAreOnlyAWarning) {
  std::string text = generated("allreduce-oneshot", 3, Protocol::LL);
  // Rank 0 stops reading rank 2's packets (and stops adding them).
  std::string bad = edit(text, R"(, {"buffer": "scratch", "chunk": 2}], "dst")", R"(], "dst")");
  PlanFile f;
  Diagnostics d;
  EXPECT_TRUE(loadAndCheck(bad, f, d)) << d.format();
  ASSERT_EQ(d.all().size(), 1u);
  EXPECT_EQ(d.all()[0].severity, Severity::Warning);
  EXPECT_NE(d.all()[0].message.find("never read"), std::string::npos);
}

TEST(PlanCheck, ReportsStopAtTheFirstFailingStage) {
  // A shape error hides everything after it, so one cause gives one report.
  std::string text = readFile(sourceRoot() / "test/plans/good/allreduce-exchange-2.json");
  std::string bad = edit(text, R"("output": {"chunks": 1})", R"("output": {"chunks": 3})");
  PlanFile f;
  Diagnostics d;
  EXPECT_FALSE(loadAndCheck(bad, f, d));
  EXPECT_EQ(d.errorCount(), 1u) << d.format();
  EXPECT_EQ(d.all()[0].path, "buffers.output.chunks");
}

}  // namespace
