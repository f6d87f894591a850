// lccl-bench-primitives — one rank per GPU (mpirun -np N):
//  1. one-way signal latency between every pair: a single thread on each side
//     ping-pongs through a semaphore (relaxedSignal = one remote store, wait =
//     spin on local memory) many times inside one kernel after a warm-up;
//     one-way = round trip / 2, median over repeats; and the same with
//     signal(), which adds the system-scope release fence;
//  2. put bandwidth per GPU with SM stores (MemoryChannel::put from a full
//     grid, 16-byte vectors) for one ordered pair at a time and for all ranks
//     at once (rank r -> r+1), timed with CUDA events, median over iterations;
//  3. the same with the copy engine (Connection::write).
// With --burst it measures bursts to every peer at once instead
// (bench_burst.cu): store shapes, grids and sizes of the collectives' traffic.
// With --port it measures port channels instead (bench_port.cu): the proxy
// round trip over TCP and the cost of a FIFO push from a kernel.
// Rank 0 prints a table and one JSON line per measurement.
#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_burst.hpp"
#include "bench_cuda.hpp"
#include "bench_port.hpp"
#include "lccl/communicator.hpp"
#include "lccl/mpi_bootstrap.hpp"
#include "lccl/primitives/arch/ops.hpp"
#include "lccl/primitives/memory_channel.hpp"

namespace {

using lccl::MemoryChannelDeviceHandle;
using Sem = lccl::MemoryDevice2DeviceSemaphoreDeviceHandle;

struct Options {
  size_t bytes = 256u << 20;
  int iters = 20;
  int warmup = 3;
  int blocks = 0;  // 0: one per SM
  int threads = 1024;
  int latencyIters = 10000;
  int latencyWarmup = 1000;
  int latencyRepeats = 5;
  bool port = false;  // --port: the port-channel benchmarks instead
  bool burst = false;  // --burst: bursts to every peer at once instead
  int portIters = 2000;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) throw std::runtime_error("missing value after " + a);
      return argv[++i];
    };
    if (a == "--bytes") o.bytes = std::strtoull(next(), nullptr, 0);
    else if (a == "--iters") o.iters = std::atoi(next());
    else if (a == "--blocks") o.blocks = std::atoi(next());
    else if (a == "--threads") o.threads = std::atoi(next());
    else if (a == "--latency-iters") o.latencyIters = std::atoi(next());
    else if (a == "--port") o.port = true;
    else if (a == "--burst") o.burst = true;
    else if (a == "--port-iters") o.portIters = std::atoi(next());
    else if (a == "-h" || a == "--help") {
      std::printf("usage: mpirun -np N lccl-bench-primitives [--bytes B] [--iters I] [--blocks K]"
                  " [--threads T] [--latency-iters L]\n"
                  "       mpirun -np N lccl-bench-primitives --port [--port-iters I]\n"
                  "  --port: proxy round trip and put bandwidth over TCP (LCCL_TRANSPORT, default tcp), FIFO push"
                  " cost from a kernel\n"
                  "  --burst: bursts of 64 KiB - 16 MiB to every peer at once, by store shape and grid\n");
      std::exit(0);
    } else {
      throw std::runtime_error("unknown option " + a);
    }
  }
  return o;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// ---- kernels --------------------------------------------------------------

// relaxed: relaxedSignal() (the notification alone: one remote store);
// otherwise signal() (adds the system-scope release fence).
__global__ void pingPongKernel(Sem sem, bool initiator, bool relaxed, int warmup, int iters,
                               uint64_t* ns, int* failed) {
  auto notify = [&]() {
    if (relaxed) sem.relaxedSignal();
    else sem.signal();
  };
  auto round = [&]() {
    if (initiator) {
      notify();
      return sem.wait();
    }
    const bool ok = sem.wait();
    notify();
    return ok;
  };
  for (int i = 0; i < warmup; ++i)
    if (!round()) { *failed = 1; return; }
  const uint64_t t0 = lccl::arch::globalTimerNs();
  for (int i = 0; i < iters; ++i)
    if (!round()) { *failed = 1; return; }
  *ns = lccl::arch::globalTimerNs() - t0;
}

