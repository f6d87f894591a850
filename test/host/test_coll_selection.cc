// Host tests of the collectives' selection table and work-splitting
// arithmetic (no GPU needed).
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "../../collectives/src/algorithm.hpp"
#include "../../collectives/src/layout.hpp"
#include "../../collectives/src/windows.hpp"
#include "lccl/collectives.hpp"
#include "lccl/errors.hpp"

namespace lccl::detail {
namespace {

const Choice kOneShot{Algo::OneShot, Proto::LL};
const Choice kTwoShotLL{Algo::TwoShot, Proto::LL};
const Choice kTwoShot{Algo::TwoShot, Proto::Simple};

TEST(CollSelection, SmallMessagesUseOneShotLL) {
  for (int n : {2, 3, 4, 8}) {
    EXPECT_EQ(selectAllReduce(1, n), kOneShot) << n;
    EXPECT_EQ(selectAllReduce(32u << 10, n), kOneShot) << n;
  }
  EXPECT_EQ(selectAllReduce(64u << 10, 2), kOneShot);
  EXPECT_EQ(selectAllReduce(64u << 10, 8), kOneShot);
}

TEST(CollSelection, LL128BeyondLL16UpToFourRanks) {
  const Choice one128{Algo::OneShot, Proto::LL128}, two128{Algo::TwoShot, Proto::LL128};
  for (int n : {2, 4}) {
    const SelectTable& t = kSelect[n <= 2 ? 0 : 1];
    EXPECT_EQ(selectAllReduce(t.oneShotLL + 1, n), one128) << n;
    EXPECT_EQ(selectAllReduce(t.oneShotLL128, n), one128) << n;
    if (t.twoShotLL128 > t.oneShotLL128) {
      EXPECT_EQ(selectAllReduce(t.oneShotLL128 + 1, n), two128) << n;
      EXPECT_EQ(selectAllReduce(t.twoShotLL128, n), two128) << n;
    }
    EXPECT_EQ(selectAllReduce(t.twoShotLL128 + 1, n), kTwoShot) << n;
  }
  EXPECT_EQ(selectAllReduce(3u << 20, 3), two128);
}

TEST(CollSelection, EightRanksKeepLL16TwoShot) {
  EXPECT_EQ(selectAllReduce((64u << 10) + 1, 8), kTwoShotLL);
  EXPECT_EQ(selectAllReduce(1u << 20, 8), kTwoShotLL);
  EXPECT_EQ(selectAllReduce(4u << 20, 8), kTwoShot);
}

TEST(CollSelection, EveryDefaultIsFeasible) {
  for (int n = 1; n <= kMaxRanks; ++n)
    for (size_t b = 1; b < (64u << 20); b = b * 3 + 1)
      EXPECT_TRUE(feasible(selectAllReduce(b, n), b, n)) << b << " bytes, " << n << " ranks";
}

TEST(CollSelection, FeasibilityLimits) {
  EXPECT_FALSE(feasible({Algo::OneShot, Proto::Simple}, 16, 4));
  EXPECT_TRUE(feasible(kOneShot, kOneShotMaxBytes, 4));
  EXPECT_FALSE(feasible(kOneShot, kOneShotMaxBytes + 1, 4));
  EXPECT_TRUE(feasible(kTwoShotLL, kOneShotMaxBytes / 2 * 4, 4));
  EXPECT_FALSE(feasible(kTwoShotLL, kOneShotMaxBytes / 2 * 4 + 1, 4));
  EXPECT_TRUE(feasible(kTwoShot, size_t{1} << 40, 4));
  EXPECT_TRUE(feasible(kOneShot, kTwoRankLLBytes, 2));  // two ranks: the larger slot
  EXPECT_FALSE(feasible(kOneShot, kTwoRankLLBytes + 1, 2));
  const Choice one128{Algo::OneShot, Proto::LL128}, two128{Algo::TwoShot, Proto::LL128};
  for (int n = 2; n <= kMaxRanks; ++n) {
    const size_t cap = ll128SlotUnits(n) * 480;  // data one sender's slot carries
    EXPECT_EQ(ll128SlotUnits(n) % 2, 0u) << n;   // two-shot halves are whole units
    EXPECT_TRUE(feasible(one128, cap, n)) << n;
    EXPECT_FALSE(feasible(one128, cap + 1, n)) << n;
    const size_t twoCap = ll128SlotUnits(n) / 2 * 480 * n;  // every shard within half a slot
    EXPECT_TRUE(feasible(two128, twoCap, n)) << n;
    EXPECT_FALSE(feasible(two128, twoCap + 1, n)) << n;
    EXPECT_TRUE(ll128Fits(cap, n) && !ll128Fits(cap + 1, n)) << n;
  }
  EXPECT_EQ(defaultLLTotalBytes(2), 2u << 20);
  EXPECT_EQ(defaultLLTotalBytes(4), 1u << 20);
  EXPECT_EQ(defaultPipeMinBytes(2), kTwoShotChunkBytes + 1);  // two ranks: beyond one chunk
  EXPECT_EQ(defaultPipeMinBytes(4), kPipeMinBytes);
}

TEST(CollSelection, OverridesForceAlgorithmAndProtocol) {
  EXPECT_EQ(applyOverrides(kOneShot, 1024, 4, "twoshot", ""), kTwoShotLL);
  EXPECT_EQ(applyOverrides(kOneShot, 1024, 4, "", "simple"), kTwoShot);
  EXPECT_EQ(applyOverrides(kTwoShot, 1024, 4, "OneShot", ""), kOneShot);
  EXPECT_EQ(applyOverrides(kTwoShot, 1024, 4, "twoshot", "LL"), kTwoShotLL);
  EXPECT_EQ(applyOverrides(kOneShot, 1024, 4, "^oneshot", ""), kTwoShotLL);
  // Excluding the chosen protocol keeps the algorithm where it can.
  EXPECT_EQ(applyOverrides(kTwoShotLL, 1024, 4, "", "^LL"), (Choice{Algo::TwoShot, Proto::LL128}));
  EXPECT_EQ(applyOverrides(kOneShot, 1024, 4, "", "ll128"), (Choice{Algo::OneShot, Proto::LL128}));
  EXPECT_EQ(applyOverrides(kOneShot, 1024, 4, "twoshot", "LL128"), (Choice{Algo::TwoShot, Proto::LL128}));
  EXPECT_EQ(applyOverrides(kTwoShot, 1024, 4, "", "^simple"), kTwoShotLL);
}

// Over links that cannot carry LL128 lines (PCIe) its choices fall back to
// the closest feasible one.
TEST(CollSelection, WithoutLL128) {
  const Choice two128{Algo::TwoShot, Proto::LL128};
  for (int n : {2, 3, 4})
    for (size_t b : {size_t{1}, (size_t{64} << 10) + 1, size_t{1} << 20, size_t{4} << 20, size_t{16} << 20}) {
      const Choice c = withoutProto(selectAllReduce(b, n), b, n, Proto::LL128);
      EXPECT_NE(c.proto, Proto::LL128) << b << " bytes, " << n << " ranks";
      EXPECT_TRUE(feasible(c, b, n)) << b << " bytes, " << n << " ranks";
    }
  EXPECT_EQ(withoutProto(two128, 1u << 20, 4, Proto::LL128), kTwoShotLL);
  EXPECT_EQ(withoutProto(two128, 4u << 20, 4, Proto::LL128), kTwoShot);
  EXPECT_EQ(withoutProto(kOneShot, 1024, 4, Proto::LL128), kOneShot);
}

TEST(CollSelection, LL128SplitWhereMeasured) {
  const size_t mib = size_t{1} << 20;
  // By size (mode 1): movement / ReduceScatter from 4 MiB in all on 3+ ranks, one block per SM.
  EXPECT_EQ(ll128Split(1, false, false, 4 * mib, 4), 1);
  EXPECT_EQ(ll128Split(1, false, false, 8 * mib, 3), 1);
  EXPECT_EQ(ll128Split(1, false, false, 4 * mib - 1, 4), 0);
  EXPECT_EQ(ll128Split(1, false, false, 8 * mib, 2), 0);
  // AllReduce: two-shot on 2 ranks only, two blocks per SM; never one-shot.
  EXPECT_EQ(ll128Split(1, true, true, 4 * mib, 2), 2);
  EXPECT_EQ(ll128Split(1, true, true, 4 * mib, 4), 0);
  EXPECT_EQ(ll128Split(1, true, false, 16 * mib, 2), 0);
  EXPECT_EQ(ll128Split(1, true, true, 2 * mib, 2), 0);
  // Forced: never, or always within one / two blocks per SM.
  for (bool ar : {false, true}) {
    EXPECT_EQ(ll128Split(0, ar, true, 64 * mib, 2), 0);
    EXPECT_EQ(ll128Split(2, ar, false, 1024, 4), 1);
    EXPECT_EQ(ll128Split(3, ar, true, 1024, 8), 2);
  }
}

TEST(CollSelection, DefaultLL128LimitFitsTheSlots) {
  // The default LL128 limit of AllGather / ReduceScatter / AllToAll is
  // reachable: a piece set of that total fits one sender's LL128 slot.
  EXPECT_EQ(defaultLL128TotalBytes(4), size_t{32} << 20);
  EXPECT_EQ(defaultLL128TotalBytes(2), size_t{8} << 20);
  for (int n = 2; n <= 8; ++n) {
    const size_t piece = defaultLL128TotalBytes(n) / static_cast<size_t>(n);
    EXPECT_TRUE(ll128Fits(piece, n)) << n << " ranks";
  }
}

TEST(CollSelection, RootedLL128Range) {
  const size_t mib = size_t{1} << 20;
  for (bool bcast : {false, true}) {
    const size_t max = bcast ? kBroadcastLL128MaxBytes : kReduceLL128MaxBytes;
    EXPECT_TRUE(rootedLL128Serves(mib, 4, bcast));
    EXPECT_TRUE(rootedLL128Serves(max, 4, bcast));
    EXPECT_TRUE(rootedLL128Serves(kRootedLL128MinBytes, 8, bcast));
    EXPECT_FALSE(rootedLL128Serves(max + 1, 4, bcast));
    EXPECT_FALSE(rootedLL128Serves(kRootedLL128MinBytes - 1, 4, bcast));
    EXPECT_FALSE(rootedLL128Serves(mib, 2, bcast));  // two ranks: LL16 and the direct path
  }
  // 8 ranks: a shard must fit half a slot (32 MiB / 8 ranks / 2 = 2 MiB, 16 MiB in all).
  EXPECT_TRUE(rootedLL128Serves(15 * mib, 8, false));
  // Every rank owns a non-empty shard from the minimum on (units > n (n - 1)).
  for (int n = 3; n <= 8; ++n) {
    const size_t units = ll128Units(kRootedLL128MinBytes);
    const size_t per = (units + n - 1) / n;
    EXPECT_LT(per * (n - 1), units) << n << " ranks";
  }
}

TEST(CollSelection, ProtocolMasks) {
  EXPECT_EQ(protoMask(""), kAllProtos);
  EXPECT_EQ(protoMask("LL128"), protoBit(Proto::LL128));
  EXPECT_EQ(protoMask("^ll"), protoBit(Proto::LL128) | protoBit(Proto::Simple));
  EXPECT_EQ(protoMask("Simple"), protoBit(Proto::Simple));
  EXPECT_THROW(protoMask("LL64"), InvalidArgumentError);
}

TEST(CollSelection, InfeasibleOverridesAreCompletedOrIgnored) {
  // One-shot cannot carry 32 MiB on 4 ranks, nor LL 8 MiB: ignored.
  EXPECT_EQ(applyOverrides(kTwoShot, 32u << 20, 4, "oneshot", ""), kTwoShot);
  EXPECT_EQ(applyOverrides(kTwoShot, 8u << 20, 4, "", "LL"), kTwoShot);
  // The algorithm adapts to a forced protocol: two-shot LL at 1 MiB.
  EXPECT_EQ(applyOverrides(kTwoShot, 1u << 20, 4, "", "LL"), kTwoShotLL);
  EXPECT_EQ(applyOverrides(kOneShot, 1024, 4, "oneshot", "simple"), kOneShot);
}

TEST(CollSelection, UnknownOverrideNamesAreErrors) {
  EXPECT_THROW(applyOverrides(kOneShot, 1024, 4, "ring", ""), InvalidArgumentError);
  EXPECT_THROW(applyOverrides(kOneShot, 1024, 4, "", "LL64"), InvalidArgumentError);
  try {
    applyOverrides(kOneShot, 1024, 4, "^NVLS", "");
    FAIL() << "no error";
  } catch (const InvalidArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("LCCL_ALGO='^NVLS'"), std::string::npos) << e.what();
  }
}

TEST(CollLayout, RegionsDoNotOverlapAndLLSlotsFit) {
  for (int n = 1; n <= kMaxRanks; ++n) {
    const ScratchLayout l = ScratchLayout::make(n);
    EXPECT_EQ(l.llSlotBytes, llCapacity(n) / kLLDataPerPacket * kLLPacketBytes);
    EXPECT_LE(l.llRegionBytes, l.simpleInOffset);
    EXPECT_LE(l.simpleInOffset + kSimpleChunkBytes, l.simpleOutOffset);
    EXPECT_LE(l.simpleOutOffset + kSimpleChunkBytes, l.p2pOffset);
    EXPECT_LE(l.p2pOffset + l.p2pInboxBytes * n, l.flagsOffset);
    EXPECT_EQ(l.flagsOffset % 8, 0u);
    EXPECT_EQ(l.p2pReadyOffset, l.flagsOffset + 8 * kMaxBlocks * kMaxRanks);
    EXPECT_EQ(l.p2pAckOffset, l.p2pReadyOffset + 8 * kMaxRanks * kMaxP2PBlocks);
    EXPECT_LE(l.p2pAckOffset + 8 * kMaxRanks * kMaxP2PBlocks, l.ll128Offset);
    EXPECT_EQ(l.ll128Offset % 4096, 0u);  // LL128 units are 512-byte aligned
    EXPECT_EQ(l.ll128SlotBytes, ll128SlotUnits(n) * LL128::kUnitBytes);
    EXPECT_EQ(l.totalBytes, l.ll128Offset + 2 * n * l.ll128SlotBytes);
    for (uint32_t flag : {1u, 2u})
      for (int s = 0; s < n; ++s) {
        EXPECT_GE(l.ll128SlotOffset(flag, s, n), l.ll128Offset);
        EXPECT_LE(l.ll128SlotOffset(flag, s, n) + l.ll128SlotBytes, l.totalBytes);
      }
    EXPECT_NE(l.ll128SlotOffset(1, 0, n), l.ll128SlotOffset(2, 0, n));
    EXPECT_EQ(l.p2pInboxBytes % (2 * 16 * kMaxP2PBlocks), 0u);
    for (uint32_t flag : {1u, 2u})
      for (int s = 0; s < n; ++s) EXPECT_LE(l.llSlotOffset(flag, s, n) + l.llSlotBytes, l.llRegionBytes);
  }
}

TEST(CollLayout, LLParitiesAlternate) {
  const ScratchLayout l = ScratchLayout::make(4);
  EXPECT_NE(l.llSlotOffset(1, 2, 4), l.llSlotOffset(2, 2, 4));
  EXPECT_EQ(l.llSlotOffset(1, 2, 4), l.llSlotOffset(3, 2, 4));
}

// Every byte of [0, bytes) belongs to exactly one rank's shard.
TEST(CollLayout, TwoShotShardsPartitionOddSizes) {
  std::mt19937 rng(7);
  for (int n = 1; n <= kMaxRanks; ++n)
    for (int trial = 0; trial < 200; ++trial) {
      const size_t bytes = rng() % 100000;
      size_t next = 0;
      for (int q = 0; q < n; ++q) {
        const Slice s = shardBytes(bytes, n, q);
        ASSERT_EQ(s.begin, next) << bytes << " bytes, rank " << q << " of " << n;
        ASSERT_LE(s.begin, s.end);
        if (q < n - 1) {
          ASSERT_EQ(s.end % 16, 0u);
        }
        next = s.end;
      }
      ASSERT_EQ(next, bytes);
    }
}

// Block slices partition a range, 16-byte aligned except the last end.
TEST(CollLayout, BlockSlicesPartitionRanges) {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 500; ++trial) {
    const size_t begin = (rng() % 1000) * 16, len = rng() % 300000;
    const int blocks = 1 + static_cast<int>(rng() % 132);
    size_t next = begin;
    for (int b = 0; b < blocks; ++b) {
      const Slice s = blockSlice(begin, begin + len, b, blocks);
      ASSERT_EQ(s.begin, next) << "block " << b << " of " << blocks << ", len " << len;
      ASSERT_LE(s.begin, s.end);
      if (b < blocks - 1) {
        ASSERT_EQ((s.end - begin) % 16, 0u);
      }
      next = s.end;
    }
    ASSERT_EQ(next, begin + len);
  }
}

