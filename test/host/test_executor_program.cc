// The GPU executor's host-side analysis, without a GPU: channel slots pair up
// across ranks, which buffers peers reach (and so are staged), packet-op
// flags and wait peers, arena needs and layout, and the replica slices.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "exec/arena.hpp"
#include "exec/program.hpp"
#include "lccl/executors/check.hpp"
#include "lccl/executors/generate.hpp"

namespace {

using lccl::plan::Buffer;
using lccl::plan::OpKind;
using lccl::plan::Protocol;
namespace exec = lccl::exec;

lccl::plan::PlanFile generated(const std::string& algo, int nranks, Protocol proto,
                               bool inplace = false) {
  lccl::plan::GenerateOptions o;
  o.algorithm = algo;
  o.nranks = nranks;
  o.protocol = proto;
  o.inplace = inplace;
  lccl::plan::PlanFile f;
  lccl::plan::Diagnostics d;
  EXPECT_TRUE(lccl::plan::loadAndCheck(lccl::plan::generatePlan(o), f, d)) << d.format();
  return f;
}

// Every shipped algorithm and protocol for 2, 4 and 8 ranks, in and out of place.
std::vector<lccl::plan::PlanFile> allPlans() {
  std::vector<lccl::plan::PlanFile> out;
  for (const auto& info : lccl::plan::algorithms())
    for (int n : {2, 4, 8})
      for (Protocol p : {Protocol::Simple, Protocol::LL})
        for (bool inplace : {false, true}) {
          if (inplace && !info.inplace) continue;
          if (!info.protocols && p == Protocol::LL) continue;
          out.push_back(generated(info.name, n, p, inplace));
        }
  return out;
}

TEST(ExecutorProgram, ChannelSlotsPairAcrossRanksAndCountersAreDistinct) {
  for (const auto& f : allPlans())
    for (const auto& v : f.variants) {
      const auto& pl = v.plan;
      std::vector<exec::Program> progs(pl.nranks);
      for (int r = 0; r < pl.nranks; ++r) {
        exec::ProgramArrays arrays;
        exec::analyseProgram(progs[r], pl, r, arrays);
        ASSERT_EQ(progs[r].slotOf.size(), pl.ranks[r].channels.size()) << pl.name;
      }
      exec::Capacity cap;
      cap.pairSlots = progs[0].pairSlots;
      const exec::ArenaLayout l = exec::ArenaLayout::make(cap, pl.nranks);
      for (int r = 0; r < pl.nranks; ++r) {
        std::set<uint64_t> counters;
        const auto& chans = pl.ranks[r].channels;
        for (size_t c = 0; c < chans.size(); ++c) {
          const auto& peerEnd = pl.ranks[chans[c].peer].channels[chans[c].peerIndex];
          EXPECT_EQ(peerEnd.id, chans[c].id);
          EXPECT_EQ(progs[r].slotOf[c], progs[chans[c].peer].slotOf[chans[c].peerIndex])
              << pl.name << " rank " << r << " channel " << chans[c].id;
          EXPECT_LT(progs[r].slotOf[c], progs[r].pairSlots);
          EXPECT_TRUE(counters.insert(l.counterIndex(chans[c].peer, progs[r].slotOf[c])).second)
              << pl.name << ": two channels of rank " << r << " share a counter";
        }
        EXPECT_EQ(progs[r].pairSlots, progs[0].pairSlots);
      }
    }
}

TEST(ExecutorProgram, StagesExactlyTheBuffersPeersReach) {
  auto twoshot = generated("allreduce-twoshot", 4, Protocol::Simple);
  exec::Program p;
  exec::ProgramArrays a;
  exec::analyseProgram(p, twoshot.variants[0].plan, 1, a);
  EXPECT_TRUE(p.reaches(1, Buffer::Input));
  EXPECT_TRUE(p.reaches(1, Buffer::Output));
  EXPECT_FALSE(p.reaches(1, Buffer::Scratch));

  auto oneshotLL = generated("allreduce-oneshot", 4, Protocol::LL);
  exec::Program q;
  exec::analyseProgram(q, oneshotLL.variants[0].plan, 0, a);
  for (int r = 0; r < 4; ++r) {
    EXPECT_FALSE(q.reaches(r, Buffer::Input));
    EXPECT_FALSE(q.reaches(r, Buffer::Output));
  }
  // In place: allgather's input is part of its output, so only Output is reached.
  auto gather = generated("allgather-direct", 4, Protocol::Simple, true);
  exec::Program g;
  exec::analyseProgram(g, gather.variants[0].plan, 2, a);
  EXPECT_TRUE(g.reaches(2, Buffer::Output));
  EXPECT_FALSE(g.reaches(2, Buffer::Input));
}

TEST(ExecutorProgram, PacketOpsAreFlaggedWithTheirWriters) {
  auto ring = generated("allreduce-ring", 4, Protocol::LL);
  const auto& pl = ring.variants[0].plan;
  for (int r = 0; r < 4; ++r) {
    exec::Program p;
    exec::ProgramArrays a;
    exec::analyseProgram(p, pl, r, a);
    ASSERT_EQ(a.ops.size(), pl.ranks[r].ops.size());
    for (size_t i = 0; i < a.ops.size(); ++i) {
      const OpKind k = a.ops[i].kind;
      const bool packet = k == OpKind::PutPackets || k == OpKind::ReadPackets || k == OpKind::ReducePackets;
      EXPECT_EQ((a.ops[i].reserved & exec::kOpPacketPath) != 0, packet) << pl.name << " op " << i;
      if (k == OpKind::ReadPackets || k == OpKind::ReducePackets) {
        EXPECT_EQ(a.opPeer[i], (r + 3) % 4) << "rank " << r << " op " << i;  // the ring's previous rank
      }
    }
  }
  auto twoshot = generated("allreduce-twoshot", 4, Protocol::Simple);
  exec::Program p;
  exec::ProgramArrays a;
  exec::analyseProgram(p, twoshot.variants[0].plan, 0, a);
  for (size_t i = 0; i < a.ops.size(); ++i) {
    EXPECT_EQ(a.ops[i].reserved, 0) << "op " << i;
    if (a.ops[i].kind == OpKind::Wait) {
      EXPECT_GE(a.opPeer[i], 1);
    }
  }
}

TEST(ExecutorProgram, ArenaNeedsAndLayout) {
  auto ring = generated("allreduce-ring", 4, Protocol::LL);
  exec::Program p;
  exec::ProgramArrays a;
  exec::analyseProgram(p, ring.variants[0].plan, 0, a);
  const exec::Capacity need = exec::needOf(p, 1000);
  EXPECT_EQ(need.in, 0u);
  EXPECT_EQ(need.out, 0u);
  EXPECT_EQ(need.scratch, 0u);
  EXPECT_EQ(need.ll, ring.variants[0].plan.bufferChunks(Buffer::Scratch) * 2000u);
  EXPECT_EQ(exec::packetChunkBytes(1001), 2016u);

  exec::Capacity none;
  EXPECT_FALSE(none.covers(need));
  const exec::Capacity cap = none.grownTo(need);
  EXPECT_TRUE(cap.covers(need));
  EXPECT_EQ(cap.ll, 16384u);  // rounded up to a power of two
  const exec::ArenaLayout l = exec::ArenaLayout::make(cap, 4);
  EXPECT_EQ(l.region(Buffer::Scratch, true), l.ll);
  EXPECT_EQ(l.counters, l.ll + 2 * cap.ll);
  EXPECT_EQ(l.counters % 8, 0u);
  EXPECT_EQ(l.total, l.counters + 8u * 4 * cap.pairSlots * exec::kMaxReplicas);
  EXPECT_TRUE(cap.grownTo(need).covers(need));
  EXPECT_EQ(cap.grownTo(need).ll, cap.ll);  // no growth when covered
}

TEST(ExecutorProgram, ReplicaSlicesCoverEveryChunkOnce) {
  for (uint64_t cb : {0ull, 1ull, 8ull, 15ull, 16ull, 17ull, 1000ull, 4099ull * 4, 1ull << 20, (1ull << 20) + 6})
    for (uint32_t reps : {1u, 2u, 3u, 7u, 16u, 64u}) {
      uint64_t expectBegin = 0;
      for (uint32_t j = 0; j < reps; ++j) {
        uint64_t b, e;
        exec::replicaSlice(cb, j, reps, b, e);
        EXPECT_EQ(b, expectBegin) << cb << " bytes, replica " << j << "/" << reps;
        EXPECT_LE(b, e);
        EXPECT_EQ(b % 16, 0u);
        expectBegin = e;
      }
      EXPECT_EQ(expectBegin, cb) << cb << " bytes, " << reps << " replicas";
    }
}

}  // namespace
