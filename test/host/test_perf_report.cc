// lccl-perf table, JSON lines, statistics, the M1 schedule and the NCCL search
// list (bench/perf/core/report.hpp, json.hpp, stats.hpp, m1.hpp, nccl_paths.hpp).
#include <gtest/gtest.h>

#include "lccl_perf/json.hpp"
#include "lccl_perf/m1.hpp"
#include "lccl_perf/nccl_paths.hpp"
#include "lccl_perf/report.hpp"
#include "lccl_perf/stats.hpp"

namespace lccl::perf {
namespace {

ResultRow sampleRow() {
  ResultRow r;
  r.lib = "lccl";
  r.bytes = 1048576;
  r.count = 262144;
  r.type = DType::Float;
  r.op = ROp::Sum;
  r.outOfPlace = {true, 20.25, 51.78, 77.67, 0};
  r.inPlace = {true, 123.456, 8.49, 12.74, 3};
  return r;
}

TEST(PerfReport, TimePrecisionFollowsNcclTests) {
  EXPECT_EQ(formatTime(9.5), "   9.50");
  EXPECT_EQ(formatTime(123.45), "  123.5");
  EXPECT_EQ(formatTime(12345.6), "  12346");
}

TEST(PerfReport, RowColumnsLineUpWithHeader) {
  ResultRow r = sampleRow();
  const std::string line = formatRow(r);
  EXPECT_NE(line.find("lccl"), std::string::npos);
  EXPECT_NE(line.find("1048576"), std::string::npos);
  EXPECT_NE(line.find(" 20.25"), std::string::npos);
  EXPECT_NE(line.find("123.5"), std::string::npos);
  const std::string header = tableHeader(false);
  // The second header line holds the titles; "#wrong" ends where the values end.
  const size_t start = header.find('\n') + 1;
  const std::string titleLine = header.substr(start, header.find('\n', start) - start);
  EXPECT_EQ(titleLine.size(), line.size()) << "\n" << titleLine << "\n" << line;
}

TEST(PerfReport, UnavailableCellsAndRatios) {
  ResultRow r = sampleRow();
  r.inPlace = ResultCell{};
  r.showRatio = true;
  ResultCell nccl{true, 40.5, 0, 0, 0};
  r.ratioOutOfPlace = timeRatio(r.outOfPlace, nccl);
  r.ratioInPlace = timeRatio(r.inPlace, nccl);
  ASSERT_TRUE(r.ratioOutOfPlace.has_value());
  EXPECT_DOUBLE_EQ(*r.ratioOutOfPlace, 2.0);
  EXPECT_FALSE(r.ratioInPlace.has_value());
  const std::string line = formatRow(r);
  EXPECT_NE(line.find("n/a"), std::string::npos);
  EXPECT_NE(line.find(" 2.00"), std::string::npos);
  EXPECT_NE(tableHeader(true).find("nccl/lccl"), std::string::npos);
  ResultCell unchecked{true, 1, 1, 1, -1};
  r.outOfPlace = unchecked;
  EXPECT_NE(formatRow(r).find("n/a"), std::string::npos);
}

TEST(PerfReport, FooterCountsWrongAndAveragesBusBw) {
  LibSummary s{"nccl"};
  s.add({true, 1, 1, 10, 0});
  s.add({true, 1, 1, 20, 2});
  s.add(ResultCell{});  // n/a: ignored
  EXPECT_EQ(s.wrong, 2);
  const std::string f = formatFooter(s);
  EXPECT_NE(f.find("# [nccl] Out of bounds values : 2 FAILED"), std::string::npos) << f;
  EXPECT_NE(f.find("Avg bus bandwidth    : 15"), std::string::npos) << f;
  LibSummary ok{"lccl"};
  ok.add({true, 1, 1, 5, 0});
  EXPECT_NE(formatFooter(ok).find(": 0 OK"), std::string::npos);
  EXPECT_NE(formatFooter(LibSummary{"lccl"}).find("n/a"), std::string::npos);
}

TEST(PerfJson, EscapingAndTypes) {
  EXPECT_EQ(jsonEscape("a\"b\\c\nd\x01"), "a\\\"b\\\\c\\nd\\u0001");
  JsonObject o;
  o.add("s", "x").add("i", int64_t{-3}).add("u", uint64_t{18446744073709551615ull}).add("d", 1.5);
  o.add("b", false).addNull("n").add("inf", 1.0 / 0.0);
  EXPECT_EQ(o.str(), R"({"s":"x","i":-3,"u":18446744073709551615,"d":1.5,"b":false,"n":null,"inf":null})");
}

TEST(PerfJson, ResultHeaderAndM1Lines) {
  RunInfo run{"allreduce", 4, 20, 50};
  ResultRow r = sampleRow();
  const std::string oop = resultJson(run, r, false, "ok");
  EXPECT_EQ(oop,
            R"({"kind":"result","lib":"lccl","collective":"allreduce","size":1048576,"count":262144,)"
            R"("type":"float","op":"sum","root":-1,"inplace":false,"time_us":20.25,"algbw":51.78,)"
            R"("busbw":77.67,"wrong":0,"nranks":4,"graph":20,"iters":50,"status":"ok"})");
  r.inPlace = ResultCell{};
  EXPECT_NE(resultJson(run, r, true, "n/a").find(R"("inplace":true,"time_us":null)"), std::string::npos);
  HeaderInfo h;
  h.run = run;
  h.gpu = "NVIDIA H100 80GB HBM3";
  h.ncclVersion = "2.28.9";
  const std::string head = headerJson(h);
  EXPECT_EQ(head.rfind(R"({"kind":"header","tool":"lccl-perf")", 0), 0u);
  EXPECT_NE(head.find(R"("gpu":"NVIDIA H100 80GB HBM3")"), std::string::npos);
  EXPECT_NE(head.find(R"("nccl_version":"2.28.9")"), std::string::npos);
  M1Record m{"nccl", 128, true, 460.0, 230, 128 * 6144 * 2, 0};
  EXPECT_NE(m1Json(run, m).find(R"("tokens":128,"step_us":460,"per_op_us":2)"), std::string::npos);
}

TEST(PerfStats, MedianAndCrossRankAggregation) {
  EXPECT_EQ(median({}), 0.0);
  EXPECT_EQ(median({3, 1, 2}), 2.0);
  EXPECT_EQ(median({4, 1, 3, 2}), 2.5);
  const std::vector<double> t = {4, 1, 7, 4};
  EXPECT_EQ(aggregateAcrossRanks(t, 0), 4.0);
  EXPECT_EQ(aggregateAcrossRanks(t, 1), 4.0);
  EXPECT_EQ(aggregateAcrossRanks(t, 2), 1.0);
  EXPECT_EQ(aggregateAcrossRanks(t, 3), 7.0);
  EXPECT_EQ(aggregateAcrossRanks({2, 3}, 1), 2.5);
}

TEST(PerfM1, ScheduleHas230CollectivesInLayerOrder) {
  auto ops = m1Schedule(32);
  ASSERT_EQ(ops.size(), 230u);
  int bf16 = 0, f32 = 0;
  for (const M1Op& op : ops) {
    if (op.type == DType::BFloat16) {
      ++bf16;
      EXPECT_EQ(op.count, 32u * 6144);
    } else {
      ++f32;
      EXPECT_EQ(op.type, DType::Float);
      EXPECT_EQ(op.count, 32u);
    }
  }
  EXPECT_EQ(bf16, 160);
  EXPECT_EQ(f32, 70);
  // Layer 0 is lightning: float, bf16, bf16; layer 7 is softmax: bf16, bf16.
  EXPECT_EQ(ops[0].type, DType::Float);
  EXPECT_EQ(ops[1].type, DType::BFloat16);
  EXPECT_EQ(ops[2].type, DType::BFloat16);
  EXPECT_FALSE(m1IsLightningLayer(7));
  EXPECT_TRUE(m1IsLightningLayer(8));
  for (size_t i = 1; i < ops.size(); ++i) EXPECT_LE(ops[i - 1].layer, ops[i].layer);
  EXPECT_EQ(ops.back().layer, 79);
}

TEST(PerfNcclPaths, SearchOrderAndOverride) {
  auto p = ncclSearchPatterns("", "/root");
  ASSERT_GE(p.size(), 4u);
  EXPECT_EQ(p.front(), "libnccl.so.2");
  EXPECT_EQ(p.back(), "/usr/local/cuda/lib64/libnccl.so.2");
  bool wheel = false, local = false;
  for (const auto& s : p) {
    wheel |= s == "/usr/local/lib/python3*/dist-packages/nvidia/nccl/lib/libnccl.so.2";
    local |= s == "/root/.local/lib/python3*/site-packages/nvidia/nccl/lib/libnccl.so.2";
  }
  EXPECT_TRUE(wheel);
  EXPECT_TRUE(local);
  EXPECT_EQ(ncclSearchPatterns("/opt/nccl/libnccl.so.2", "/root"),
            std::vector<std::string>{"/opt/nccl/libnccl.so.2"});
  EXPECT_EQ(ncclVersionString(22809), "2.28.9");
  EXPECT_EQ(ncclVersionString(2708), "2.7.8");
}

}  // namespace
}  // namespace lccl::perf
