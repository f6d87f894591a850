// Host tests of the primitives' data layouts: packets, payload packing and
// device handles (what host code builds and kernels read must agree).
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "lccl/primitives/memory_channel.hpp"
#include "lccl/primitives/packet.hpp"
#include "lccl/primitives/semaphore.hpp"

namespace {

using lccl::LL16Packet;
using lccl::LL8Packet;

TEST(PrimitivesLayout, PacketSizesAndFieldOffsets) {
  EXPECT_EQ(sizeof(LL16Packet), 16u);
  EXPECT_EQ(alignof(LL16Packet), 16u);
  EXPECT_EQ(offsetof(LL16Packet, data0), 0u);
  EXPECT_EQ(offsetof(LL16Packet, flag0), 4u);
  EXPECT_EQ(offsetof(LL16Packet, data1), 8u);
  EXPECT_EQ(offsetof(LL16Packet, flag1), 12u);
  EXPECT_EQ(LL16Packet::kDataBytes, 8u);
  EXPECT_EQ(sizeof(LL8Packet), 8u);
  EXPECT_EQ(offsetof(LL8Packet, data), 0u);
  EXPECT_EQ(offsetof(LL8Packet, flag), 4u);
  EXPECT_EQ(LL8Packet::kDataBytes, 4u);
}

TEST(PrimitivesLayout, PacketBufferArithmetic) {
  EXPECT_EQ(lccl::packetCount<LL16Packet>(0), 0u);
  EXPECT_EQ(lccl::packetCount<LL16Packet>(1), 1u);
  EXPECT_EQ(lccl::packetCount<LL16Packet>(8), 1u);
  EXPECT_EQ(lccl::packetCount<LL16Packet>(9), 2u);
  EXPECT_EQ(lccl::packetBufferBytes<LL16Packet>(4093), 512u * 16);
  EXPECT_EQ(lccl::packetCount<LL8Packet>(3), 1u);
  EXPECT_EQ(lccl::packetCount<LL8Packet>(4093), 1024u);
  EXPECT_EQ(lccl::packetBufferBytes<LL8Packet>(4093), 1024u * 8);
  for (size_t n = 0; n < 100; ++n) {
    EXPECT_GE(lccl::packetBufferBytes<LL16Packet>(n), 2 * n);
    EXPECT_LT(lccl::packetBufferBytes<LL16Packet>(n), 2 * n + 16);
    EXPECT_GE(lccl::packetBufferBytes<LL8Packet>(n), 2 * n);
    EXPECT_LT(lccl::packetBufferBytes<LL8Packet>(n), 2 * n + 8);
  }
}

// A packet's payload is the data bytes read little-endian, whatever the
// alignment; a partial last packet is zero-padded and stores only its bytes.
template <class P>
void payloadRoundTrip() {
  alignas(16) char src[64], dst[64];
  for (int i = 0; i < 64; ++i) src[i] = static_cast<char>(0x11 * (i % 15) + 1);
  for (size_t off = 0; off < 16; ++off)
    for (size_t avail = 1; avail <= sizeof(P) + 2; ++avail) {
      const P v = lccl::detail::loadPayload<P>(src + off, avail);
      P expect = 0;
      const size_t n = avail < sizeof(P) ? avail : sizeof(P);
      for (size_t k = 0; k < n; ++k)
        expect |= static_cast<P>(static_cast<unsigned char>(src[off + k])) << (8 * k);
      ASSERT_EQ(v, expect) << "off " << off << " avail " << avail;
      std::memset(dst, 0x7f, sizeof(dst));
      lccl::detail::storePayload<P>(dst + off, v, avail);
      for (size_t k = 0; k < 64; ++k) {
        const bool written = k >= off && k < off + n;
        ASSERT_EQ(dst[k], written ? src[k] : 0x7f) << "off " << off << " avail " << avail;
      }
    }
}

// LL128: the 32 lanes of a unit carry its 480 data bytes exactly once, each
// piece aligned to its size; every line has one flag lane, its last.
TEST(PrimitivesLayout, LL128LanesCoverAUnitOnce) {
  using lccl::LL128;
  std::vector<int> seen(LL128::kUnitDataBytes, 0);
  uint32_t total = 0;
  for (uint32_t t = 0; t < 32; ++t) {
    const uint32_t off = LL128::dataOffset(t), n = LL128::dataBytes(t);
    EXPECT_EQ(off % n, 0u) << t;
    ASSERT_LE(off + n, LL128::kUnitDataBytes) << t;
    for (uint32_t b = off; b < off + n; ++b) ++seen[b];
    total += n;
    EXPECT_EQ(LL128::flagLane(t), t % 8 == 7) << t;
  }
  EXPECT_EQ(total, LL128::kUnitDataBytes);
  for (uint32_t b = 0; b < LL128::kUnitDataBytes; ++b) EXPECT_EQ(seen[b], 1) << b;
  EXPECT_EQ(LL128::kUnitBytes, 4 * LL128::kLineBytes);
  EXPECT_EQ(LL128::kUnitDataBytes, 4 * LL128::kLineDataBytes);
  EXPECT_EQ(lccl::ll128Units(0), 0u);
  EXPECT_EQ(lccl::ll128Units(480), 1u);
  EXPECT_EQ(lccl::ll128Units(481), 2u);
  EXPECT_EQ(lccl::ll128BufferBytes(481), 1024u);
}

TEST(PrimitivesLayout, PayloadPackingAnyAlignment) {
  payloadRoundTrip<LL16Packet::Payload>();
  payloadRoundTrip<LL8Packet::Payload>();
}

TEST(PrimitivesLayout, DeviceHandlesAreTriviallyCopyable) {
  EXPECT_TRUE(std::is_trivially_copyable_v<lccl::MemoryDevice2DeviceSemaphoreDeviceHandle>);
  EXPECT_TRUE(std::is_trivially_copyable_v<lccl::MemoryChannelDeviceHandle>);
  EXPECT_TRUE(std::is_trivially_copyable_v<lccl::DeviceWaitBound>);
  lccl::MemoryChannelDeviceHandle h;
  EXPECT_EQ(h.dst, nullptr);
  EXPECT_EQ(h.semaphore.bound.slot, nullptr);
  EXPECT_EQ(h.semaphore.bound.timeoutNs, 0u);
}

TEST(PrimitivesLayout, SemaphoreTagRangeIsPositive) {
  EXPECT_GT(lccl::kSemaphoreTagBase, 0);
  EXPECT_GT(lccl::kSemaphoreTagBase + lccl::kSemaphoreTagSpan - 1, lccl::kSemaphoreTagBase);
}

}  // namespace
