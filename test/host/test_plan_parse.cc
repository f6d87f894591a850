// Plan files -> the in-memory plan: resolution of names and ids, the flat
// layout a GPU interpreter will consume, paths, aliasing, variants, limits.
#include <gtest/gtest.h>

#include <type_traits>

#include "lccl/executors/plan_json.hpp"
#include "test_plan_util.hpp"

namespace {

using namespace lccl::plan;
using plantest::readFile;
using plantest::sourceRoot;

std::string goodPlan(const char* name) { return readFile(sourceRoot() / "test/plans/good" / name); }

PlanFile parseOk(const std::string& text) {
  PlanFile f;
  Diagnostics d;
  EXPECT_TRUE(parsePlan(text, f, d)) << d.format();
  return f;
}

TEST(PlanParse, WorkedExampleResolvesToFlatArrays) {
  PlanFile f = parseOk(goodPlan("allreduce-exchange-2.json"));
  ASSERT_EQ(f.variants.size(), 1u);
  EXPECT_FALSE(f.hasVariants);
  const Plan& p = f.variants[0].plan;
  EXPECT_EQ(p.name, "allreduce-exchange-2");
  EXPECT_EQ(p.collective, Collective::AllReduce);
  EXPECT_EQ(p.reduce, ReduceKind::Sum);
  EXPECT_EQ(p.nranks, 2);
  EXPECT_EQ(p.bufferChunks(Buffer::Scratch), 1u);
  const RankProgram& r0 = p.ranks[0];
  ASSERT_EQ(r0.threadblocks.size(), 1u);
  ASSERT_EQ(r0.ops.size(), 6u);
  const Op& put = r0.ops[2];
  EXPECT_EQ(put.kind, OpKind::Put);
  EXPECT_EQ(put.numSrcs, 1);
  EXPECT_EQ(put.numDsts, 1);
  EXPECT_EQ(r0.srcs(put)[0].channel, kLocal);
  EXPECT_EQ(r0.dsts(put)[0].channel, 0);  // index into the rank's channel table
  EXPECT_EQ(r0.dsts(put)[0].buffer, Buffer::Scratch);
  const Op& reduce = r0.ops[5];
  EXPECT_EQ(reduce.numSrcs, 2);
  EXPECT_EQ(r0.srcs(reduce)[1].buffer, Buffer::Scratch);
  EXPECT_EQ(r0.channels[0].peerIndex, 0);  // paired with rank 1's channel 0
}

TEST(PlanParse, DeviceArraysAreTriviallyCopyable) {
  static_assert(std::is_trivially_copyable_v<Op>);
  static_assert(std::is_trivially_copyable_v<ChunkRef>);
  static_assert(std::is_trivially_copyable_v<Channel>);
  static_assert(std::is_trivially_copyable_v<Threadblock>);
  EXPECT_EQ(sizeof(Op), 16u);
  EXPECT_EQ(sizeof(ChunkRef), 12u);
}

TEST(PlanParse, ChannelIdsMapToTableIndices) {
  PlanFile f = parseOk(goodPlan("reduce-barrier-2.json"));  // channel id 7
  const Plan& p = f.variants[0].plan;
  EXPECT_EQ(p.ranks[0].channels[0].id, 7);
  const RankProgram& r0 = p.ranks[0];
  EXPECT_EQ(r0.chans(r0.ops[0])[0].channel, 0);
  EXPECT_EQ(p.root, 0);
  EXPECT_EQ(p.reduce, ReduceKind::Max);
}

TEST(PlanParse, OpPathsNameThreadblockAndOp) {
  PlanFile f = parseOk(goodPlan("reduce-barrier-2.json"));
  const Plan& p = f.variants[0].plan;
  EXPECT_EQ(opPath(p, 0, 0), "ranks[0].threadblocks[0].ops[0]");
  EXPECT_EQ(opPath(p, 0, 7), "ranks[0].threadblocks[1].ops[1]");
  EXPECT_EQ(threadblockOf(p.ranks[0], 6), 1u);
}

TEST(PlanParse, InPlaceAliasingFollowsTheCollective) {
  Plan p;
  p.nranks = 4;
  p.inplace = true;
  p.collective = Collective::AllGather;
  p.chunks[0] = 2;
  p.chunks[1] = 8;
  Location l = resolve(p, 3, Buffer::Input, 1);
  EXPECT_EQ(l.buffer, Buffer::Output);
  EXPECT_EQ(l.chunk, 7u);
  p.collective = Collective::ReduceScatter;
  p.chunks[0] = 8;
  p.chunks[1] = 2;
  l = resolve(p, 2, Buffer::Output, 0);
  EXPECT_EQ(l.buffer, Buffer::Input);
  EXPECT_EQ(l.chunk, 4u);
  p.collective = Collective::AllReduce;
  EXPECT_EQ(resolve(p, 1, Buffer::Input, 3).buffer, Buffer::Output);
  p.inplace = false;
  EXPECT_EQ(resolve(p, 1, Buffer::Input, 3).buffer, Buffer::Input);
}

TEST(PlanParse, VariantsSelectByInputBytes) {
  std::string text = readFile(sourceRoot() / "executors/plans/allreduce-auto-4.json");
  PlanFile f = parseOk(text);
  ASSERT_TRUE(f.hasVariants);
  ASSERT_EQ(f.variants.size(), 2u);
  EXPECT_EQ(f.select(0)->protocol, Protocol::LL);
  EXPECT_EQ(f.select(65535)->protocol, Protocol::LL);
  EXPECT_EQ(f.select(65536)->protocol, Protocol::Simple);
  EXPECT_EQ(f.select(1ull << 40)->protocol, Protocol::Simple);
  EXPECT_EQ(f.variants[1].plan.path, "variants[1].plan.");
  EXPECT_EQ(f.variants[1].plan.nranks, 4);  // inherited from the file's header
}

TEST(PlanParse, CommentsAreAllowedAnywhere) {
  PlanFile f = parseOk(goodPlan("allreduce-exchange-2.json"));  // has op comments
  EXPECT_EQ(f.variants[0].plan.ranks[0].ops.size(), 6u);
}

TEST(PlanParse, ReportsEveryProblemOfAnObject) {
  PlanFile f;
  Diagnostics d;
  std::string text = R"({"format": "lccl-plan", "version": 1, "name": 3, "collective": "allreduc",
                         "nranks": 0, "reduce_op": "sum", "protocol": "LL"})";
  EXPECT_FALSE(parsePlan(text, f, d));
  std::string all = d.format();
  EXPECT_NE(all.find("name: expected a string"), std::string::npos) << all;
  EXPECT_NE(all.find("collective: unknown collective 'allreduc'"), std::string::npos) << all;
  EXPECT_NE(all.find("nranks: 0 is out of range"), std::string::npos) << all;
  EXPECT_TRUE(f.variants.empty());
}

