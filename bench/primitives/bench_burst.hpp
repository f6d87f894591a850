// lccl-bench-primitives --burst (bench_burst.cu): the rate of bursts to every
// peer at once, by store shape, grid and size.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <vector>

namespace lccl {

struct BurstEnv {
  int rank = 0, size = 0;
  void* local = nullptr;     // this rank's buffer (bufBytes)
  std::vector<void*> peer;   // every peer's buffer mapped here (bufBytes each; own entry unused)
  size_t bufBytes = 0;
  cudaStream_t stream = nullptr;
  cudaEvent_t start = nullptr, stop = nullptr;
};

void runBurstBench(const BurstEnv& env);

}  // namespace lccl
