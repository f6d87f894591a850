// Host tests of the cooperative copy behind MemoryChannel::put/get: the
// head/body/tail split and the per-thread index arithmetic, run on the host
// with the same template the GPU instantiates.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "lccl/primitives/detail/copy.hpp"

namespace {

using lccl::detail::CopySplit;
using lccl::detail::commonAlignment;
using lccl::detail::copyCooperative;
using lccl::detail::splitCopy;

TEST(PrimitivesCopySplit, CommonAlignmentIsLowestDifferingBitCappedAt16) {
  EXPECT_EQ(commonAlignment(0, 0), 16u);
  EXPECT_EQ(commonAlignment(16, 48), 16u);
  EXPECT_EQ(commonAlignment(3, 19), 16u);
  EXPECT_EQ(commonAlignment(8, 0), 8u);
  EXPECT_EQ(commonAlignment(4, 12), 8u);
  EXPECT_EQ(commonAlignment(4, 0), 4u);
  EXPECT_EQ(commonAlignment(2, 0), 2u);
  EXPECT_EQ(commonAlignment(1, 0), 1u);
  EXPECT_EQ(commonAlignment(5, 13), 8u);
  static_assert(commonAlignment(0x1000, 0x2000) == 16, "constexpr");
}

TEST(PrimitivesCopySplit, InvariantsForManySizesAndAlignments) {
  const size_t sizes[] = {0, 1, 2, 3, 4, 7, 8, 15, 16, 17, 31, 32, 33, 100, 4093, 4096, 65541,
                          (1u << 20) + 5};
  for (uintptr_t d = 0; d < 32; ++d)
    for (uintptr_t s = 0; s < 32; ++s)
      for (size_t bytes : sizes) {
        const uintptr_t dst = 0x10000 + d, src = 0x90000 + s;
        const CopySplit c = splitCopy(dst, src, bytes);
        SCOPED_TRACE(testing::Message() << "dst%32=" << d << " src%32=" << s << " bytes=" << bytes);
        const uint32_t w = c.width;
        ASSERT_TRUE(w == 16 || w == 8 || w == 4 || w == 2 || w == 1);
        EXPECT_EQ((d ^ s) % w, 0u) << "width must be a common alignment";
        if (w < 16) {
          EXPECT_NE((d ^ s) % (2 * w), 0u) << "width must be the widest";
        }
        EXPECT_EQ(c.head + c.body + c.tail, bytes);
        EXPECT_LT(c.head, w);
        EXPECT_LT(c.tail, w);
        EXPECT_EQ(c.body % w, 0u);
        if (c.body > 0) {
          EXPECT_EQ((dst + c.head) % w, 0u);
          EXPECT_EQ((src + c.head) % w, 0u);
        }
      }
}

// Access policy for the host: memcpy, plus checks that every vector access is
// aligned to its width and that each destination byte is written once.
struct CheckedAccess {
  template <uint32_t W>
  struct Vector {
    unsigned char b[W];
  };
  static inline const char* dstBase = nullptr;
  static inline std::vector<int>* writes = nullptr;
  static inline int misaligned = 0;
  static inline int wideAccesses = 0;

  template <uint32_t W>
  static Vector<W> load(const char* p) {
    if (reinterpret_cast<uintptr_t>(p) % W != 0) ++misaligned;
    Vector<W> v;
    std::memcpy(v.b, p, W);
    return v;
  }
  template <uint32_t W>
  static void store(char* p, Vector<W> v) {
    if (reinterpret_cast<uintptr_t>(p) % W != 0) ++misaligned;
    if (W == 16) ++wideAccesses;
    for (uint32_t k = 0; k < W; ++k) ++(*writes)[p - dstBase + k];
    std::memcpy(p, v.b, W);
  }
};

// Runs every thread of the group one after another (threads of a copy are
// independent) and checks the result byte for byte.
void runCopy(size_t bytes, size_t dstOff, size_t srcOff, uint32_t numThreads) {
  SCOPED_TRACE(testing::Message() << "bytes=" << bytes << " dstOff=" << dstOff
                                  << " srcOff=" << srcOff << " threads=" << numThreads);
  const size_t pad = 64;
  // 16-byte aligned storage so offsets are the real alignments.
  std::vector<uint64_t> srcStore((bytes + 2 * pad) / 8 + 2), dstStore((bytes + 2 * pad) / 8 + 2);
  char* srcBuf = reinterpret_cast<char*>(srcStore.data());
  char* dstBuf = reinterpret_cast<char*>(dstStore.data());
  const size_t len = (bytes + 2 * pad);
  for (size_t i = 0; i < len; ++i) srcBuf[i] = static_cast<char>(1 + (i * 131 + 7) % 254);
  std::memset(dstBuf, 0xff, len);
  std::vector<int> writes(len, 0);
  CheckedAccess::dstBase = dstBuf;
  CheckedAccess::writes = &writes;
  CheckedAccess::misaligned = 0;
  for (uint32_t t = 0; t < numThreads; ++t)
    copyCooperative<CheckedAccess>(dstBuf + pad + dstOff, srcBuf + pad + srcOff, bytes, t, numThreads);
  EXPECT_EQ(CheckedAccess::misaligned, 0);
  for (size_t i = 0; i < len; ++i) {
    const bool inside = i >= pad + dstOff && i < pad + dstOff + bytes;
    ASSERT_EQ(writes[i], inside ? 1 : 0) << "byte " << i;
    if (inside)
      ASSERT_EQ(dstBuf[i], srcBuf[i - dstOff + srcOff]) << "byte " << i;
    else
      ASSERT_EQ(static_cast<unsigned char>(dstBuf[i]), 0xffu) << "byte " << i;
  }
}

TEST(PrimitivesCopy, EveryByteOnceForOddSizesOffsetsAndGroups) {
  const size_t sizes[] = {0, 1, 3, 4, 15, 16, 17, 100, 257, 4093};
  const size_t offs[][2] = {{0, 0}, {3, 3}, {1, 0}, {5, 13}, {8, 0}, {4, 12}, {0, 7}, {15, 31}};
  const uint32_t groups[] = {1, 3, 32, 97, 512};
  for (size_t bytes : sizes)
    for (auto& o : offs)
      for (uint32_t n : groups) runCopy(bytes, o[0], o[1], n);
}

TEST(PrimitivesCopy, LargeCopyUsesSixteenByteVectors) {
  CheckedAccess::wideAccesses = 0;
  runCopy((1u << 20) + 5, 3, 3, 1000);
  EXPECT_EQ(CheckedAccess::wideAccesses, static_cast<int>(((1u << 20) + 5 - 13) / 16));
  runCopy((1u << 20) + 5, 1, 0, 4096);
  runCopy(65541, 8, 0, 135168);  // more threads than vectors
}

}  // namespace
