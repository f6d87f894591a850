#include "runner.hpp"

#include <climits>
#include <vector>

#include "backend.hpp"
#include "lccl_perf/stats.hpp"

namespace lccl::perf {
namespace {

// Destroys a graph exec when it goes out of scope.
struct GraphGuard {
  cudaGraphExec_t exec = nullptr;
  ~GraphGuard() {
    if (exec) cudaGraphExecDestroy(exec);
  }
};

}  // namespace

void phase(MPI_Comm comm, const std::function<void()>& fn) {
  std::string err;
  try {
    fn();
  } catch (const std::exception& e) {
    err = e.what();
    if (err.empty()) err = "unknown error";
  } catch (...) {
    err = "unknown exception";
  }
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  int mine = err.empty() ? INT_MAX : rank, first = INT_MAX;
  MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm);
  if (first == INT_MAX) return;
  int len = static_cast<int>(err.size());
  MPI_Bcast(&len, 1, MPI_INT, first, comm);
  std::string msg(static_cast<size_t>(len), '\0');
  if (rank == first) msg = err;
  MPI_Bcast(msg.data(), len, MPI_CHAR, first, comm);
  throw PhaseFailure("rank " + std::to_string(first) + ": " + msg);
}

cudaGraphExec_t captureGraph(const Enqueue& fn, int count, cudaStream_t stream) {
  PERF_CUDA(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
  try {
    for (int i = 0; i < count; ++i) fn(stream);
  } catch (...) {
    cudaGraph_t partial = nullptr;
    cudaStreamEndCapture(stream, &partial);  // leave the stream usable
    if (partial) cudaGraphDestroy(partial);
    cudaGetLastError();
    throw;
  }
  cudaGraph_t graph = nullptr;
  PERF_CUDA(cudaStreamEndCapture(stream, &graph));
  cudaGraphExec_t exec = nullptr;
  const cudaError_t st = cudaGraphInstantiate(&exec, graph, 0);
  cudaGraphDestroy(graph);
  PERF_CUDA(st);
  return exec;
}

Timer::Timer(MPI_Comm comm, cudaStream_t stream) : comm_(comm), stream_(stream) {
  PERF_CUDA(cudaEventCreate(&start_));
  PERF_CUDA(cudaEventCreate(&stop_));
}

Timer::~Timer() {
  if (start_) cudaEventDestroy(start_);
  if (stop_) cudaEventDestroy(stop_);
}

double Timer::timeBlock(const Enqueue& fn, const TimingPlan& plan, cudaGraphExec_t graph) {
  PERF_CUDA(cudaEventRecord(start_, stream_));
  for (int i = 0; i < plan.iters; ++i) {
    if (graph) PERF_CUDA(cudaGraphLaunch(graph, stream_));
    else fn(stream_);
    if (plan.blocking) PERF_CUDA(cudaStreamSynchronize(stream_));
  }
  PERF_CUDA(cudaEventRecord(stop_, stream_));
  PERF_CUDA(cudaEventSynchronize(stop_));
  float ms = 0;
  PERF_CUDA(cudaEventElapsedTime(&ms, start_, stop_));
  const int perLaunch = graph ? plan.graphIters : 1;
  return static_cast<double>(ms) * 1000.0 / (static_cast<double>(plan.iters) * perLaunch);
}

double Timer::time(const Enqueue& fn, const TimingPlan& plan) {
  phase(comm_, [&] {  // eager warm-up: connections and buffers get set up here, not in a capture
    for (int i = 0; i < std::max(plan.warmup, 1); ++i) fn(stream_);
    PERF_CUDA(cudaStreamSynchronize(stream_));
  });
  GraphGuard graph;
  if (plan.graphIters > 0) {
    phase(comm_, [&] {
      graph.exec = captureGraph(fn, plan.graphIters, stream_);
      const int replays = std::max(1, (plan.warmup + plan.graphIters - 1) / plan.graphIters);
      for (int i = 0; i < replays; ++i) PERF_CUDA(cudaGraphLaunch(graph.exec, stream_));
      PERF_CUDA(cudaStreamSynchronize(stream_));
    });
  }
  std::vector<double> blocks;
  for (int r = 0; r < std::max(plan.repeats, 1); ++r)
    phase(comm_, [&] { blocks.push_back(timeBlock(fn, plan, graph.exec)); });
  return median(blocks);
}

void Timer::runOnce(const Enqueue& fn, bool graph) {
  GraphGuard g;
  if (graph) {
    g.exec = captureGraph(fn, 1, stream_);
    PERF_CUDA(cudaGraphLaunch(g.exec, stream_));
  } else {
    fn(stream_);
  }
  PERF_CUDA(cudaStreamSynchronize(stream_));
}

}  // namespace lccl::perf
