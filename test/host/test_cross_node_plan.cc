// Host tests of the cross-node step's arithmetic and ids
// (collectives/src/cross_node_plan.hpp): chunking of tiny and boundary
// sizes, the unpack slices, and the region/semaphore ids that a
// putWithSignal and the waiting side must agree on.
#include <gtest/gtest.h>

#include <vector>

#include "../../collectives/src/cross_node_plan.hpp"
#include "lccl/fifo.hpp"
#include "lccl/proxy.hpp"

namespace lccl::detail {
namespace {

std::vector<size_t> interestingSizes() {
  std::vector<size_t> v;
  for (size_t b = 0; b <= 70; ++b) v.push_back(b);
  for (size_t k : {1u, 2u, 3u})
    for (long d : {-17L, -16L, -1L, 0L, 1L, 15L, 16L})
      v.push_back(static_cast<size_t>(static_cast<long>(k * kPortChunkBytes) + d));
  v.push_back(((9u << 20) + 5) * 4);  // the GPU test's largest float AllReduce
  v.push_back(((9u << 20) + 5) * 4 * 2);  // and its AllGather block with two ranks per node
  return v;
}

TEST(CrossNodePlan, EmptyCallHasNoChunk) {
  EXPECT_EQ(portChunkCount(0), 0u);
  EXPECT_EQ(portChunkSize(0, 0), 0u);
}

TEST(CrossNodePlan, TinyCallsHaveOneChunkOfAllTheirBytes) {
  for (size_t b : {size_t{1}, size_t{2}, size_t{4}, size_t{8}, size_t{28}, size_t{4092}}) {
    EXPECT_EQ(portChunkCount(b), 1u) << b;
    EXPECT_EQ(portChunkOffset(0), 0u);
    EXPECT_EQ(portChunkSize(b, 0), b) << b;
    EXPECT_EQ(portChunkSize(b, 1), 0u) << b;
  }
}

TEST(CrossNodePlan, ChunksCoverEveryByteOnceAndNoneIsEmpty) {
  for (size_t bytes : interestingSizes()) {
    const size_t n = portChunkCount(bytes);
    size_t next = 0;
    for (size_t k = 0; k < n; ++k) {
      ASSERT_EQ(portChunkOffset(k), next) << bytes << " chunk " << k;
      const size_t s = portChunkSize(bytes, k);
      ASSERT_GT(s, 0u) << bytes << " chunk " << k;
      ASSERT_LE(s, kPortChunkBytes);
      next += s;
    }
    EXPECT_EQ(next, bytes) << bytes;
    EXPECT_EQ(portChunkSize(bytes, n), 0u) << bytes;
  }
  EXPECT_EQ(portChunkCount(kPortChunkBytes), 1u);
  EXPECT_EQ(portChunkCount(kPortChunkBytes + 1), 2u);
  EXPECT_EQ(portChunkSize(kPortChunkBytes + 1, 1), 1u);
}

TEST(CrossNodePlan, ChunksNeverSplitAnElement) {
  for (size_t es : {1u, 2u, 4u, 8u}) {
    EXPECT_EQ(kPortChunkBytes % es, 0u);
    for (size_t count : {size_t{1}, size_t{7}, size_t{1023}, size_t{300001}, (size_t{9} << 20) + 5}) {
      const size_t bytes = count * es;
      for (size_t k = 0; k < portChunkCount(bytes); ++k)
        ASSERT_EQ(portChunkSize(bytes, k) % es, 0u) << es << " " << count << " chunk " << k;
    }
  }
}

TEST(CrossNodePlan, WorkBlocksAtLeastOneAtMostTheCap) {
  EXPECT_EQ(portWorkBlocks(0, 512, 64), 1);
  EXPECT_EQ(portWorkBlocks(1, 512, 64), 1);
  EXPECT_EQ(portWorkBlocks(4, 512, 64), 1);
  EXPECT_EQ(portWorkBlocks(512 * 16, 512, 64), 1);
  EXPECT_EQ(portWorkBlocks(512 * 16 + 1, 512, 64), 2);
  EXPECT_EQ(portWorkBlocks(kPortChunkBytes, 512, 64), 64);
}

TEST(CrossNodePlan, UnpackSlicesCoverTheChunkExactly) {
  for (size_t bytes : interestingSizes()) {
    if (bytes > kPortChunkBytes) continue;
    for (unsigned blocks : {1u, 2u, 3u, 7u, 64u, static_cast<unsigned>(portWorkBlocks(bytes, 512, 64))}) {
      size_t next = 0;
      for (unsigned b = 0; b < blocks; ++b) {
        const PortSlice s = portUnpackSlice(bytes, blocks, b);
        ASSERT_LE(s.begin + s.bytes, bytes) << bytes << " " << blocks << " " << b;
        if (s.bytes == 0) continue;
        ASSERT_EQ(s.begin, next) << bytes << " blocks " << blocks << " block " << b;
        ASSERT_EQ(s.begin % 16, 0u);
        next += s.bytes;
      }
      ASSERT_EQ(next, bytes) << bytes << " blocks " << blocks;
    }
  }
}

// The sender's putWithSignal names the peer's slot region; the proxy signals
// the semaphore of the same id; the receiver waits on kDataSemaphore. Acks
// are bare signals on their own counter.
TEST(CrossNodePlan, DataSignalLandsOnTheSemaphoreTheReceiverWaitsOn) {
  ProxyRequestFields f;
  f.type = ProxyRequestType::PutWithSignal;
  f.connection = 3;
  f.srcMem = kStageRegion;
  f.dstMem = kSlotRegion;
  f.size = 4;  // one float: the case that hung
  const ProxyRequestFields d = ProxyRequest::encode(f).decode();
  EXPECT_EQ(d.type, ProxyRequestType::PutWithSignal);
  EXPECT_EQ(d.dstMem, kDataSemaphore);
  EXPECT_EQ(d.srcMem, kStageRegion);
  EXPECT_EQ(d.size, 4u);
  f.type = ProxyRequestType::Signal;
  f.dstMem = kAckSemaphore;
  EXPECT_EQ(ProxyRequest::encode(f).decode().dstMem, kAckSemaphore);
  EXPECT_NE(kAckSemaphore, kDataSemaphore);
  EXPECT_NE(kStageRegion, kSlotRegion);
  for (uint32_t id : {kStageRegion, kSlotRegion, kDataSemaphore, kAckSemaphore}) {
    EXPECT_LT(id, PortService::kSemaphores);
    EXPECT_LT(id, ProxyRequest::kMaxMemIds);
  }
}

}  // namespace
}  // namespace lccl::detail
