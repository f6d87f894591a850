// Host-side entry to the collective kernels. Each launch handles one call
// (LL) or one chunk (staged); KernelArgs says which pieces.
#pragma once

#include <cuda_runtime.h>

#include "kernel_args.hpp"
#include "lccl/collectives.hpp"

namespace lccl::detail {

constexpr int kThreads = 512;

enum class Kind { AllReduce, ReduceScatter, Reduce, AllGather, AllToAll, Broadcast };
enum class Path { LL, TwoShotLL, Staged, TwoShot, Push };

// Reductions: AllReduce (LL, TwoShotLL, TwoShot), ReduceScatter (LL, Push), Reduce (Staged,
// TwoShot with a root).
void launchReduction(Path path, const KernelArgs& a, DataType type, ReduceOp op,
                     int blocks, cudaStream_t stream);
// Data movement: AllGather (LL, Push), AllToAll (LL, Push), Broadcast (Staged).
void launchMovement(Path path, const KernelArgs& a, int blocks, cudaStream_t stream);

}  // namespace lccl::detail
