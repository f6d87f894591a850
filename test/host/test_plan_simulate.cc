// The CPU simulator: real data, exact reference results, wrong plans caught
// as mismatches, determinism by seed, traffic accounting, size limits.
#include <gtest/gtest.h>

#include "lccl/executors/generate.hpp"
#include "lccl/executors/plan_json.hpp"
#include "test_plan_util.hpp"

namespace {

using namespace lccl::plan;

PlanFile load(const std::string& text) {
  PlanFile f;
  Diagnostics d;
  EXPECT_TRUE(loadAndCheck(text, f, d)) << d.format();
  return f;
}

std::string generated(const char* algo, int n, Protocol p = Protocol::Simple,
                      ReduceKind op = ReduceKind::Sum) {
  return generatePlan(GenerateOptions{algo, n, p, op, false});
}

SimulateResult simulate(const Plan& p, uint64_t seed = 1, uint32_t elems = 3) {
  SimulateOptions o;
  o.seed = seed;
  o.chunkElems = elems;
  return simulatePlan(p, o);
}

std::string edit(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return at == std::string::npos ? text : text.replace(at, from.size(), to);
}

TEST(PlanSimulate, CatchesAReduceWithAMissingSource) {
  // Rank 0 of the one-shot plan forgets rank 2's input. The plan still checks
  // (nothing races, every signal is waited for) but computes the wrong sum.
  std::string text = generated("allreduce-oneshot", 3);
  std::string bad = edit(text, R"(, {"channel": 1, "buffer": "input", "chunk": 0}])", "]");
  PlanFile f = load(bad);
  SimulateResult r = simulate(f.variants[0].plan);
  EXPECT_FALSE(r.ok);
  ASSERT_FALSE(r.errors.empty());
  EXPECT_EQ(r.errors[0].rfind("rank 0 output chunk 0 element 0: expected ", 0), 0u) << r.errors[0];
}

TEST(PlanSimulate, CatchesAReadOfTheWrongChunk) {
  // Rank 0 of reduce-scatter reads rank 1's chunk 1 instead of chunk 0: reads
  // do not race, so only the data can tell.
  std::string text = generated("reducescatter-direct", 3);
  std::string bad = edit(text, R"({"channel": 0, "buffer": "input", "chunk": 0})",
                         R"({"channel": 0, "buffer": "input", "chunk": 1})");
  PlanFile f = load(bad);
  SimulateResult r = simulate(f.variants[0].plan);
  EXPECT_FALSE(r.ok);
  ASSERT_FALSE(r.errors.empty());
  EXPECT_EQ(r.errors[0].rfind("rank 0 output chunk 0", 0), 0u) << r.errors[0];
}

TEST(PlanSimulate, EveryReduceOpIsExact) {
  for (ReduceKind op :
       {ReduceKind::Sum, ReduceKind::Prod, ReduceKind::Max, ReduceKind::Min, ReduceKind::Avg})
    for (const char* algo : {"allreduce-ring", "reducescatter-direct"}) {
      PlanFile f = load(generated(algo, 7, Protocol::Simple, op));
      SimulateResult r = simulate(f.variants[0].plan, 11);
      EXPECT_TRUE(r.ok) << algo << " " << reduceKindName(op) << ": "
                        << (r.errors.empty() ? "" : r.errors[0]);
    }
}

TEST(PlanSimulate, ManySeedsManyInterleavings) {
  PlanFile f = load(generated("alltoall-direct", 5, Protocol::LL));
  for (uint64_t seed = 0; seed < 50; ++seed) EXPECT_TRUE(simulate(f.variants[0].plan, seed).ok);
}

TEST(PlanSimulate, SameSeedSameRun) {
  PlanFile f = load(generated("allreduce-ring", 4));
  SimulateResult a = simulate(f.variants[0].plan, 42), b = simulate(f.variants[0].plan, 42);
  EXPECT_EQ(a.opsExecuted, b.opsExecuted);
  ASSERT_EQ(a.traffic.size(), b.traffic.size());
  for (size_t i = 0; i < a.traffic.size(); ++i)
    EXPECT_EQ(a.traffic[i].bytesWritten, b.traffic[i].bytesWritten);
}

TEST(PlanSimulate, CountsTrafficPerChannel) {
  // Ring, 4 ranks, 3 elements (24 bytes) per chunk: each rank puts one chunk
  // on A, two on B (reduce-scatter) and three on C (all-gather), all to r+1.
  PlanFile f = load(generated("allreduce-ring", 4));
  SimulateResult r = simulate(f.variants[0].plan, 1, 3);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.messageBytes, 4u * 24u);
  uint64_t perRank[4] = {0, 0, 0, 0};
  for (const ChannelTraffic& t : r.traffic) {
    perRank[t.rank] += t.bytesWritten;
    EXPECT_EQ(t.bytesRead, 0u);
    if (t.bytesWritten > 0) {
      EXPECT_EQ(t.peer, (t.rank + 1) % 4);
    }
  }
  for (uint64_t bytes : perRank) EXPECT_EQ(bytes, 6u * 24u);
}

TEST(PlanSimulate, PacketTrafficCountsPacketBytes) {
  PlanFile f = load(generated("allgather-direct", 2, Protocol::LL));
  SimulateResult r = simulate(f.variants[0].plan, 1, 4);
  ASSERT_TRUE(r.ok);
  uint64_t written = 0;
  for (const ChannelTraffic& t : r.traffic) written += t.bytesWritten;
  EXPECT_EQ(written, 2u * 2u * 32u);  // 2 ranks x (32 data bytes -> 64 packet bytes)
}

TEST(PlanSimulate, GetsCountAsReads) {
  std::string text =
      plantest::readFile(plantest::sourceRoot() / "test/plans/good/reduce-barrier-2.json");
  PlanFile f = load(text);
  SimulateResult r = simulate(f.variants[0].plan, 1, 2);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.traffic[0].bytesRead, 2u * 16u);
  EXPECT_EQ(r.traffic[0].bytesWritten, 0u);
}

TEST(PlanSimulate, RefusesPlansTooLargeToRun) {
  PlanFile f = load(generated("allreduce-ring", 2));
  Plan big = f.variants[0].plan;
  SimulateResult r = simulate(big, 1, 1 << 16);
  EXPECT_TRUE(r.ok);  // 2 ranks x 5 chunks x 512 KiB fits
  big.chunks[0] = big.chunks[1] = kMaxChunks;
  r = simulate(big, 1, 1 << 16);
  EXPECT_FALSE(r.ok);
  ASSERT_FALSE(r.errors.empty());
  EXPECT_NE(r.errors[0].find("cannot simulate"), std::string::npos);
  EXPECT_FALSE(simulate(big, 1, 0).ok);
}

TEST(PlanSimulate, InPlaceAllGatherKeepsOwnChunk) {
  PlanFile f = load(generatePlan({"allgather-direct", 6, Protocol::Simple, ReduceKind::Sum, true}));
  for (uint64_t seed = 1; seed < 10; ++seed) EXPECT_TRUE(simulate(f.variants[0].plan, seed).ok);
}

}  // namespace
