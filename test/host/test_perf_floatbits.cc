// lccl-perf host conversions of half, bfloat16 and fp8 (bench/perf/core/floatbits.hpp).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "lccl_perf/floatbits.hpp"

namespace lccl::perf {
namespace {

TEST(PerfFloatBits, KnownHalfValues) {
  EXPECT_EQ(floatToHalf(1.0), 0x3C00);
  EXPECT_EQ(floatToHalf(-2.0), 0xC000);
  EXPECT_EQ(floatToHalf(65504.0), 0x7BFF);
  EXPECT_EQ(floatToHalf(65520.0), 0x7C00);           // rounds past max: +inf
  EXPECT_EQ(floatToHalf(std::ldexp(1.0, -24)), 0x0001);  // smallest subnormal
  EXPECT_EQ(floatToHalf(2049.0), floatToHalf(2048.0));   // tie to even
  EXPECT_EQ(floatToHalf(2051.0), floatToHalf(2052.0));   // tie to even (up)
  EXPECT_EQ(floatToHalf(-0.0), 0x8000);
  EXPECT_TRUE(std::isnan(halfToFloat(0x7E00)));
  EXPECT_EQ(halfToFloat(0x7C00), INFINITY);
}

TEST(PerfFloatBits, KnownBf16AndFp8Values) {
  EXPECT_EQ(floatToBf16(1.0), 0x3F80);
  EXPECT_EQ(floatToBf16(-3.0), 0xC040);
  EXPECT_EQ(floatToBf16(257.0), floatToBf16(256.0));  // 8 bits of precision: tie to even
  EXPECT_EQ(floatToF8E4M3(1.0), 0x38);
  EXPECT_EQ(floatToF8E4M3(448.0), 0x7E);
  EXPECT_EQ(floatToF8E4M3(480.0), 0x7F);  // overflow: NaN (no infinity in e4m3fn)
  EXPECT_TRUE(std::isnan(f8e4m3ToFloat(0x7F)));
  EXPECT_EQ(f8e4m3ToFloat(0x01), std::ldexp(1.0, -9));
  EXPECT_EQ(floatToF8E5M2(1.0), 0x3C);
  EXPECT_EQ(floatToF8E5M2(57344.0), 0x7B);
  EXPECT_EQ(f8e5m2ToFloat(0x7C), INFINITY);
  EXPECT_EQ(floatToF8E5M2(9.0), floatToF8E5M2(8.0));  // 9 is not exact in e5m2
}

// Every non-NaN bit pattern decodes and encodes back to itself.
TEST(PerfFloatBits, RoundTripEveryCode) {
  for (uint32_t b = 0; b < 0x10000; ++b) {
    const double h = halfToFloat(static_cast<uint16_t>(b));
    if (!std::isnan(h)) {
      ASSERT_EQ(floatToHalf(h), b) << std::hex << b;
    }
    const double bf = bf16ToFloat(static_cast<uint16_t>(b));
    if (!std::isnan(bf)) {
      ASSERT_EQ(floatToBf16(bf), b) << std::hex << b;
    }
  }
  for (uint32_t b = 0; b < 0x100; ++b) {
    const double e4 = f8e4m3ToFloat(static_cast<uint8_t>(b));
    if (!std::isnan(e4)) {
      ASSERT_EQ(floatToF8E4M3(e4), b) << std::hex << b;
    }
    const double e5 = f8e5m2ToFloat(static_cast<uint8_t>(b));
    if (!std::isnan(e5)) {
      ASSERT_EQ(floatToF8E5M2(e5), b) << std::hex << b;
    }
  }
}

TEST(PerfFloatBits, HalfMatchesFloatRoundingOnMidpoints) {
  // Values halfway between neighbouring halves round to the even mantissa.
  for (uint16_t b = 0x3C00; b < 0x3C20; ++b) {
    const double lo = halfToFloat(b), hi = halfToFloat(static_cast<uint16_t>(b + 1));
    const uint16_t even = (b & 1) ? static_cast<uint16_t>(b + 1) : b;
    EXPECT_EQ(floatToHalf((lo + hi) / 2), even);
  }
}

TEST(PerfFloatBits, EncodeDecodeEveryTypeOnSmallIntegers) {
  for (DType t : allTypes()) {
    for (int v = -8; v <= 8; ++v) {
      if (v < 0 && !isSigned(t)) continue;
      uint8_t buf[8] = {};
      encodeValue(t, v, buf);
      EXPECT_EQ(decodeValue(t, buf), v) << typeName(t);
    }
  }
}

TEST(PerfFloatBits, UlpDistance) {
  uint16_t a = floatToHalf(1.0), b = static_cast<uint16_t>(a + 2), z = 0x0000, nz = 0x8000, tiny = 0x0001;
  EXPECT_EQ(ulpDistance(DType::Half, &a, &a), 0u);
  EXPECT_EQ(ulpDistance(DType::Half, &a, &b), 2u);
  EXPECT_EQ(ulpDistance(DType::Half, &z, &nz), 0u);  // +0 == -0
  EXPECT_EQ(ulpDistance(DType::Half, &nz, &tiny), 1u);
  float f1 = 1.0f, f2 = std::nextafter(1.0f, 2.0f);
  EXPECT_EQ(ulpDistance(DType::Float, &f1, &f2), 1u);
  uint16_t nan = 0x7E00;
  EXPECT_GT(ulpDistance(DType::Half, &nan, &a), 1000u);
  int32_t i1 = 5, i2 = 6;
  EXPECT_GT(ulpDistance(DType::Int32, &i1, &i2), 1000u);  // integers: exact or wrong
}

}  // namespace
}  // namespace lccl::perf
