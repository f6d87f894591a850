// check.hpp — input patterns and the exact expected results of every collective.
//
// Every element is a small integer chosen per (type, op, nranks) so that the
// reduction is exact in any order and never leaves the type's exact range:
//  - sum: values in [-A, A] ([0, A] unsigned), A = min(5, limit / nranks); when
//    that is 0 (fp8 with many ranks) only the first `limit` ranks hold +-1.
//  - prod: 1 or 2 (times +-1 for signed types); only as many ranks as the type
//    has exact powers of two may hold a 2, so the product never overflows.
//  - max/min and data movement: values in [-A, A] ([0, A] unsigned).
//  - avg: each rank holds nranks * w with w as for sum, so sum / nranks is the
//    exact integer sum of the w's; float results may differ by 2 ULP (NCCL may
//    pre-multiply by 1/nranks), integer ones must be exact.
// "limit" is the largest integer below which all integers are exact and in
// range (f8e5m2 8, f8e4m3 16, bfloat16 256, half 2048, int8 127, ...).
// Rank r's input element i is value(r, i mod 4099): the prime period keeps the
// host tables small while no power-of-two chunking lines up with it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "lccl_perf/perf_types.hpp"
#include "lccl_perf/sweep.hpp"

namespace lccl::perf {

constexpr size_t kPatternPeriod = 4099;
constexpr uint8_t kPoisonByte = 0xFF;  // NaN in every floating type, -1 / max in integers

// A run of the receive buffer and what must be there.
struct Segment {
  static constexpr int kReduced = -1;  // the reduction across ranks of element (start + i)
  static constexpr int kPoison = -2;   // untouched: still kPoisonByte
  size_t offset = 0;  // elements from the start of the receive buffer
  size_t length = 0;
  int source = 0;     // a rank (its input element start + i), kReduced or kPoison
  size_t start = 0;   // input index of the first element
};

// Where one rank's input lives for an operation.
struct InputRegion {
  bool inRecv = false;  // in the receive buffer (in place) or the send buffer
  size_t offset = 0;    // elements from that buffer's start
  size_t count = 0;     // elements (input indexes 0..count-1)
};

struct CheckResult {
  uint64_t wrong = 0;
  size_t firstIndex = std::numeric_limits<size_t>::max();  // element of the receive buffer
  double got = 0, want = 0;
  std::string describe() const;  // "" when nothing is wrong
};

InputRegion inputRegion(Collective c, const CollCounts& k, int rank, int root, bool inPlace);
// Elements of the receive buffer an operation may touch (what is poisoned and read back).
size_t recvExtent(Collective c, const CollCounts& k, bool inPlace);
// What the receive buffer of `rank` must hold after the operation.
std::vector<Segment> expectedLayout(Collective c, const CollCounts& k, int nranks, int rank, int root,
                                    bool inPlace);
// [offset, length) runs of the receive buffer to poison before a checked run.
std::vector<std::pair<size_t, size_t>> poisonRuns(Collective c, const CollCounts& k, int rank, int root,
                                                  bool inPlace);

class Reference {
 public:
  // op None: data movement (no reduction). seed varies the pattern.
  Reference(DType type, ROp op, int nranks, uint64_t seed = 1);

  DType type() const { return type_; }
  ROp op() const { return op_; }
  int nranks() const { return nranks_; }
  uint64_t toleranceUlp() const;  // 2 for floating avg, else 0

  double inputValue(int rank, size_t index) const;
  double expectedValue(size_t index) const;  // the reduction across ranks (op != None)
  // Writes this rank's encoded input elements [start, start + count) to dst.
  void fillInput(int rank, void* dst, size_t count, size_t start = 0) const;
  // Compares a host copy of the receive buffer with the layout.
  CheckResult check(const std::vector<Segment>& layout, const void* recv) const;

 private:
  const uint8_t* bits(int source, size_t j) const;
  uint64_t checkSegment(const Segment& s, const uint8_t* recv, CheckResult& r) const;

  DType type_;
  ROp op_;
  int nranks_;
  size_t ts_;
  std::vector<double> values_;          // nranks * period
  std::vector<uint8_t> inputBits_;      // nranks * period * ts
  std::vector<uint8_t> expectedBits_;   // period * ts
  std::vector<uint8_t> poisonBits_;     // ts
};

// The integer rule behind the values (exposed for tests).
double exactLimit(DType t);   // all integers in [-limit, limit] are exact ([0, limit] unsigned)
int pow2Limit(DType t);       // 2^pow2Limit is exact and in range
double patternValue(DType t, ROp op, int nranks, int rank, size_t j, uint64_t seed);

}  // namespace lccl::perf
