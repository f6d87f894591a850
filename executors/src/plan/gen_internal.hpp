// gen_internal.hpp (private) — the generators, one function per algorithm.
// Each fills a PlanBuilder whose header (name, collective, ...) is set.
#pragma once

#include <vector>

#include "lccl/executors/generate.hpp"
#include "plan_builder.hpp"

namespace lccl::plan::detail {

inline int mod(int a, int n) { return ((a % n) + n) % n; }

// Peers of r in the order r+1, r+2, ... (so that ranks start on different peers).
std::vector<int> peersOf(int r, int n);

// pairs[a][b] == pairs[b][a]: one channel id per pair of ranks, both ends `end`.
std::vector<std::vector<int>> connectAll(PlanBuilder& b, int n, const End& end);

void allreduceRing(PlanBuilder& b, const GenerateOptions& o);
void allreduceOneShot(PlanBuilder& b, const GenerateOptions& o);
void allreduceTwoShot(PlanBuilder& b, const GenerateOptions& o);
void allgatherDirect(PlanBuilder& b, const GenerateOptions& o);
void reducescatterDirect(PlanBuilder& b, const GenerateOptions& o);
void alltoallDirect(PlanBuilder& b, const GenerateOptions& o);

}  // namespace lccl::plan::detail
