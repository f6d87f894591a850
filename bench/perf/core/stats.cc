#include "lccl_perf/stats.hpp"

#include <algorithm>
#include <numeric>

namespace lccl::perf {

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

double aggregateAcrossRanks(const std::vector<double>& perRank, int mode) {
  if (perRank.empty()) return 0;
  switch (mode) {
    case 0: return perRank[0];
    case 2: return *std::min_element(perRank.begin(), perRank.end());
    case 3: return *std::max_element(perRank.begin(), perRank.end());
    default: return std::accumulate(perRank.begin(), perRank.end(), 0.0) / static_cast<double>(perRank.size());
  }
}

}  // namespace lccl::perf
