// lccl-perf sizes, counts and bus-bandwidth arithmetic (bench/perf/core/sweep.hpp).
#include <gtest/gtest.h>

#include "lccl_perf/sweep.hpp"

namespace lccl::perf {
namespace {

TEST(PerfSweep, FactorSweep) {
  EXPECT_EQ(sizeSweep(1024, 1 << 20, 0, 4), (std::vector<uint64_t>{1024, 4096, 16384, 65536, 262144, 1048576}));
  EXPECT_EQ(sizeSweep(1024, 5000, 0, 2), (std::vector<uint64_t>{1024, 2048, 4096}));  // stops at <= max
}

TEST(PerfSweep, IncrementSweepAndSingleSize) {
  EXPECT_EQ(sizeSweep(100, 400, 100, 1), (std::vector<uint64_t>{100, 200, 300, 400}));
  EXPECT_EQ(sizeSweep(100, 350, 100, 1), (std::vector<uint64_t>{100, 200, 300}));
  EXPECT_EQ(sizeSweep(4096, 4096, 0, 1), (std::vector<uint64_t>{4096}));
  PerfOptions o;  // defaults: 32M only
  EXPECT_EQ(sizeSweep(o), (std::vector<uint64_t>{32u << 20}));
}

TEST(PerfSweep, MinAboveMaxIsAnError) {
  try {
    sizeSweep(2048, 1024, 1, 2);
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("-b"), std::string::npos);
  }
}

TEST(PerfSweep, AllReduceCountsRoundDownToTypeSize) {
  CollCounts k = collCounts(Collective::AllReduce, 1001, DType::Float, 4);
  EXPECT_EQ(k.count, 250u);
  EXPECT_EQ(k.sendCount, 250u);
  EXPECT_EQ(k.recvCount, 250u);
  EXPECT_EQ(k.bytes, 1000u);
  EXPECT_EQ(collCounts(Collective::Broadcast, 7, DType::Double, 8).count, 0u);
  EXPECT_EQ(collCounts(Collective::SendRecv, 4096, DType::Half, 2).count, 2048u);
  EXPECT_EQ(collCounts(Collective::Reduce, 4096, DType::F8E4M3, 2).count, 4096u);
}

TEST(PerfSweep, PerRankCollectivesUseTotalSize) {
  // allgather: size is the gathered buffer; count is each rank's part.
  CollCounts ag = collCounts(Collective::AllGather, 1 << 20, DType::Float, 4);
  EXPECT_EQ(ag.count, 65536u);
  EXPECT_EQ(ag.sendCount, 65536u);
  EXPECT_EQ(ag.recvCount, 262144u);
  EXPECT_EQ(ag.sendInPlaceOffset, 65536u);
  EXPECT_EQ(ag.bytes, 1u << 20);
  CollCounts rs = collCounts(Collective::ReduceScatter, 1 << 20, DType::Float, 4);
  EXPECT_EQ(rs.count, 65536u);
  EXPECT_EQ(rs.sendCount, 262144u);
  EXPECT_EQ(rs.recvCount, 65536u);
  EXPECT_EQ(rs.recvInPlaceOffset, 65536u);
  CollCounts a2a = collCounts(Collective::AllToAll, 1 << 20, DType::BFloat16, 8);
  EXPECT_EQ(a2a.count, 65536u);
  EXPECT_EQ(a2a.sendCount, 524288u);
  EXPECT_EQ(a2a.recvCount, 524288u);
}

TEST(PerfSweep, PerRankSizesRoundDownToRanksTimesTypeSize) {
  // 1000 B of float over 3 ranks: 250 elements -> 83 per rank -> 996 B.
  CollCounts k = collCounts(Collective::AllGather, 1000, DType::Float, 3);
  EXPECT_EQ(k.count, 83u);
  EXPECT_EQ(k.bytes, 996u);
  EXPECT_EQ(collCounts(Collective::ReduceScatter, 1000, DType::Float, 3).bytes, 996u);
  EXPECT_EQ(collCounts(Collective::AllToAll, 1000, DType::Float, 3).bytes, 996u);
  EXPECT_EQ(collCounts(Collective::AllGather, 7, DType::Int8, 8).count, 0u);
}

TEST(PerfSweep, BusBandwidthFactors) {
  const double cases[][4] = {{2, 1.0, 0.5, 1.0}, {4, 1.5, 0.75, 1.0}, {8, 1.75, 0.875, 1.0}};
  for (const auto& c : cases) {
    const int n = static_cast<int>(c[0]);
    EXPECT_DOUBLE_EQ(busBwFactor(Collective::AllReduce, n), c[1]) << n;
    for (Collective x : {Collective::ReduceScatter, Collective::AllGather, Collective::AllToAll,
                         Collective::AllToAllv})
      EXPECT_DOUBLE_EQ(busBwFactor(x, n), c[2]) << collectiveName(x) << " " << n;
    for (Collective x : {Collective::Broadcast, Collective::Reduce, Collective::SendRecv})
      EXPECT_DOUBLE_EQ(busBwFactor(x, n), c[3]) << collectiveName(x) << " " << n;
  }
}

TEST(PerfSweep, AlgorithmBandwidth) {
  // 1 GB in 1 ms = 1000 GB/s; busbw of allreduce on 4 ranks = 1500.
  CollCounts k = collCounts(Collective::AllReduce, 1000000000, DType::Int8, 4);
  const double alg = algBandwidth(Collective::AllReduce, k, DType::Int8, 4, 1e-3);
  EXPECT_DOUBLE_EQ(alg, 1000.0);
  EXPECT_DOUBLE_EQ(alg * busBwFactor(Collective::AllReduce, 4), 1500.0);
  EXPECT_EQ(algBandwidth(Collective::AllReduce, k, DType::Int8, 4, 0), 0.0);
}

TEST(PerfSweep, AlltoallvCountsVaryAndStayInBounds) {
  const size_t per = 1000;
  for (int n : {2, 3, 4, 8})
    for (int s = 0; s < n; ++s)
      for (int d = 0; d < n; ++d) {
        const size_t c = alltoallvCount(per, s, d, n);
        EXPECT_LE(c, per);
        EXPECT_GE(c, per / 2);
      }
  EXPECT_EQ(alltoallvCount(per, 0, 0, 4), per);
  EXPECT_EQ(alltoallvCount(per, 1, 0, 4), 875u);   // step 1: 1000 - 1000/8
  EXPECT_EQ(alltoallvCount(per, 3, 0, 4), 625u);   // step 3
  // 4 ranks: each step 0..3 appears 4 times -> (1000 + 875 + 750 + 625) * 4 / 4 elements per rank.
  EXPECT_DOUBLE_EQ(alltoallvBytesPerRank(per, 2, 4), 3250.0 * 2);
}

TEST(PerfSweep, AlltoallvArgsMatchAcrossRanks) {
  const int n = 4;
  const size_t per = 100;
  std::vector<AlltoallvArgs> all;
  for (int r = 0; r < n; ++r) all.push_back(alltoallvArgs(per, r, n));
  for (int a = 0; a < n; ++a)
    for (int b = 0; b < n; ++b) {
      EXPECT_EQ(all[a].sendCounts[b], all[b].recvCounts[a]);  // what a sends to b, b expects from a
      EXPECT_EQ(all[a].sendDispls[b], per * b);
      EXPECT_EQ(all[a].recvDispls[b], per * b);
    }
}

TEST(PerfSweep, RepeatsDependOnlyOnSizes) {
  EXPECT_EQ(timingRepeats(1 << 20, 20, 1), 3);
  EXPECT_EQ(timingRepeats(1ull << 30, 20, 1), 1);
  EXPECT_EQ(timingRepeats(64ull << 20, 20, 1), 3);
  EXPECT_EQ(timingRepeats(64ull << 20, 20, 20), 1);
}

}  // namespace
}  // namespace lccl::perf
