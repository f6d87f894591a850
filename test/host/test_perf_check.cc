// lccl-perf reference values and result checking (bench/perf/core/check.hpp).
//
// Each test simulates a collective on the host from the rank inputs the
// Reference produces and checks the result with the Reference's layout.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "lccl_perf/check.hpp"
#include "lccl_perf/floatbits.hpp"

namespace lccl::perf {
namespace {

using Buffer = std::vector<uint8_t>;

Buffer inputOf(const Reference& ref, int rank, size_t count) {
  Buffer b(count * typeSize(ref.type()));
  ref.fillInput(rank, b.data(), count);
  return b;
}

double combine(ROp op, double a, double b) {
  switch (op) {
    case ROp::Prod: return a * b;
    case ROp::Max: return std::max(a, b);
    case ROp::Min: return std::min(a, b);
    default: return a + b;
  }
}

// Reduces element i across ranks in the given rank order, rounding to the type
// after every step the way a ring does.
double reduceInOrder(const Reference& ref, ROp op, size_t i, const std::vector<int>& order) {
  const DType t = ref.type();
  uint8_t acc[8];
  encodeValue(t, ref.inputValue(order[0], i), acc);
  for (size_t k = 1; k < order.size(); ++k) {
    const double next = combine(op, decodeValue(t, acc), ref.inputValue(order[k], i));
    encodeValue(t, next, acc);
  }
  double v = decodeValue(t, acc);
  if (op == ROp::Avg) {
    v = v / static_cast<double>(order.size());
    if (!isFloating(t)) v = std::trunc(v);
  }
  return v;
}

// Every type x op x nranks: reducing in two different orders, with rounding
// at each step, hits the exact reference, so the check reports 0 wrong.
TEST(PerfCheck, ReductionsAreExactForEveryTypeAndOp) {
  const size_t count = 5000;
  for (int n : {2, 3, 4, 8}) {
    std::vector<int> fwd(n), rev(n);
    for (int r = 0; r < n; ++r) fwd[r] = r, rev[r] = n - 1 - r;
    for (DType t : allTypes()) {
      for (ROp op : allOps()) {
        Reference ref(t, op, n);
        CollCounts k = collCounts(Collective::AllReduce, count * typeSize(t), t, n);
        Buffer out(count * typeSize(t));
        for (size_t i = 0; i < count; ++i) {
          const double a = reduceInOrder(ref, op, i, fwd), b = reduceInOrder(ref, op, i, rev);
          ASSERT_EQ(a, ref.expectedValue(i)) << typeName(t) << " " << opName(op) << " n=" << n << " i=" << i;
          ASSERT_EQ(b, a) << typeName(t) << " " << opName(op) << " n=" << n;
          encodeValue(t, a, &out[i * typeSize(t)]);
        }
        auto layout = expectedLayout(Collective::AllReduce, k, n, 0, 0, false);
        EXPECT_EQ(ref.check(layout, out.data()).wrong, 0u) << typeName(t) << " " << opName(op);
      }
    }
  }
}

TEST(PerfCheck, ValuesStayInsideExactRanges) {
  for (DType t : allTypes())
    for (ROp op : allOps())
      for (int n : {2, 8, 16, 64}) {
        Reference ref(t, op, n);
        for (size_t j = 0; j < kPatternPeriod; ++j) {
          for (int r = 0; r < n; ++r) {
            const double v = ref.inputValue(r, j);
            ASSERT_EQ(v, std::trunc(v));
            ASSERT_LE(std::fabs(v), exactLimit(t)) << typeName(t) << " " << opName(op);
            if (!isSigned(t)) {
              ASSERT_GE(v, 0);
            }
          }
          ASSERT_LE(std::fabs(ref.expectedValue(j)), std::pow(2.0, pow2Limit(t)) + exactLimit(t));
        }
      }
}

TEST(PerfCheck, PatternsAreNotTrivial) {
  Reference ref(DType::Float, ROp::Sum, 4);
  int distinct = 0;
  for (size_t j = 1; j < 100; ++j) distinct += ref.inputValue(0, j) != ref.inputValue(0, j - 1);
  EXPECT_GT(distinct, 50);
  int differ = 0;
  for (size_t j = 0; j < 100; ++j) differ += ref.inputValue(0, j) != ref.inputValue(1, j);
  EXPECT_GT(differ, 50);
  EXPECT_EQ(ref.inputValue(2, 7), ref.inputValue(2, 7 + kPatternPeriod));
}

TEST(PerfCheck, CorruptedAndUntouchedElementsAreCounted) {
  const int n = 4;
  Reference ref(DType::BFloat16, ROp::Sum, n);
  const size_t count = 10000;
  CollCounts k = collCounts(Collective::AllReduce, count * 2, DType::BFloat16, n);
  Buffer out(count * 2);
  for (size_t i = 0; i < count; ++i) encodeValue(DType::BFloat16, ref.expectedValue(i), &out[i * 2]);
  auto layout = expectedLayout(Collective::AllReduce, k, n, 1, 0, false);
  EXPECT_EQ(ref.check(layout, out.data()).wrong, 0u);
  encodeValue(DType::BFloat16, ref.expectedValue(77) + 1, &out[77 * 2]);
  std::memset(&out[9000 * 2], kPoisonByte, 10 * 2);  // never written
  CheckResult r = ref.check(layout, out.data());
  EXPECT_EQ(r.wrong, 11u);
  EXPECT_EQ(r.firstIndex, 77u);
  EXPECT_EQ(r.want, ref.expectedValue(77));
  EXPECT_NE(r.describe().find("11 wrong"), std::string::npos);
}

TEST(PerfCheck, AvgAllowsTwoUlpForFloatsOnly) {
  Reference f(DType::Half, ROp::Avg, 3);
  EXPECT_EQ(f.toleranceUlp(), 2u);
  Reference i(DType::Int32, ROp::Avg, 3);
  EXPECT_EQ(i.toleranceUlp(), 0u);
  EXPECT_EQ(Reference(DType::Half, ROp::Sum, 3).toleranceUlp(), 0u);
  CollCounts k = collCounts(Collective::AllReduce, 8, DType::Half, 3);  // 4 elements
  Buffer out(8);
  for (size_t e = 0; e < 4; ++e) encodeValue(DType::Half, f.expectedValue(e), &out[e * 2]);
  uint16_t bits;
  std::memcpy(&bits, &out[0], 2);
  bits = static_cast<uint16_t>(bits + 2);  // 2 ULP off (same sign direction): accepted
  std::memcpy(&out[0], &bits, 2);
  auto layout = expectedLayout(Collective::AllReduce, k, 3, 0, 0, false);
  EXPECT_EQ(f.check(layout, out.data()).wrong, 0u);
  bits = static_cast<uint16_t>(bits + 1);
  std::memcpy(&out[0], &bits, 2);
  EXPECT_EQ(f.check(layout, out.data()).wrong, 1u);
}

TEST(PerfCheck, AllGatherAndAlltoallLayouts) {
  const int n = 4;
  Reference ref(DType::Int32, ROp::None, n);
  CollCounts k = collCounts(Collective::AllGather, 4 * 1000 * n, DType::Int32, n);
  Buffer out(k.recvCount * 4);
  for (int s = 0; s < n; ++s) ref.fillInput(s, &out[s * k.count * 4], k.count);
  EXPECT_EQ(ref.check(expectedLayout(Collective::AllGather, k, n, 2, 0, false), out.data()).wrong, 0u);
  std::swap_ranges(out.begin(), out.begin() + 40, out.begin() + k.count * 4);  // swap two ranks' heads
  EXPECT_GT(ref.check(expectedLayout(Collective::AllGather, k, n, 2, 0, false), out.data()).wrong, 0u);

  CollCounts a = collCounts(Collective::AllToAll, 4 * 1000 * n, DType::Int32, n);
  const int me = 1;
  Buffer recv(a.recvCount * 4);
  for (int s = 0; s < n; ++s) {  // rank s sends its slot `me` to us
    Buffer in = inputOf(ref, s, a.sendCount);
    std::memcpy(&recv[s * a.count * 4], &in[me * a.count * 4], a.count * 4);
  }
  EXPECT_EQ(ref.check(expectedLayout(Collective::AllToAll, a, n, me, 0, false), recv.data()).wrong, 0u);
}

TEST(PerfCheck, AlltoallvLeavesGapsPoisoned) {
  const int n = 3, me = 2;
  Reference ref(DType::Half, ROp::None, n);
  CollCounts a = collCounts(Collective::AllToAllv, 2 * 999 * n, DType::Half, n);
  Buffer recv(a.recvCount * 2, kPoisonByte);
  for (int s = 0; s < n; ++s) {
    Buffer in = inputOf(ref, s, a.sendCount);
    const size_t c = alltoallvCount(a.count, s, me, n);
    std::memcpy(&recv[s * a.count * 2], &in[me * a.count * 2], c * 2);
  }
  auto layout = expectedLayout(Collective::AllToAllv, a, n, me, 0, false);
  EXPECT_EQ(ref.check(layout, recv.data()).wrong, 0u);
  // Writing past a peer's count into the gap is wrong.
  const size_t c0 = alltoallvCount(a.count, 0, me, n);
  ASSERT_LT(c0, a.count);
  recv[c0 * 2] = 0;
  EXPECT_EQ(ref.check(layout, recv.data()).wrong, 1u);
}

TEST(PerfCheck, ReduceScatterBroadcastReduceSendRecv) {
  const int n = 4;
  Reference sum(DType::Float, ROp::Sum, n);
  CollCounts rs = collCounts(Collective::ReduceScatter, 4 * 100 * n, DType::Float, n);
  const int me = 3;
  Buffer out(rs.recvCount * 4);
  for (size_t i = 0; i < rs.recvCount; ++i) encodeValue(DType::Float, sum.expectedValue(me * rs.count + i), &out[i * 4]);
  EXPECT_EQ(sum.check(expectedLayout(Collective::ReduceScatter, rs, n, me, 0, false), out.data()).wrong, 0u);
  // In place the result sits at rank * count inside the input-sized buffer.
  auto inPlace = expectedLayout(Collective::ReduceScatter, rs, n, me, 0, true);
  ASSERT_EQ(inPlace.size(), 1u);
  EXPECT_EQ(inPlace[0].offset, me * rs.count);

  Reference move(DType::Float, ROp::None, n);
  CollCounts b = collCounts(Collective::Broadcast, 400, DType::Float, n);
  Buffer bc = inputOf(move, 2, b.count);
  EXPECT_EQ(move.check(expectedLayout(Collective::Broadcast, b, n, 0, 2, false), bc.data()).wrong, 0u);
  EXPECT_GT(move.check(expectedLayout(Collective::Broadcast, b, n, 0, 1, false), bc.data()).wrong, 0u);

  EXPECT_TRUE(expectedLayout(Collective::Reduce, b, n, 1, 0, false).empty());  // only the root is checked
  EXPECT_EQ(expectedLayout(Collective::Reduce, b, n, 0, 0, false).size(), 1u);

  Buffer sr = inputOf(move, 3, b.count);  // rank 0 receives from rank 3 (= 0 - 1 mod 4)
  EXPECT_EQ(move.check(expectedLayout(Collective::SendRecv, b, n, 0, 0, false), sr.data()).wrong, 0u);
}

TEST(PerfCheck, InputRegionsAndPoisonRuns) {
  const int n = 4;
  CollCounts ag = collCounts(Collective::AllGather, 4 * 100 * n, DType::Float, n);
  InputRegion in = inputRegion(Collective::AllGather, ag, 2, 0, true);
  EXPECT_TRUE(in.inRecv);
  EXPECT_EQ(in.offset, 200u);
  EXPECT_EQ(in.count, 100u);
  auto runs = poisonRuns(Collective::AllGather, ag, 2, 0, true);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0], (std::pair<size_t, size_t>{0, 200}));
  EXPECT_EQ(runs[1], (std::pair<size_t, size_t>{300, 100}));
  // Out of place the whole receive buffer is poisoned.
  EXPECT_EQ(poisonRuns(Collective::AllGather, ag, 2, 0, false), (std::vector<std::pair<size_t, size_t>>{{0, 400}}));
  CollCounts ar = collCounts(Collective::AllReduce, 400, DType::Float, n);
  EXPECT_TRUE(poisonRuns(Collective::AllReduce, ar, 0, 0, true).empty());
  // A broadcast non-root has no input; in place its whole buffer is poisoned.
  EXPECT_EQ(inputRegion(Collective::Broadcast, ar, 1, 0, true).count, 0u);
  EXPECT_EQ(poisonRuns(Collective::Broadcast, ar, 1, 0, true).size(), 1u);
  CollCounts rs = collCounts(Collective::ReduceScatter, 4 * 100 * n, DType::Float, n);
  EXPECT_EQ(recvExtent(Collective::ReduceScatter, rs, true), 400u);
  EXPECT_EQ(recvExtent(Collective::ReduceScatter, rs, false), 100u);
}

TEST(PerfCheck, FillInputWrapsThePeriod) {
  Reference ref(DType::Int64, ROp::Max, 2);
  const size_t count = 2 * kPatternPeriod + 17;
  std::vector<int64_t> buf(count);
  ref.fillInput(1, buf.data(), count, 5);
  for (size_t i = 0; i < count; ++i) ASSERT_EQ(static_cast<double>(buf[i]), ref.inputValue(1, i + 5)) << i;
}

}  // namespace
}  // namespace lccl::perf
