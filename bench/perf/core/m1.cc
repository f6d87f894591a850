#include "lccl_perf/m1.hpp"

namespace lccl::perf {

bool m1IsLightningLayer(int layer) { return layer % kM1SoftmaxEvery != kM1SoftmaxEvery - 1; }

std::vector<M1Op> m1Schedule(int tokens) {
  const size_t t = static_cast<size_t>(tokens);
  std::vector<M1Op> ops;
  for (int l = 0; l < kM1Layers; ++l) {
    if (m1IsLightningLayer(l)) ops.push_back({DType::Float, t, l});
    ops.push_back({DType::BFloat16, t * kM1Hidden, l});
    ops.push_back({DType::BFloat16, t * kM1Hidden, l});
  }
  return ops;
}

}  // namespace lccl::perf
