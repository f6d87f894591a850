// lccl/executors/executor.hpp — plans bound to lccl's collective calls, and
// the GPU executor that runs them.
//
// The plan core (plan.hpp and friends, target lccl_plan_core) knows nothing
// of lccl's DataType/ReduceOp; this layer maps a collective call onto a plan
// query and runs the chosen plan's flat op arrays on the GPU with one
// interpreter kernel (docs/plan-format.md, "Execution model").
#pragma once

#include <cstddef>
#include <memory>
#include <optional>

#include "lccl/collectives.hpp"
#include "lccl/executors/plan_library.hpp"

namespace lccl {

// The plan reduce kind of a ReduceOp; nullopt for PreMulSum (plans do not scale).
std::optional<plan::ReduceKind> planReduceKind(ReduceOp op);

// The query for a call; `bytes` is count * dataTypeSize(type) of each rank's input.
plan::PlanQuery planQuery(plan::Collective collective, int nranks, size_t inputCount, DataType type,
                          ReduceOp op, bool inplace, int root = -1);

// Whether a plan can serve a call whose input holds `inputBytes` of `type`:
// chunks must split the input into whole elements.
bool planFitsCall(const plan::Plan& plan, size_t inputBytes, DataType type);

// Whether the GPU executor runs plans of this collective: allreduce,
// allgather, reducescatter and alltoall. Not broadcast and reduce: their
// non-root ranks depend on the root only, so a rank could run two calls ahead
// of a peer, which the executor's two alternating LL packet regions do not
// allow (docs/plan-format.md, "Execution model").
bool executorRuns(plan::Collective collective);

// Elements of each rank's input buffer for NCCL's `count` of a collective
// (count per peer for alltoall, the received count for reducescatter).
size_t planInputCount(plan::Collective collective, size_t count, int nranks);

// Whether a call is in place in NCCL's sense (allreduce, broadcast, reduce:
// send == recv; allgather: send == recv + rank*count; reducescatter:
// recv == send + rank*count; alltoall: never).
bool callInPlace(plan::Collective collective, const void* send, const void* recv, size_t count,
                 DataType type, int rank);

// Runs plans on this rank's GPU, one interpreter launch per call.
//
// Memory: the executor owns one registered arena per rank, exchanged with
// every peer, holding (as the plans in use need) an input and an output
// region, a simple scratch region, two LL packet regions (alternating call by
// call) and the semaphore counters of every channel. A buffer that some peer
// reaches through a channel lives in the arena: the caller's input is copied
// in before the kernel and the output copied out after it (cudaMemcpyAsync on
// the call's stream); buffers no peer touches are used in place.
//
// The first call of a plan uploads its program; the first call at a size
// that needs a larger arena reallocates and re-exchanges it, which
// synchronises the device and all ranks (collective, host-blocking, not
// capturable in a CUDA graph). Every later call only enqueues work: no
// allocation, no host synchronisation, CUDA-graph safe (LL flags and
// semaphore counts live in device memory and advance in the kernel; no
// host-side state changes from call to call). A graph captures the arena's
// addresses: after a call that grows the arena (or the private input copy),
// graphs captured before it must not be replayed.
//
// Every rank must make the same calls in the same order with the same plans.
// A plan is identified by its address and name: keep it alive and unchanged
// while the executor exists.
class Executor {
 public:
  explicit Executor(std::shared_ptr<Communicator> comm);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Runs `plan` for one call. `count` is NCCL's count for the plan's
  // collective (see planInputCount); `op` must be the plan's reduce op for
  // collectives that reduce. An in-place call may use an out-of-place plan
  // (the plan then reads a copy of the input: the arena's input region, or a
  // private buffer when no peer reaches the input); an in-place plan needs an
  // in-place call. Throws InvalidArgumentError when the plan does not fit
  // the call (rank count, in-place-ness, sizes, op).
  void run(const plan::Plan& plan, const void* send, void* recv, size_t count, DataType type,
           ReduceOp op, gpuStream_t stream);

  // After the stream has been synchronised: throws TimeoutError naming the
  // plan, op index, rank and peer of a stalled wait of this executor, or the
  // communicator's own error, if any.
  void checkDeviceErrors() const;

  Communicator& comm() const;
  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace lccl
