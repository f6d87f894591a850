// The LL kernels, templated on the packet protocol (device/protocols.cuh):
// LL16 instances are built with the other kernels of their kind, LL128
// instances in ll128_kernels.cu.
#pragma once

#include "ll.cuh"
#include "../launch.hpp"

namespace lccl::detail {

// Each kernel's senders and receivers are every block, or two groups of
// blocks (KernelArgs::sendBlocks, see Role).

// AllGather / AllToAll, LL: publish my piece(s); unpack every rank's piece.
template <class P>
__global__ void __launch_bounds__(kThreads) moveLL(const __grid_constant__ KernelArgs a) {
  const CallTicket call = beginCall(a);
  const uint32_t flag = call.flag;
  const Role send = senders(a), recv = receivers(a);
  if (send.mine()) llPublish<P>(a, flag, send);
  if (recv.mine()) llUnpack<P>(a, flag, recv);
  finishCall(a, call);
}

// AllReduce, one-shot LL: publish my input to every peer; reduce all inputs.
// ReduceScatter, LL: publish piece p to peer p; reduce the pieces for me.
template <class P, typename T, ReduceOp Op>
__global__ void __launch_bounds__(kThreads) reduceLL(const __grid_constant__ KernelArgs a) {
  const CallTicket call = beginCall(a);
  const uint32_t flag = call.flag;
  const Role send = senders(a), recv = receivers(a);
  if (send.mine()) llPublish<P>(a, flag, send);
  if (recv.mine()) llReduce<P, T, Op>(a, flag, recv);
  finishCall(a, call);
}

// AllReduce, two-shot LL: send shard q to rank q; reduce my shard and send
// it to every rank; collect every other shard. Split: the senders also
// collect (a unit of the input is then read and overwritten by one worker
// in every phase, so in place stays safe), the receivers reduce. With
// a.root >= 0 this is Reduce: the reduced shards go to the root only, and
// only the root collects.
template <class P, typename T, ReduceOp Op>
__global__ void __launch_bounds__(kThreads) allReduceTwoShotLL(const __grid_constant__ KernelArgs a) {
  const CallTicket call = beginCall(a);
  const uint32_t flag = call.flag;
  const size_t units = P::units(a.bytes);
  const Role send = senders(a), recv = receivers(a);
  if (send.mine()) llSendShards<P>(a, flag, units, send);
  if (recv.mine()) llReduceShard<P, T, Op>(a, flag, units, recv);
  if (send.mine() && (a.root < 0 || a.rank == a.root)) llGatherShards<P>(a, flag, units, send);
  finishCall(a, call);
}

// Broadcast, two-shot LL: the root sends shard q to rank q; rank q forwards
// it to every rank; every rank collects every other shard (the root in
// place only waits for them).
template <class P>
__global__ void __launch_bounds__(kThreads) broadcastTwoShotLL(const __grid_constant__ KernelArgs a) {
  const CallTicket call = beginCall(a);
  const uint32_t flag = call.flag;
  const size_t units = P::units(a.bytes);
  const Role send = senders(a), recv = receivers(a);
  if (send.mine() && a.rank == a.root) llSendShards<P>(a, flag, units, send);
  if (recv.mine()) llForwardShard<P>(a, flag, units, recv);
  if (send.mine()) llGatherShards<P>(a, flag, units, send, a.rank != a.root || a.recv != a.send);
  finishCall(a, call);
}

}  // namespace lccl::detail