TEST(PlanParse, RefusesOversizedAndDeeplyNestedText) {
  PlanFile f;
  Diagnostics d;
  EXPECT_FALSE(parsePlan(std::string(kMaxPlanBytes + 1, ' '), f, d));
  EXPECT_NE(d.format().find("limited to"), std::string::npos);
  Diagnostics d2;
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_FALSE(parsePlan(deep, f, d2));
  EXPECT_NE(d2.format().find("nested deeper"), std::string::npos);
}

TEST(PlanParse, GarbageNeverThrows) {
  const char* inputs[] = {"",
                          "null",
                          "0",
                          "\"x\"",
                          "{",
                          "}",
                          "[[]]",
                          "{\"format\":null}",
                          "{\"format\":\"lccl-plan\",\"version\":1e999}",
                          "{\"format\":\"lccl-plan\",\"version\":1,\"nranks\":-5}",
                          "\xff\xfe{}",
                          "{\"a\":\"\\ud800\"}"};
  for (const char* in : inputs) {
    PlanFile f;
    Diagnostics d;
    EXPECT_FALSE(parsePlan(in, f, d)) << in;
    EXPECT_TRUE(d.hasErrors()) << in;
  }
}

TEST(PlanParse, ReadsFilesAndReportsMissingOnes) {
  std::string text, error;
  EXPECT_TRUE(readTextFile((sourceRoot() / "test/plans/good/allreduce-exchange-2.json").string(),
                           text, error));
  EXPECT_FALSE(text.empty());
  EXPECT_FALSE(readTextFile("/nonexistent/plan.json", text, error));
  EXPECT_NE(error.find("cannot open"), std::string::npos);
}

}  // namespace
