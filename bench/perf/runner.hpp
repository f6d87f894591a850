// runner.hpp — the timing loop, written once for every library, and lockstep error handling.
//
// MPI ranks must issue the same collectives in the same order. Each step that
// may throw runs as a "phase": every rank runs it, then all ranks agree on
// whether it failed anywhere (an MPI_Allreduce that also serves as the barrier
// before the next step). On failure every rank throws PhaseFailure with the
// first failing rank's message, so all ranks skip the same work together.
#pragma once

#include <cuda_runtime.h>
#include <mpi.h>

#include <functional>
#include <stdexcept>
#include <string>

namespace lccl::perf {

class PhaseFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Runs fn on every rank; throws PhaseFailure on all ranks if it threw on any.
void phase(MPI_Comm comm, const std::function<void()>& fn);

// Enqueues one unit of work (one collective, or one M1 step) on the stream.
using Enqueue = std::function<void(cudaStream_t)>;

struct TimingPlan {
  int iters = 20;       // eager: timed enqueues; graph: timed replays
  int warmup = 5;       // enqueues before timing (graph mode: also replays, rounded up to whole graphs)
  int graphIters = 0;   // enqueues captured per CUDA graph; 0 = eager
  bool blocking = false;
  int repeats = 1;      // timed blocks; the median is returned
};

class Timer {
 public:
  Timer(MPI_Comm comm, cudaStream_t stream);
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  // Microseconds per enqueue on this rank (median over plan.repeats blocks).
  double time(const Enqueue& fn, const TimingPlan& plan);
  // One enqueue, eagerly or through a one-enqueue CUDA graph, then synchronizes.
  void runOnce(const Enqueue& fn, bool graph);

 private:
  double timeBlock(const Enqueue& fn, const TimingPlan& plan, cudaGraphExec_t graph);

  MPI_Comm comm_;
  cudaStream_t stream_;
  cudaEvent_t start_ = nullptr, stop_ = nullptr;
};

// Captures `count` enqueues into an instantiated graph (the caller destroys it).
cudaGraphExec_t captureGraph(const Enqueue& fn, int count, cudaStream_t stream);

}  // namespace lccl::perf
