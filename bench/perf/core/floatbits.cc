#include "lccl_perf/floatbits.hpp"

#include <cmath>
#include <cstring>
#include <limits>

namespace lccl::perf {
namespace {

// A binary floating format with an implicit leading bit.
struct Format {
  int expBits;
  int manBits;
  bool hasInf;  // false: the all-ones exponent holds normal numbers (e4m3fn), NaN only at all-ones
};
constexpr Format kHalf{5, 10, true};
constexpr Format kBf16{8, 7, true};
constexpr Format kE4M3{4, 3, false};
constexpr Format kE5M2{5, 2, true};

int bias(Format f) { return (1 << (f.expBits - 1)) - 1; }
uint32_t expMask(Format f) { return (1u << f.expBits) - 1; }
uint32_t nanBits(Format f) { return (expMask(f) << f.manBits) | ((1u << f.manBits) - 1); }

double maxFinite(Format f) {
  const int emax = f.hasInf ? static_cast<int>(expMask(f)) - 1 - bias(f) : static_cast<int>(expMask(f)) - bias(f);
  const double mant = f.hasInf ? 2.0 - std::ldexp(1.0, -f.manBits) : 2.0 - std::ldexp(1.0, 1 - f.manBits);
  return std::ldexp(mant, emax);
}

// Magnitude bits of a finite, exactly representable, non-negative value.
uint32_t packExact(Format f, double a) {
  const int emin = 1 - bias(f);
  if (a < std::ldexp(1.0, emin))  // subnormal (or zero)
    return static_cast<uint32_t>(a / std::ldexp(1.0, emin - f.manBits));
  int e = std::ilogb(a);
  uint32_t mant = static_cast<uint32_t>(a / std::ldexp(1.0, e - f.manBits)) - (1u << f.manBits);
  return (static_cast<uint32_t>(e + bias(f)) << f.manBits) | mant;
}

uint32_t encode(Format f, double v) {
  const uint32_t sign = std::signbit(v) ? 1u << (f.expBits + f.manBits) : 0u;
  if (std::isnan(v)) return sign | nanBits(f);
  const double a = std::fabs(v);
  const uint32_t inf = f.hasInf ? expMask(f) << f.manBits : nanBits(f);
  if (std::isinf(a)) return sign | inf;
  if (a == 0) return sign;
  const int emin = 1 - bias(f);
  const int e = std::max(std::ilogb(a), emin);
  const double quantum = std::ldexp(1.0, e - f.manBits);
  const double rounded = std::nearbyint(a / quantum) * quantum;  // default mode: ties to even
  if (rounded > maxFinite(f)) return sign | inf;
  return sign | packExact(f, rounded);
}

double decode(Format f, uint32_t bits) {
  const uint32_t man = bits & ((1u << f.manBits) - 1);
  const uint32_t ex = (bits >> f.manBits) & expMask(f);
  const bool negative = (bits >> (f.expBits + f.manBits)) & 1u;
  double v;
  if (f.hasInf && ex == expMask(f)) {
    v = man ? std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::infinity();
  } else if (!f.hasInf && (bits & nanBits(f)) == nanBits(f)) {
    v = std::numeric_limits<double>::quiet_NaN();
  } else if (ex == 0) {
    v = std::ldexp(static_cast<double>(man), 1 - bias(f) - f.manBits);
  } else {
    v = std::ldexp(static_cast<double>(man | (1u << f.manBits)), static_cast<int>(ex) - bias(f) - f.manBits);
  }
  return negative ? -v : v;
}

template <class T>
void store(void* out, T v) { std::memcpy(out, &v, sizeof(T)); }
template <class T>
T load(const void* in) {
  T v;
  std::memcpy(&v, in, sizeof(T));
  return v;
}

// Maps sign-magnitude bits of `width` bits onto a line where adjacent values differ by 1.
int64_t ordered(uint64_t bits, int width) {
  const uint64_t signBit = 1ull << (width - 1);
  const int64_t mag = static_cast<int64_t>(bits & (signBit - 1));
  return (bits & signBit) ? -mag : mag;
}

bool isNanValue(DType t, const void* p) { return std::isnan(decodeValue(t, p)); }

}  // namespace

uint16_t floatToHalf(double v) { return static_cast<uint16_t>(encode(kHalf, v)); }
double halfToFloat(uint16_t bits) { return decode(kHalf, bits); }
uint16_t floatToBf16(double v) { return static_cast<uint16_t>(encode(kBf16, v)); }
double bf16ToFloat(uint16_t bits) { return decode(kBf16, bits); }
uint8_t floatToF8E4M3(double v) { return static_cast<uint8_t>(encode(kE4M3, v)); }
double f8e4m3ToFloat(uint8_t bits) { return decode(kE4M3, bits); }
uint8_t floatToF8E5M2(double v) { return static_cast<uint8_t>(encode(kE5M2, v)); }
double f8e5m2ToFloat(uint8_t bits) { return decode(kE5M2, bits); }

void encodeValue(DType t, double v, void* out) {
  switch (t) {
    case DType::Int8: store<int8_t>(out, static_cast<int8_t>(v)); break;
    case DType::Uint8: store<uint8_t>(out, static_cast<uint8_t>(v)); break;
    case DType::Int32: store<int32_t>(out, static_cast<int32_t>(v)); break;
    case DType::Uint32: store<uint32_t>(out, static_cast<uint32_t>(v)); break;
    case DType::Int64: store<int64_t>(out, static_cast<int64_t>(v)); break;
    case DType::Uint64: store<uint64_t>(out, static_cast<uint64_t>(v)); break;
    case DType::Half: store<uint16_t>(out, floatToHalf(v)); break;
    case DType::Float: store<float>(out, static_cast<float>(v)); break;
    case DType::Double: store<double>(out, v); break;
    case DType::BFloat16: store<uint16_t>(out, floatToBf16(v)); break;
    case DType::F8E4M3: store<uint8_t>(out, floatToF8E4M3(v)); break;
    case DType::F8E5M2: store<uint8_t>(out, floatToF8E5M2(v)); break;
    case DType::Count: break;
  }
}

double decodeValue(DType t, const void* in) {
  switch (t) {
    case DType::Int8: return load<int8_t>(in);
    case DType::Uint8: return load<uint8_t>(in);
    case DType::Int32: return load<int32_t>(in);
    case DType::Uint32: return load<uint32_t>(in);
    case DType::Int64: return static_cast<double>(load<int64_t>(in));
    case DType::Uint64: return static_cast<double>(load<uint64_t>(in));
    case DType::Half: return halfToFloat(load<uint16_t>(in));
    case DType::Float: return load<float>(in);
    case DType::Double: return load<double>(in);
    case DType::BFloat16: return bf16ToFloat(load<uint16_t>(in));
    case DType::F8E4M3: return f8e4m3ToFloat(load<uint8_t>(in));
    case DType::F8E5M2: return f8e5m2ToFloat(load<uint8_t>(in));
    case DType::Count: break;
  }
  return 0;
}

uint64_t ulpDistance(DType t, const void* a, const void* b) {
  const size_t n = typeSize(t);
  if (std::memcmp(a, b, n) == 0) return 0;
  constexpr uint64_t kFar = std::numeric_limits<uint64_t>::max();
  if (!isFloating(t) || isNanValue(t, a) || isNanValue(t, b)) return kFar;
  uint64_t ua = 0, ub = 0;
  std::memcpy(&ua, a, n);  // little-endian: the element's bits in the low bytes
  std::memcpy(&ub, b, n);
  const int width = static_cast<int>(n * 8);
  const int64_t d = ordered(ua, width) - ordered(ub, width);
  return static_cast<uint64_t>(d < 0 ? -d : d);
}

}  // namespace lccl::perf