__global__ void __launch_bounds__(1024, 1) putKernel(MemoryChannelDeviceHandle ch, size_t bytes) {
  ch.put(0, 0, bytes, blockIdx.x * blockDim.x + threadIdx.x, gridDim.x * blockDim.x);
}

// ---- setup ----------------------------------------------------------------

struct Bench {
  Options opt;
  int rank = 0, size = 0;
  std::shared_ptr<lccl::Communicator> comm;
  std::vector<std::shared_ptr<lccl::Connection>> conns;
  std::vector<std::shared_ptr<lccl::MemoryDevice2DeviceSemaphore>> sems;
  std::vector<lccl::RegisteredMemory> recvMems;
  std::vector<MemoryChannelDeviceHandle> chans;
  void* send = nullptr;
  void* recv = nullptr;
  cudaStream_t stream = nullptr;
  cudaEvent_t start = nullptr, stop = nullptr;
  uint64_t* ns = nullptr;
  int* failed = nullptr;
};

void setup(Bench& b) {
  std::shared_ptr<lccl::Bootstrap> boot = lccl::mpiBootstrap(MPI_COMM_WORLD);
  b.comm = std::make_shared<lccl::Communicator>(boot);
  lccl::Communicator& comm = *b.comm;
  b.rank = comm.rank();
  b.size = comm.size();
  BENCH_CUDA(cudaSetDevice(comm.device()));
  if (b.opt.blocks <= 0) {
    cudaDeviceProp prop{};
    BENCH_CUDA(cudaGetDeviceProperties(&prop, comm.device()));
    b.opt.blocks = prop.multiProcessorCount;
  }
  BENCH_CUDA(cudaMalloc(&b.send, b.opt.bytes));
  BENCH_CUDA(cudaMalloc(&b.recv, b.opt.bytes));
  BENCH_CUDA(cudaMemset(b.send, 1, b.opt.bytes));
  BENCH_CUDA(cudaMalloc(&b.ns, sizeof(uint64_t)));
  BENCH_CUDA(cudaMalloc(&b.failed, sizeof(int)));
  BENCH_CUDA(cudaMemset(b.failed, 0, sizeof(int)));
  BENCH_CUDA(cudaStreamCreateWithFlags(&b.stream, cudaStreamNonBlocking));
  BENCH_CUDA(cudaEventCreate(&b.start));
  BENCH_CUDA(cudaEventCreate(&b.stop));
  BENCH_CUDA(cudaDeviceSynchronize());
  b.recvMems = comm.exchangeMemory(comm.registerMemory(b.recv, b.opt.bytes), 9001);
  b.conns.resize(b.size);
  b.sems.resize(b.size);
  b.chans.resize(b.size);
  for (int p = 0; p < b.size; ++p)
    if (p != b.rank) b.conns[p] = comm.connect(p);
  for (int p = 0; p < b.size; ++p) {
    if (p == b.rank) continue;
    b.sems[p] = std::make_shared<lccl::MemoryDevice2DeviceSemaphore>(comm, b.conns[p]);
    b.chans[p] = lccl::MemoryChannel(b.sems[p], b.recvMems[p], b.send).deviceHandle();
  }
}

void teardown(Bench& b) {
  BENCH_CUDA(cudaDeviceSynchronize());
  MPI_Barrier(MPI_COMM_WORLD);
  b.chans.clear();
  b.sems.clear();
  b.recvMems.clear();
  b.conns.clear();
  MPI_Barrier(MPI_COMM_WORLD);
  b.comm.reset();
  cudaEventDestroy(b.start);
  cudaEventDestroy(b.stop);
  cudaStreamDestroy(b.stream);
  cudaFree(b.send);
  cudaFree(b.recv);
  cudaFree(b.ns);
  cudaFree(b.failed);
}

