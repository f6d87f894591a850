// The LL kernels, templated on the packet protocol (device/protocols.cuh):
// LL16 instances are built with the other kernels of their kind, LL128
// instances in ll128_kernels.cu.
#pragma once

#include "ll.cuh"
#include "../launch.hpp"

namespace lccl::detail {

// AllGather / AllToAll, LL: publish my piece(s); unpack every rank's piece.
template <class P>
__global__ void __launch_bounds__(kThreads) moveLL(const __grid_constant__ KernelArgs a) {
  const uint32_t flag = callFlag(a);
  llPublish<P>(a, flag);
  llUnpack<P>(a, flag);
  finishCall(a, flag);
}

// AllReduce, one-shot LL: publish my input to every peer; reduce all inputs.
// ReduceScatter, LL: publish piece p to peer p; reduce the pieces for me.
template <class P, typename T, ReduceOp Op>
__global__ void __launch_bounds__(kThreads) reduceLL(const __grid_constant__ KernelArgs a) {
  const uint32_t flag = callFlag(a);
  llPublish<P>(a, flag);
  llReduce<P, T, Op>(a, flag);
  finishCall(a, flag);
}

// AllReduce, two-shot LL: send shard q to rank q; reduce my shard and send
// it to every rank; collect every other shard.
template <class P, typename T, ReduceOp Op>
__global__ void __launch_bounds__(kThreads) allReduceTwoShotLL(const __grid_constant__ KernelArgs a) {
  const uint32_t flag = callFlag(a);
  const size_t units = P::units(a.bytes);
  llSendShards<P>(a, flag, units);
  llReduceShard<P, T, Op>(a, flag, units);
  llGatherShards<P>(a, flag, units);
  finishCall(a, flag);
}

}  // namespace lccl::detail
