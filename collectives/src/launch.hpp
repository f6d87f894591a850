// Host-side entry to the collective kernels. Each launch handles one call
// (LL) or one chunk (staged); KernelArgs says which pieces.
#pragma once

#include <cuda_runtime.h>

#include "kernel_args.hpp"
#include "lccl/collectives.hpp"
#include "windows.hpp"

namespace lccl::detail {

constexpr int kThreads = 512;

enum class Path { LL, TwoShotLL, RootedLL, Staged, TwoShot, TwoShotPipe, Push, PushPipe, Direct, LL128, TwoShotLL128 };

// Reductions: AllReduce (LL, TwoShotLL, LL128, TwoShotLL128, TwoShot, TwoShotPipe),
// ReduceScatter (LL, LL128, Push, PushPipe),
// Reduce (RootedLL, TwoShotLL128, Staged, TwoShot / TwoShotPipe with a root, Direct on two ranks).
void launchReduction(Path path, const KernelArgs& a, DataType type, ReduceOp op,
                     int blocks, cudaStream_t stream);
// PreMulSum's first stage: dst piece p = src piece p x scalar (of `type`),
// for `pieces` pieces of `bytes` bytes each.
struct PreMulArgs {
  const char* src;
  char* dst;
  size_t bytes;
  size_t srcStride;
  size_t dstStride;
  int pieces;
  const void* scalarDev;  // read by the kernel when not null
  uint64_t scalarBits;    // otherwise: the scalar's bytes
};
void launchPreMultiply(DataType type, const PreMulArgs& a, cudaStream_t stream);

// Data movement: AllGather and AllToAll (LL, LL128, Push, PushPipe), Broadcast (RootedLL,
// TwoShotLL128, Staged: scatter through the stages, then gather; Direct on two ranks).
void launchMovement(Path path, const KernelArgs& a, int blocks, cudaStream_t stream);

// The LL128 paths (ll128_kernels.cu): AllReduce one-shot (LL128) and two-shot
// (TwoShotLL128), ReduceScatter (LL128), Reduce (TwoShotLL128 with a root)
// when `reduces`; AllGather and AllToAll (LL128), Broadcast (TwoShotLL128)
// otherwise (type and op unused).
void launchLL128(Path path, const KernelArgs& a, bool reduces, DataType type, ReduceOp op,
                 int blocks, cudaStream_t stream);

// AllReduce, ReduceScatter, AllGather and AllToAll on registered
// windows, one launch for the whole call (zero_copy_kernels.cu).
void launchZeroCopy(Kind kind, const KernelArgs& a, const ZeroCopyArgs& z, DataType type,
                    ReduceOp op, int blocks, cudaStream_t stream);

}  // namespace lccl::detail