// Sum over ranks (each result is produced by exactly one rank, others give 0).
double collect(double mine) {
  double all = 0;
  MPI_Allreduce(&mine, &all, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  return all;
}

void checkFailed(Bench& b, const char* what) {
  int failed = 0;
  BENCH_CUDA(cudaMemcpy(&failed, b.failed, sizeof(int), cudaMemcpyDeviceToHost));
  if (failed) {
    b.comm->checkDeviceErrors();
    throw std::runtime_error(std::string(what) + ": a device wait failed");
  }
}

// ---- 1. signal latency ----------------------------------------------------

double pingPongOnce(Bench& b, int peer, bool initiator, bool relaxed) {
  pingPongKernel<<<1, 1, 0, b.stream>>>(b.sems[peer]->deviceHandle(), initiator, relaxed,
                                        b.opt.latencyWarmup, b.opt.latencyIters, b.ns, b.failed);
  BENCH_CUDA(cudaGetLastError());
  BENCH_CUDA(cudaStreamSynchronize(b.stream));
  checkFailed(b, "signal latency");
  uint64_t ns = 0;
  BENCH_CUDA(cudaMemcpy(&ns, b.ns, sizeof(ns), cudaMemcpyDeviceToHost));
  return ns / 1e3 / b.opt.latencyIters / 2;  // one way, microseconds
}

// Median one-way latency between a and c (valid on rank a; 0 elsewhere).
double pairLatency(Bench& b, int a, int c, bool relaxed) {
  std::vector<double> us;
  for (int r = 0; r < b.opt.latencyRepeats; ++r) {
    MPI_Barrier(MPI_COMM_WORLD);
    if (b.rank == a) us.push_back(pingPongOnce(b, c, true, relaxed));
    if (b.rank == c) pingPongOnce(b, a, false, relaxed);
  }
  return b.rank == a ? median(us) : 0.0;
}

// signal_latency: relaxedSignal() -> wait(), the notification itself (one
// remote store, spin on local memory). signal_latency_release: signal() ->
// wait(), i.e. plus the system-scope release fence that publishing data needs.
void benchLatency(Bench& b) {
  if (b.rank == 0) {
    std::printf("\n# one-way signal latency in us (round trip / 2, median of %d x %d round trips)\n",
                b.opt.latencyRepeats, b.opt.latencyIters);
    std::printf("%6s %6s %14s %14s\n", "src", "dst", "relaxedSignal", "signal");
  }
  for (int a = 0; a < b.size; ++a)
    for (int c = a + 1; c < b.size; ++c) {
      const double relaxed = collect(pairLatency(b, a, c, true));
      const double release = collect(pairLatency(b, a, c, false));
      if (b.rank == 0) {
        std::printf("%6d %6d %14.3f %14.3f\n", a, c, relaxed, release);
        std::printf("{\"bench\":\"signal_latency\",\"src\":%d,\"dst\":%d,\"us\":%.3f}\n", a, c, relaxed);
        std::printf("{\"bench\":\"signal_latency_release\",\"src\":%d,\"dst\":%d,\"us\":%.3f}\n", a, c,
                    release);
      }
    }
}

// ---- 2/3. bandwidth -------------------------------------------------------

// Median seconds of one transfer to `peer` (run only on the sending rank).
using Transfer = std::function<void(int peer)>;

double timeTransfer(Bench& b, int peer, const Transfer& transfer, bool barrierEachIter) {
  std::vector<double> sec;
  for (int i = 0; i < b.opt.warmup + b.opt.iters; ++i) {
    if (barrierEachIter) MPI_Barrier(MPI_COMM_WORLD);
    BENCH_CUDA(cudaEventRecord(b.start, b.stream));
    transfer(peer);
    BENCH_CUDA(cudaGetLastError());
    BENCH_CUDA(cudaEventRecord(b.stop, b.stream));
    BENCH_CUDA(cudaEventSynchronize(b.stop));
    float ms = 0;
    BENCH_CUDA(cudaEventElapsedTime(&ms, b.start, b.stop));
    if (i >= b.opt.warmup) sec.push_back(ms / 1e3);
  }
  return median(sec);
}

void printBw(const Bench& b, const char* engine, const char* mode, int src, int dst, double gbps) {
  if (b.rank != 0) return;
  std::printf("%6s %6s %6d %6d %12.1f\n", engine, mode, src, dst, gbps);
  std::printf("{\"bench\":\"put_bw\",\"engine\":\"%s\",\"mode\":\"%s\",\"src\":%d,\"dst\":%d,"
              "\"bytes\":%zu,\"gbps\":%.1f}\n",
              engine, mode, src, dst, b.opt.bytes, gbps);
}

void benchBandwidth(Bench& b, const char* engine, const Transfer& transfer) {
  const double gb = b.opt.bytes / 1e9;
  // one ordered pair at a time
  for (int s = 0; s < b.size; ++s)
    for (int d = 0; d < b.size; ++d) {
      if (s == d) continue;
      MPI_Barrier(MPI_COMM_WORLD);
      const double mine = b.rank == s ? gb / timeTransfer(b, d, transfer, false) : 0.0;
      printBw(b, engine, "pair", s, d, collect(mine));
    }
  // all at once: r -> r+1
  const int next = (b.rank + 1) % b.size;
  const double mine = gb / timeTransfer(b, next, transfer, true);
  std::vector<double> all(b.size);
  MPI_Gather(&mine, 1, MPI_DOUBLE, all.data(), 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  for (int r = 0; r < b.size; ++r) printBw(b, engine, "all", r, (r + 1) % b.size, all[r]);
}

void benchAllBandwidth(Bench& b) {
  if (b.rank == 0) {
    std::printf("\n# put bandwidth per GPU, %zu bytes, median of %d (sm: %d blocks x %d threads)\n",
                b.opt.bytes, b.opt.iters, b.opt.blocks, b.opt.threads);
    std::printf("%6s %6s %6s %6s %12s\n", "engine", "mode", "src", "dst", "GB/s");
  }
  benchBandwidth(b, "sm", [&b](int peer) {
    putKernel<<<b.opt.blocks, b.opt.threads, 0, b.stream>>>(b.chans[peer], b.opt.bytes);
  });
  benchBandwidth(b, "ce", [&b](int peer) {
    b.conns[peer]->write(b.recvMems[peer], 0, b.send, b.opt.bytes, b.stream);
  });
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rc = 0;
  try {
    Bench b;
    b.opt = parse(argc, argv);
    if (b.opt.port) {
      lccl::PortBenchOptions po;
      po.iters = b.opt.portIters;
      lccl::runPortBench(po);
      MPI_Finalize();
      return 0;
    }
    setup(b);
    if (b.size < 2) throw std::runtime_error("needs at least 2 ranks");
    if (b.rank == 0)
      std::printf("lccl-bench-primitives: %d ranks (targets on H100 NVSwitch: latency <= 1.1 us, "
                  "put >= 350 GB/s)\n", b.size);
    if (b.opt.burst) {
      lccl::BurstEnv env;
      env.rank = b.rank;
      env.size = b.size;
      env.local = b.send;
      env.bufBytes = b.opt.bytes;
      env.peer.resize(b.size);
      for (int p = 0; p < b.size; ++p) env.peer[p] = p == b.rank ? b.recv : b.chans[p].dst;
      env.stream = b.stream;
      env.start = b.start;
      env.stop = b.stop;
      lccl::runBurstBench(env);
    } else {
      benchLatency(b);
      benchAllBandwidth(b);
    }
    teardown(b);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lccl-bench-primitives: %s\n", e.what());
    MPI_Abort(MPI_COMM_WORLD, 1);
    rc = 1;
  }
  MPI_Finalize();
  return rc;
}
