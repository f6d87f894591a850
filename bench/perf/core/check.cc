#include "lccl_perf/check.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>

#include "lccl_perf/floatbits.hpp"

namespace lccl::perf {
namespace {

uint64_t mix(uint64_t x) {  // splitmix64 finalizer
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Uniform integer in [-a, a] (signed) or [0, a] (unsigned) from hash h.
double smallInt(uint64_t h, int64_t a, bool isSignedType) {
  if (isSignedType) return static_cast<double>(static_cast<int64_t>(h % (2 * a + 1)) - a);
  return static_cast<double>(h % (a + 1));
}

double reduce(ROp op, const std::vector<double>& v) {
  double acc = v[0];
  for (size_t i = 1; i < v.size(); ++i) {
    switch (op) {
      case ROp::Sum: case ROp::Avg: acc += v[i]; break;
      case ROp::Prod: acc *= v[i]; break;
      case ROp::Max: acc = std::max(acc, v[i]); break;
      case ROp::Min: acc = std::min(acc, v[i]); break;
      case ROp::None: break;
    }
  }
  return op == ROp::Avg ? acc / static_cast<double>(v.size()) : acc;
}

}  // namespace

double exactLimit(DType t) {
  switch (t) {
    case DType::Int8: return 127;
    case DType::Uint8: return 255;
    case DType::Half: return 2048;
    case DType::BFloat16: return 256;
    case DType::F8E4M3: return 16;
    case DType::F8E5M2: return 8;
    default: return 1 << 20;  // 32/64-bit types: far more than any test needs
  }
}

int pow2Limit(DType t) {
  switch (t) {
    case DType::Int8: return 6;
    case DType::Uint8: return 7;
    case DType::Half: case DType::F8E5M2: return 15;
    case DType::F8E4M3: return 8;
    default: return 30;
  }
}

double patternValue(DType t, ROp op, int nranks, int rank, size_t j, uint64_t seed) {
  const uint64_t h = mix(seed ^ mix((static_cast<uint64_t>(t) << 56) ^ (static_cast<uint64_t>(op) << 48) ^
                                    (static_cast<uint64_t>(rank) << 32) ^ j));
  const auto limit = static_cast<int64_t>(exactLimit(t));
  const int64_t n = nranks;
  const bool sgn = isSigned(t);
  switch (op) {
    case ROp::None: return smallInt(h, std::min<int64_t>(100, limit), sgn);
    case ROp::Max: case ROp::Min: return smallInt(h, std::min<int64_t>(20, limit), sgn);
    case ROp::Prod: {
      const double mag = (rank < pow2Limit(t) && (h & 1)) ? 2 : 1;
      return (sgn && ((h >> 1) & 1)) ? -mag : mag;
    }
    case ROp::Sum: {
      int64_t a = std::min<int64_t>(5, limit / n), active = n;
      if (a == 0) a = 1, active = limit;
      return rank < active ? smallInt(h, a, sgn) : 0;
    }
    case ROp::Avg: {
      int64_t a = std::min<int64_t>(5, limit / (n * n)), active = n;
      if (a == 0) a = 1, active = limit / n;
      return rank < active ? static_cast<double>(n) * smallInt(h, a, sgn) : 0;
    }
  }
  return 0;
}

Reference::Reference(DType type, ROp op, int nranks, uint64_t seed)
    : type_(type), op_(op), nranks_(nranks), ts_(typeSize(type)) {
  const size_t p = kPatternPeriod;
  values_.resize(static_cast<size_t>(nranks) * p);
  inputBits_.resize(values_.size() * ts_);
  expectedBits_.resize(p * ts_);
  poisonBits_.assign(ts_, kPoisonByte);
  std::vector<double> column(static_cast<size_t>(nranks));
  for (size_t j = 0; j < p; ++j) {
    for (int r = 0; r < nranks; ++r) {
      const size_t at = static_cast<size_t>(r) * p + j;
      values_[at] = column[static_cast<size_t>(r)] = patternValue(type, op, nranks, r, j, seed);
      encodeValue(type, values_[at], &inputBits_[at * ts_]);
    }
    if (op != ROp::None) encodeValue(type, reduce(op, column), &expectedBits_[j * ts_]);
  }
}

uint64_t Reference::toleranceUlp() const { return (op_ == ROp::Avg && isFloating(type_)) ? 2 : 0; }

double Reference::inputValue(int rank, size_t index) const {
  return values_[static_cast<size_t>(rank) * kPatternPeriod + index % kPatternPeriod];
}

double Reference::expectedValue(size_t index) const {
  return decodeValue(type_, &expectedBits_[(index % kPatternPeriod) * ts_]);
}

const uint8_t* Reference::bits(int source, size_t j) const {
  if (source == Segment::kPoison) return poisonBits_.data();
  if (source == Segment::kReduced) return &expectedBits_[j * ts_];
  return &inputBits_[(static_cast<size_t>(source) * kPatternPeriod + j) * ts_];
}

void Reference::fillInput(int rank, void* dst, size_t count, size_t start) const {
  auto* out = static_cast<uint8_t*>(dst);
  for (size_t i = 0; i < count;) {
    const size_t j = (start + i) % kPatternPeriod;
    const size_t run = std::min(kPatternPeriod - j, count - i);
    std::memcpy(out + i * ts_, bits(rank, j), run * ts_);
    i += run;
  }
}

uint64_t Reference::checkSegment(const Segment& s, const uint8_t* recv, CheckResult& r) const {
  const bool periodic = s.source != Segment::kPoison;
  const uint64_t tol = toleranceUlp();
  uint64_t wrong = 0;
  size_t j = s.start % kPatternPeriod;
  for (size_t i = 0; i < s.length; ++i) {
    const uint8_t* want = bits(s.source, periodic ? j : 0);
    const uint8_t* got = recv + (s.offset + i) * ts_;
    if (std::memcmp(got, want, ts_) != 0 && (tol == 0 || ulpDistance(type_, got, want) > tol)) {
      if (wrong++ == 0 && s.offset + i < r.firstIndex) {
        r.firstIndex = s.offset + i;
        r.got = decodeValue(type_, got);
        r.want = decodeValue(type_, want);
      }
    }
    if (++j == kPatternPeriod) j = 0;
  }
  return wrong;
}

CheckResult Reference::check(const std::vector<Segment>& layout, const void* recv) const {
  CheckResult r;
  for (const Segment& s : layout) r.wrong += checkSegment(s, static_cast<const uint8_t*>(recv), r);
  return r;
}

std::string CheckResult::describe() const {
  if (wrong == 0) return "";
  std::ostringstream os;
  os << wrong << " wrong element(s), first at index " << firstIndex << ": got " << got << ", expected "
     << want;
  return os.str();
}

InputRegion inputRegion(Collective c, const CollCounts& k, int rank, int root, bool inPlace) {
  inPlace = inPlace && supportsInPlace(c);
  InputRegion in{inPlace, inPlace ? k.sendInPlaceOffset * static_cast<size_t>(rank) : 0, k.sendCount};
  if (c == Collective::Broadcast && rank != root) in.count = 0;
  return in;
}

size_t recvExtent(Collective c, const CollCounts& k, bool inPlace) {
  if (inPlace && supportsInPlace(c)) return std::max(k.recvCount, k.sendCount);
  return k.recvCount;
}

std::vector<std::pair<size_t, size_t>> poisonRuns(Collective c, const CollCounts& k, int rank, int root,
                                                  bool inPlace) {
  const size_t extent = recvExtent(c, k, inPlace);
  const InputRegion in = inputRegion(c, k, rank, root, inPlace);
  if (!in.inRecv || in.count == 0) return {{0, extent}};
  std::vector<std::pair<size_t, size_t>> runs;
  if (in.offset > 0) runs.emplace_back(0, in.offset);
  const size_t end = in.offset + in.count;
  if (end < extent) runs.emplace_back(end, extent - end);
  return runs;
}

std::vector<Segment> expectedLayout(Collective c, const CollCounts& k, int nranks, int rank, int root,
                                    bool inPlace) {
  const size_t per = k.count;
  std::vector<Segment> out;
  switch (c) {
    case Collective::AllReduce: case Collective::M1:
      return {{0, k.count, Segment::kReduced, 0}};
    case Collective::Reduce:
      if (rank == root) out.push_back({0, k.count, Segment::kReduced, 0});
      return out;
    case Collective::ReduceScatter:
      return {{inPlace ? per * static_cast<size_t>(rank) : 0, per, Segment::kReduced, per * static_cast<size_t>(rank)}};
    case Collective::Broadcast:
      return {{0, k.count, root, 0}};
    case Collective::SendRecv:
      return {{0, k.count, (rank - 1 + nranks) % nranks, 0}};
    case Collective::AllGather:
      for (int s = 0; s < nranks; ++s) out.push_back({per * static_cast<size_t>(s), per, s, 0});
      return out;
    case Collective::AllToAll:
      for (int s = 0; s < nranks; ++s)
        out.push_back({per * static_cast<size_t>(s), per, s, per * static_cast<size_t>(rank)});
      return out;
    case Collective::AllToAllv:
      for (int s = 0; s < nranks; ++s) {
        const size_t n = alltoallvCount(per, s, rank, nranks), at = per * static_cast<size_t>(s);
        out.push_back({at, n, s, per * static_cast<size_t>(rank)});
        out.push_back({at + n, per - n, Segment::kPoison, 0});
      }
      return out;
  }
  return out;
}

}  // namespace lccl::perf
