// floatbits.hpp — host conversions of the narrow floating formats, bit-exact.
//
// Encoding rounds to nearest, ties to even, as the CUDA conversions do.
// Overflow gives infinity for half, bfloat16 and f8e5m2, and NaN for f8e4m3
// (the OCP "fn" format: no infinities, max 448, NaN = S.1111.111).
#pragma once

#include <cstdint>

#include "lccl_perf/perf_types.hpp"

namespace lccl::perf {

uint16_t floatToHalf(double v);
double halfToFloat(uint16_t bits);
uint16_t floatToBf16(double v);
double bf16ToFloat(uint16_t bits);
uint8_t floatToF8E4M3(double v);
double f8e4m3ToFloat(uint8_t bits);
uint8_t floatToF8E5M2(double v);
double f8e5m2ToFloat(uint8_t bits);

// Writes `v` as one element of type `t` (integers: v must be integral and in range).
void encodeValue(DType t, double v, void* out);
double decodeValue(DType t, const void* in);

// Distance in units in the last place between two elements of a floating type
// (0 when equal, +0 and -0 equal; huge when either is NaN). Integer types: 0 or a huge value.
uint64_t ulpDistance(DType t, const void* a, const void* b);

}  // namespace lccl::perf