TEST(CollLayout, ChunkCounts) {
  EXPECT_EQ(numChunks(1), 1u);
  EXPECT_EQ(numChunks(kSimpleChunkBytes), 1u);
  EXPECT_EQ(numChunks(kSimpleChunkBytes + 1), 2u);
  EXPECT_EQ(numChunks(size_t{1} << 30), (size_t{1} << 30) / kSimpleChunkBytes);
}

TEST(CollTypes, SizesAndNames) {
  EXPECT_EQ(dataTypeSize(DataType::Int8), 1u);
  EXPECT_EQ(dataTypeSize(DataType::Fp8E5M2), 1u);
  EXPECT_EQ(dataTypeSize(DataType::BFloat16), 2u);
  EXPECT_EQ(dataTypeSize(DataType::Float32), 4u);
  EXPECT_EQ(dataTypeSize(DataType::Uint64), 8u);
  EXPECT_STREQ(dataTypeName(DataType::BFloat16), "bfloat16");
  EXPECT_STREQ(dataTypeName(DataType::Float16), "half");
  EXPECT_STREQ(reduceOpName(ReduceOp::Avg), "avg");
  for (int t = 0; t < static_cast<int>(DataType::Count); ++t)
    EXPECT_GT(dataTypeSize(static_cast<DataType>(t)), 0u);
}

}  // namespace
}  // namespace lccl::detail

