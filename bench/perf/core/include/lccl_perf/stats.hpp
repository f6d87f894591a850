// stats.hpp — the few statistics lccl-perf needs.
#pragma once

#include <vector>

namespace lccl::perf {

// Median (mean of the middle two for an even count); 0 for an empty list.
double median(std::vector<double> v);

// Combines one time per rank like nccl-tests' -a: 0 rank 0's, 1 mean, 2 min, 3 max.
double aggregateAcrossRanks(const std::vector<double>& perRank, int mode);

}  // namespace lccl::perf
