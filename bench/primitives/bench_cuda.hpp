// The primitives benchmarks' check of CUDA runtime calls.
#pragma once

#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

// Throws std::runtime_error naming the failed CUDA call.
#define BENCH_CUDA(call)                                                                     \
  do {                                                                                       \
    cudaError_t e_ = (call);                                                                 \
    if (e_ != cudaSuccess)                                                                   \
      throw std::runtime_error(std::string(#call) + ": " + cudaGetErrorString(e_));         \
  } while (0)