namespace lccl::detail {
namespace {

// The two-shot inboxes (one slot per sender, each as large as the largest
// shard) fit the stage region for every chunk size up to the chunk limit.
TEST(CollLayout, TwoShotInboxesFitTheStage) {
  for (int n = 1; n <= kMaxRanks; ++n)
    for (size_t bytes : {size_t{1}, size_t{17}, size_t{4096}, kTwoShotChunkBytes - 1, kTwoShotChunkBytes}) {
      const size_t slot = twoShotSlotBytes(bytes, n);
      EXPECT_EQ(slot % 16, 0u);
      EXPECT_LE(slot * n, kSimpleChunkBytes) << bytes << " bytes, " << n << " ranks";
      for (int q = 0; q < n; ++q) {
        const Slice s = shardBytes(bytes, n, q);
        EXPECT_LE(s.end - s.begin, slot);
      }
    }
}

// The pipelined two-shot: equal chunks that cover the buffer, two parities of
// inbox slots that fit the stage.
TEST(CollLayout, PipeGeometryCoversTheBuffer) {
  const size_t sizes[] = {1, 16, 17, 4096, kPipeChunkBytes - 1, kPipeChunkBytes, kPipeChunkBytes + 1,
                          3 * kPipeChunkBytes + 5, (size_t{1} << 30) + 3};
  for (size_t bytes : sizes) {
    const PipeGeometry g = pipeGeometry(bytes);
    EXPECT_EQ(g.chunkBytes % 16, 0u) << bytes;
    EXPECT_LE(g.chunkBytes, kPipeChunkBytes) << bytes;
    EXPECT_GE(g.chunks * g.chunkBytes, bytes) << bytes;
    EXPECT_LT((g.chunks - 1) * g.chunkBytes, bytes) << bytes;
    EXPECT_EQ(g.chunks, (bytes + kPipeChunkBytes - 1) / kPipeChunkBytes) << bytes;
  }
  EXPECT_EQ(pipeGeometry(0).chunks, 0u);
  for (int n = 1; n <= kMaxRanks; ++n)
    EXPECT_LE(2 * static_cast<size_t>(n) * twoShotSlotBytes(kPipeChunkBytes, n), kStageBytes) << n;
}

// The pipelined push: at least kPushPipeMinChunks equal chunks (16-byte
// multiples) that cover the piece and fit a slot; every block's slice of
// chunk k lies in chunk k, at the offsets of its slice of a full chunk, and
// the slices of all chunks cover the piece once.
TEST(CollLayout, PushPipeGeometry) {
  for (int n : {2, 3, 4, 8}) {
    const size_t slot = pushPipeSlotBytes(n);
    for (size_t bytes : {size_t{4} << 20, (size_t{4} << 20) + 1, size_t{12345678}, slot * 5 + 7,
                         size_t{1} << 30}) {
      const PipeGeometry g = pushPipeGeometry(bytes, n);
      EXPECT_EQ(g.chunkBytes % 16, 0u) << bytes;
      EXPECT_LE(g.chunkBytes, slot) << bytes;
      EXPECT_GE(g.chunks, kPushPipeMinChunks) << bytes;
      EXPECT_GE(g.chunks * g.chunkBytes, bytes) << bytes;
      EXPECT_LT((g.chunks - 1) * g.chunkBytes, bytes) << bytes;
    }
  }
  EXPECT_EQ(pushPipeGeometry(0, 4).chunks, 0u);
  // By default from 32 MiB sent to the peers: 2 ranks 32 MiB pieces, 4 ranks beyond 10 MiB
  // (after LL128's 8 MiB pieces), never with one rank.
  EXPECT_EQ(defaultPushPipeMinBytes(2), size_t{32} << 20);
  EXPECT_GT(defaultPushPipeMinBytes(4), size_t{10} << 20);
  EXPECT_LT(defaultPushPipeMinBytes(4), size_t{11} << 20);
  EXPECT_EQ(defaultPushPipeMinBytes(1), ~size_t{0});
  for (int blocks : {1, 7, 132}) {
    const size_t bytes = 5 * 4096 + 13;  // a short, unaligned last chunk
    const PipeGeometry g = pushPipeGeometry(bytes, 4);
    std::vector<int> seen(bytes, 0);
    for (size_t k = 0; k < g.chunks; ++k)
      for (int b = 0; b < blocks; ++b) {
        const Slice s = pushPipeSlice(g, bytes, k, b, blocks);
        const Slice full = blockSlice(0, g.chunkBytes, b, blocks);
        ASSERT_LE(s.begin, s.end);
        if (s.end == s.begin) continue;
        EXPECT_GE(s.begin - k * g.chunkBytes, full.begin) << k << " " << b;
        EXPECT_LE(s.end - k * g.chunkBytes, full.end) << k << " " << b;
        for (size_t i = s.begin; i < s.end; ++i) ++seen[i];
      }
    for (size_t i = 0; i < bytes; ++i) ASSERT_EQ(seen[i], 1) << "byte " << i << ", " << blocks << " blocks";
  }
}

// Every chunk, full or short, is cut into disjoint slices that cover it, and a
// block's slice of a short chunk lies inside its slice of a full one.
TEST(CollLayout, PipeSlicesKeepTheirOwners) {
  for (int n : {2, 3, 4, 8})
    for (int blocks : {1, 7, 132}) {
      const size_t geom = (1u << 20) + 48;
      for (size_t bytes : {geom, geom - 16, size_t{12345} * 4, size_t{1}}) {
        std::vector<int> owner(bytes, -1);
        for (int q = 0; q < n; ++q)
          for (int b = 0; b < blocks; ++b) {
            const Slice s = pipeSlice(geom, bytes, n, q, b, blocks);
            const Slice full = pipeSlice(geom, geom, n, q, b, blocks);
            ASSERT_LE(s.begin, s.end);
            if (s.end > s.begin) {
              EXPECT_GE(s.begin, full.begin);
              EXPECT_LE(s.end, full.end);
            }
            for (size_t i = s.begin; i < s.end; ++i) {
              EXPECT_EQ(owner[i], -1) << "byte " << i << " twice";
              owner[i] = q * blocks + b;
            }
          }
        for (size_t i = 0; i < bytes; ++i) ASSERT_NE(owner[i], -1) << "byte " << i << " of " << bytes;
      }
    }
}

// The direct path of two ranks: chunks (by default 4 - 16 MiB, a multiple
// of 16) that cover the buffer, a ring of slots that fits the stage, and
// every chunk (the short last one too) cut into disjoint block slices that
// lie inside the block's slice of a full chunk (a reused slot byte keeps its
// block).
TEST(CollLayout, DirectGeometryAndSlices) {
  EXPECT_EQ(directGeometry(0, 16).chunks, 0u);
  const size_t sizes[] = {1, 17, 3u << 20, (5u << 20) + 7, (16u << 20), (64u << 20) + 12,
                          (size_t{1} << 30) + 3};
  for (size_t chosen : {size_t{0}, size_t{1}, size_t{1000001}, size_t{1} << 30})
    for (size_t bytes : sizes) {
      const DirectGeometry g = directGeometry(bytes, directChunkBytes(bytes, chosen));
      EXPECT_EQ(g.chunkBytes % 16, 0u) << bytes;
      EXPECT_LE(g.chunkBytes, chosen ? kStageBytes / 2 : kDirectMaxChunk) << bytes;
      if (bytes >= kDirectMinChunk && !chosen) {
        EXPECT_GE(g.chunkBytes, kDirectMinChunk) << bytes;
      }
      EXPECT_GE(g.chunks * g.chunkBytes, bytes) << bytes;
      EXPECT_LT((g.chunks - 1) * g.chunkBytes, bytes) << bytes;
      EXPECT_GE(g.slots, 2u) << bytes;
      EXPECT_LE(g.slots * g.chunkBytes, kStageBytes) << bytes;
    }
  EXPECT_EQ(directChunkBytes(size_t{1} << 30, 0), kDirectMaxChunk);
  EXPECT_EQ(directChunkBytes(size_t{8} << 20, 0), kDirectMinChunk);
  EXPECT_EQ(directChunkBytes(size_t{32} << 20, 0), size_t{8} << 20);
  EXPECT_EQ(directChunkBytes(size_t{1} << 30, 1000001), 1000016u);
  // Chains: 1/16 of the call within [2 MiB, 4 MiB], never past the call, chosen as above.
  EXPECT_EQ(chainChunkBytes(size_t{16} << 20, 0), kChainMinChunk);
  EXPECT_EQ(chainChunkBytes(size_t{48} << 20, 0), size_t{3} << 20);
  EXPECT_EQ(chainChunkBytes(size_t{1} << 30, 0), kChainMaxChunk);
  EXPECT_EQ(chainChunkBytes(1000, 0), 1008u);
  EXPECT_EQ(chainChunkBytes(size_t{1} << 30, 1000001), 1000016u);
  for (size_t bytes : sizes) {
    const DirectGeometry g = directGeometry(bytes, chainChunkBytes(bytes, 0));
    EXPECT_GE(g.chunks * g.chunkBytes, bytes) << bytes;
    EXPECT_GE(g.slots, 2u) << bytes;
    EXPECT_LE(g.slots * g.chunkBytes, kStageBytes) << bytes;
  }
  for (size_t bytes : {size_t{1}, (size_t{5} << 20) + 7, (size_t{9} << 20) + 4})
    for (int blocks : {1, 7, 132}) {
      const DirectGeometry g = directGeometry(bytes, directChunkBytes(bytes, 1u << 20));
      std::vector<uint8_t> seen(bytes, 0);
      for (size_t k = 0; k < g.chunks; ++k)
        for (int b = 0; b < blocks; ++b) {
          const Slice s = directSlice(g, bytes, k, b, blocks);
          const Slice full = directSlice(g, SIZE_MAX, k, b, blocks);
          ASSERT_LE(s.begin, s.end);
          if (s.end > s.begin) {
            EXPECT_GE(s.begin, full.begin);
            EXPECT_LE(s.end, full.end);
            EXPECT_GE(s.begin, k * g.chunkBytes);
            EXPECT_LE(s.end, (k + 1) * g.chunkBytes);
          }
          for (size_t i = s.begin; i < s.end; ++i) {
            EXPECT_EQ(seen[i], 0) << "byte " << i << " twice";
            seen[i] = 1;
          }
        }
      for (size_t i = 0; i < bytes; ++i) ASSERT_EQ(seen[i], 1) << "byte " << i << " of " << bytes;
    }
}

TEST(CollWindows, LookupInsideOutsideStraddling) {
  const WindowRange w[2] = {{0x10000, 0x1000}, {0x40000, 0x100}};
  const auto at = [](uintptr_t p) { return reinterpret_cast<const void*>(p); };
  EXPECT_EQ(findWindow(w, 2, at(0x10000), 0x1000), 0);   // the whole window
  EXPECT_EQ(findWindow(w, 2, at(0x10800), 0x800), 0);    // up to its end
  EXPECT_EQ(findWindow(w, 2, at(0x10800), 0x801), -1);   // one byte past
  EXPECT_EQ(findWindow(w, 2, at(0xffff), 16), -1);       // starts before
  EXPECT_EQ(findWindow(w, 2, at(0x11000), 1), -1);       // just after
  EXPECT_EQ(findWindow(w, 2, at(0x40010), 0x10), 1);
  EXPECT_EQ(findWindow(w, 2, at(0x40000), 0x101), -1);
  EXPECT_EQ(findWindow(w, 2, at(0x10010), SIZE_MAX), -1);  // no overflow
  EXPECT_EQ(findWindow(w, 0, at(0x10000), 1), -1);
  EXPECT_EQ(findWindow(w, 2, at(0x20000), 0), -1);
}

// Zero-copy stands in for the Simple paths only (AllReduce: the single-chunk
// two-shot, not the pipelined one), on the rank counts it has run on; never
// for Reduce.
TEST(CollWindows, ZeroCopyServesWhereMeasured) {
  EXPECT_TRUE(zeroCopyServes(Kind::AllReduce, 1u << 20, 2, true));
  EXPECT_TRUE(zeroCopyServes(Kind::AllReduce, kPipeMinBytes - 1, 2, true));
  EXPECT_FALSE(zeroCopyServes(Kind::AllReduce, kPipeMinBytes, 2, true));
  EXPECT_FALSE(zeroCopyServes(Kind::AllReduce, 1u << 20, 2, false));  // an LL path was chosen
  EXPECT_TRUE(zeroCopyServes(Kind::AllReduce, 4u << 20, 4, true));
  EXPECT_FALSE(zeroCopyServes(Kind::AllReduce, 4u << 20, 8, true));
  for (Kind k : {Kind::ReduceScatter, Kind::AllGather, Kind::AllToAll}) {
    EXPECT_TRUE(zeroCopyServes(k, kPipeMinBytes, 4, true));  // no pipelined path to give way to
    EXPECT_FALSE(zeroCopyServes(k, 4u << 20, 4, false));
    EXPECT_FALSE(zeroCopyServes(k, 4u << 20, 1, true));
    EXPECT_FALSE(zeroCopyServes(k, 4u << 20, 5, true));
  }
  EXPECT_FALSE(zeroCopyServes(Kind::Reduce, 4u << 20, 4, true));
  EXPECT_FALSE(zeroCopyServes(Kind::Broadcast, 4u << 20, 4, true));
}

// What peers reach of each rank's buffers through windows.
TEST(CollWindows, SpansPerCollective) {
  const size_t piece = 1000, all = 3000;
  auto eq = [](WindowSpans s, size_t send, size_t recv) { return s.send == send && s.recv == recv; };
  EXPECT_TRUE(eq(windowSpans(Kind::AllReduce, piece, 3), piece, piece));
  EXPECT_TRUE(eq(windowSpans(Kind::ReduceScatter, piece, 3), all, 0));  // recv: written locally
  EXPECT_TRUE(eq(windowSpans(Kind::AllGather, piece, 3), 0, all));      // send: read locally
  EXPECT_TRUE(eq(windowSpans(Kind::AllToAll, piece, 3), 0, all));
}

// The zero-copy check slots lie past everything the staged paths put in the
// simple-in region.
TEST(CollWindows, CheckSlotsClearOfTheStages) {
  for (int n = 1; n <= kMaxRanks; ++n) {
    const ScratchLayout l = ScratchLayout::make(n);
    const size_t check = windowCheckOffset(l) - l.simpleInOffset;
    EXPECT_LE(2 * static_cast<size_t>(n) * twoShotSlotBytes(kPipeChunkBytes, n), check) << n;
    EXPECT_LE(static_cast<size_t>(n) * twoShotSlotBytes(kTwoShotChunkBytes, n), check) << n;
    EXPECT_LE(static_cast<size_t>(n) * pushSlotBytes(pushChunkBytes(n)), check) << n;
    EXPECT_LE(2 * static_cast<size_t>(n) * pushPipeSlotBytes(n), check) << n;
    EXPECT_LE(kSimpleChunkBytes, check) << n;
    EXPECT_LE(windowCheckOffset(l) + kWindowCheckBytes, l.simpleOutOffset) << n;
  }
}

}  // namespace
}  // namespace lccl::detail
