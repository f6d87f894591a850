// The LL128 instances of the LL kernels (device/ll_kernels.cuh), apart from
// the LL16 ones so that the kernels build in parallel.
#include "device/ll_kernels.cuh"
#include "dispatch.cuh"
#include "launch.hpp"

namespace lccl::detail {

void launchLL128(Path path, const KernelArgs& a, bool reduces, DataType type, ReduceOp op,
                 int blocks, cudaStream_t s) {
  if (!reduces) {
    if (path == Path::TwoShotLL128) broadcastTwoShotLL<LL128Proto><<<blocks, kThreads, 0, s>>>(a);
    else moveLL<LL128Proto><<<blocks, kThreads, 0, s>>>(a);
    return;
  }
  withType(type, [&](auto t) {
    using T = typename decltype(t)::type;
    withOp(op, [&](auto o) {
      constexpr ReduceOp Op = decltype(o)::value;
      if (path == Path::TwoShotLL128) allReduceTwoShotLL<LL128Proto, T, Op><<<blocks, kThreads, 0, s>>>(a);
      else reduceLL<LL128Proto, T, Op><<<blocks, kThreads, 0, s>>>(a);
    });
  });
}

}  // namespace lccl::detail
