// lccl-bench-primitives --port — port-channel costs (one rank per GPU):
//  1. proxy round trip: rank 0 and rank q ping-pong through a PortChannel
//     (one GPU thread per side): signal() pushes a request, the proxy sends
//     it over TCP (loopback on one host), the peer's proxy bumps the
//     host-mapped counter the peer GPU's wait() spins on. Round trip and
//     one-way (= round trip / 2), median over repeats.
//  2. put bandwidth over the port channel (GPU memory, TCP staging): rank 0
//     puts B bytes with a signal, rank q answers with a signal once they
//     landed; GB/s = B / that round trip, median over repeats;
//  3. FIFO push cost on rank 0: kernels push requests into a device FIFO
//     that a host thread only drains (no transport): ns per push and
//     pushes/s for 1 thread and for many threads pushing at once.
// Rank 0 prints two small tables and one JSON line per measurement.
#include <mpi.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench_port.hpp"
#include "lccl/communicator.hpp"
#include "lccl/env.hpp"
#include "lccl/errors.hpp"
#include "lccl/mpi_bootstrap.hpp"
#include "lccl/primitives/arch/ops.hpp"
#include "lccl/primitives/port_channel.hpp"

namespace {

using lccl::FifoDeviceHandle;
using lccl::PortChannelDeviceHandle;

double medianOf(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// ---- kernels --------------------------------------------------------------

__device__ bool portRound(const PortChannelDeviceHandle& ch, bool initiator) {
  if (initiator) return ch.signal() && ch.wait();
  return ch.wait() && ch.signal();
}

__global__ void portPingPong(PortChannelDeviceHandle ch, bool initiator, int warmup, int iters,
                             uint64_t* ns, int* failed) {
  for (int i = 0; i < warmup; ++i)
    if (!portRound(ch, initiator)) { *failed = 1; return; }
  const uint64_t t0 = lccl::arch::globalTimerNs();
  for (int i = 0; i < iters; ++i)
    if (!portRound(ch, initiator)) { *failed = 1; return; }
  *ns = lccl::arch::globalTimerNs() - t0;
}

// Initiator: put `bytes` (region 0 -> peer's region 1) with a signal, wait
// for the answer. Responder: wait for the data, answer.
__global__ void putRoundTrip(PortChannelDeviceHandle data, bool initiator, uint32_t bytes,
                             int* failed) {
  const bool ok = initiator ? data.putWithSignal(0, 0, bytes) && data.wait()
                            : data.wait() && data.signal();
  if (!ok) *failed = 1;
}

__global__ void pushKernel(FifoDeviceHandle fifo, int perThread, int* failed) {
  lccl::ProxyRequestFields f;
  f.type = lccl::ProxyRequestType::Signal;
  const lccl::ProxyRequest req = lccl::ProxyRequest::encode(f);
  for (int i = 0; i < perThread; ++i)
    if (!fifo.push(req)) { *failed = 1; return; }
}

// ---- 1. proxy round trip --------------------------------------------------

struct PortBench {
  lccl::PortBenchOptions opt;
  std::shared_ptr<lccl::Communicator> comm;
  std::shared_ptr<lccl::PortService> service;
  std::vector<PortChannelDeviceHandle> chans;  // index = peer (rank 0: all; others: 0)
  std::vector<PortChannelDeviceHandle> data;   // region 0 -> peer's region 1, semaphore 1
  void* buffers = nullptr;                     // region 0, then region 1
  size_t bytes = 0;                            // of each region
  uint64_t* ns = nullptr;
  int* failed = nullptr;
  cudaStream_t stream = nullptr;
};

void checkFailed(PortBench& b, const char* what) {
  int failed = 0;
  LCCL_CUDA_CHECK(cudaMemcpy(&failed, b.failed, sizeof(int), cudaMemcpyDeviceToHost));
  if (!failed) return;
  b.service->rethrowIfError();
  b.comm->checkDeviceErrors();
  throw std::runtime_error(std::string(what) + ": a device push or wait failed");
}

// Rank 0 connects to every rank, the others to rank 0 (ascending order).
void setupPorts(PortBench& b) {
  lccl::Communicator& c = *b.comm;
  b.service = std::make_shared<lccl::PortService>(c);
  b.chans.resize(c.size());
  b.data.resize(c.size());
  LCCL_CUDA_CHECK(cudaMalloc(&b.buffers, 2 * b.bytes));
  LCCL_CUDA_CHECK(cudaMemset(b.buffers, 1, 2 * b.bytes));
  char* region = static_cast<char*>(b.buffers);
  for (int p = 0; p < c.size(); ++p) {
    if (p == c.rank() || (c.rank() != 0 && p != 0)) continue;
    const uint32_t conn = b.service->connect(p);
    b.service->registerMemory(conn, 0, region, b.bytes);
    b.service->registerMemory(conn, 1, region + b.bytes, b.bytes);
    b.chans[p] = lccl::PortChannel(b.service, conn, 0).deviceHandle();
    b.data[p] = lccl::PortChannel(b.service, conn, 1, 0, 1).deviceHandle();
  }
  b.service->start();
}

double pingPongOnce(PortBench& b, int peer, bool initiator) {
  portPingPong<<<1, 1, 0, b.stream>>>(b.chans[peer], initiator, b.opt.warmup, b.opt.iters, b.ns,
                                      b.failed);
  LCCL_CUDA_CHECK(cudaGetLastError());
  LCCL_CUDA_CHECK(cudaStreamSynchronize(b.stream));
  checkFailed(b, "proxy round trip");
  uint64_t ns = 0;
  LCCL_CUDA_CHECK(cudaMemcpy(&ns, b.ns, sizeof ns, cudaMemcpyDeviceToHost));
  return ns / 1e3 / b.opt.iters;  // round trip, microseconds
}

// The transport the connections really use (a forced one may have fallen back).
const char* usedTransport(const PortBench& b) {
  return b.service->connections() > 0 ? b.service->caps(0).transport : "none";
}

void benchRoundTrip(PortBench& b) {
  const int rank = b.comm->rank();
  if (rank == 0) {
    std::printf("\n# proxy round trip over %s, us (median of %d x %d ping-pongs, 1 GPU thread/side)\n",
                usedTransport(b), b.opt.repeats, b.opt.iters);
    std::printf("%6s %6s %12s %12s\n", "src", "dst", "round_trip", "one_way");
  }
  for (int q = 1; q < b.comm->size(); ++q) {
    std::vector<double> us;
    for (int r = 0; r < b.opt.repeats; ++r) {
      MPI_Barrier(MPI_COMM_WORLD);
      if (rank == 0) us.push_back(pingPongOnce(b, q, true));
      if (rank == q) pingPongOnce(b, 0, false);
    }
    if (rank != 0) continue;
    const double rt = medianOf(us);
    std::printf("%6d %6d %12.2f %12.2f\n", 0, q, rt, rt / 2);
    std::printf("{\"bench\":\"port_round_trip\",\"src\":0,\"dst\":%d,\"us\":%.2f,\"one_way_us\":%.2f}\n",
                q, rt, rt / 2);
  }
}

// ---- 2. put bandwidth -----------------------------------------------------

double putOnce(PortBench& b, int peer, bool initiator, uint32_t bytes) {
  cudaEvent_t e0, e1;
  LCCL_CUDA_CHECK(cudaEventCreate(&e0));
  LCCL_CUDA_CHECK(cudaEventCreate(&e1));
  LCCL_CUDA_CHECK(cudaEventRecord(e0, b.stream));
  putRoundTrip<<<1, 1, 0, b.stream>>>(b.data[peer], initiator, bytes, b.failed);
  LCCL_CUDA_CHECK(cudaEventRecord(e1, b.stream));
  LCCL_CUDA_CHECK(cudaEventSynchronize(e1));
  checkFailed(b, "port put bandwidth");
  float ms = 0;
  LCCL_CUDA_CHECK(cudaEventElapsedTime(&ms, e0, e1));
  cudaEventDestroy(e0);
  cudaEventDestroy(e1);
  return ms / 1e3;
}

void benchPutBandwidth(PortBench& b) {
  const int rank = b.comm->rank();
  if (rank == 0) {
    std::printf("\n# port put bandwidth (GPU -> GPU over %s, staged), median of %d\n",
                usedTransport(b), b.opt.repeats);
    std::printf("%6s %6s %12s %10s\n", "src", "dst", "bytes", "GB/s");
  }
  for (int q = 1; q < b.comm->size(); ++q)
    for (size_t bytes = 1u << 20; bytes <= b.bytes; bytes *= 8) {
      std::vector<double> sec;
      for (int r = 0; r < b.opt.repeats + 1; ++r) {
        MPI_Barrier(MPI_COMM_WORLD);
        if (rank == 0) sec.push_back(putOnce(b, q, true, static_cast<uint32_t>(bytes)));
        if (rank == q) putOnce(b, 0, false, static_cast<uint32_t>(bytes));
      }
      if (rank != 0) continue;
      sec.erase(sec.begin());  // warm-up
      const double gbps = bytes / medianOf(sec) / 1e9;
      std::printf("%6d %6d %12zu %10.2f\n", 0, q, bytes, gbps);
      std::printf("{\"bench\":\"port_put_bw\",\"src\":0,\"dst\":%d,\"bytes\":%zu,\"gbps\":%.2f}\n",
                  q, bytes, gbps);
    }
}

// ---- 3. FIFO push cost ----------------------------------------------------

// Drains `fifo` on a host thread until told to stop; counts requests.
struct Drainer {
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> popped{0};
  std::thread thread;
  explicit Drainer(lccl::Fifo& fifo) {
    thread = std::thread([this, &fifo] {
      lccl::ProxyRequest r;
      while (!stop.load(std::memory_order_relaxed))
        if (fifo.poll(r)) popped.fetch_add(1, std::memory_order_relaxed);
    });
  }
  ~Drainer() {
    stop = true;
    thread.join();
  }
};

// Seconds for blocks x threads x perThread pushes (median of repeats).
double timePushes(PortBench& b, lccl::Fifo& fifo, Drainer& d, int blocks, int threads,
                  int perThread) {
  FifoDeviceHandle h = lccl::fifoDeviceHandle(*b.service);
  h.layout = fifo.producerLayout();
  cudaEvent_t e0, e1;
  LCCL_CUDA_CHECK(cudaEventCreate(&e0));
  LCCL_CUDA_CHECK(cudaEventCreate(&e1));
  std::vector<double> sec;
  for (int r = 0; r < b.opt.repeats + 1; ++r) {
    const uint64_t before = d.popped.load();
    LCCL_CUDA_CHECK(cudaEventRecord(e0, b.stream));
    pushKernel<<<blocks, threads, 0, b.stream>>>(h, perThread, b.failed);
    LCCL_CUDA_CHECK(cudaEventRecord(e1, b.stream));
    LCCL_CUDA_CHECK(cudaEventSynchronize(e1));
    checkFailed(b, "FIFO push");
    const uint64_t total = uint64_t(blocks) * threads * perThread;
    while (d.popped.load() < before + total) std::this_thread::yield();
    float ms = 0;
    LCCL_CUDA_CHECK(cudaEventElapsedTime(&ms, e0, e1));
    if (r > 0) sec.push_back(ms / 1e3);  // the first run warms up
  }
  cudaEventDestroy(e0);
  cudaEventDestroy(e1);
  return medianOf(sec);
}

void benchFifoPush(PortBench& b) {
  if (b.comm->rank() != 0) return;
  const auto cap = static_cast<uint32_t>(lccl::Env::instance().integer("LCCL_PROXY_FIFO_SIZE"));
  lccl::Fifo fifo(cap, lccl::deviceFifoMemory(), 0xF1F0);
  Drainer drainer(fifo);
  std::printf("\n# FIFO push from a kernel (host thread drains, %u slots), median of %d\n",
              fifo.capacity(), b.opt.repeats);
  std::printf("%8s %8s %10s %12s %12s\n", "blocks", "threads", "pushes", "ns/push", "Mpushes/s");
  struct Shape { int blocks, threads, perThread; };
  const Shape shapes[] = {{1, 1, 20000}, {1, 32, 2000}, {1, 256, 400}, {16, 256, 50}};
  for (const Shape& s : shapes) {
    const double sec = timePushes(b, fifo, drainer, s.blocks, s.threads, s.perThread);
    const double n = double(s.blocks) * s.threads * s.perThread;
    std::printf("%8d %8d %10.0f %12.1f %12.2f\n", s.blocks, s.threads, n, sec * 1e9 / n, n / sec / 1e6);
    std::printf("{\"bench\":\"fifo_push\",\"blocks\":%d,\"threads\":%d,\"pushes\":%.0f,"
                "\"ns_per_push\":%.1f,\"mpushes_per_s\":%.2f}\n",
                s.blocks, s.threads, n, sec * 1e9 / n, n / sec / 1e6);
  }
}

}  // namespace

namespace lccl {

void runPortBench(const PortBenchOptions& opt) {
  setenv("LCCL_TRANSPORT", "tcp", 0);  // before the environment is first read
  PortBench b;
  b.opt = opt;
  b.bytes = 64u << 20;
  b.comm = std::make_shared<Communicator>(mpiBootstrap(MPI_COMM_WORLD));
  if (b.comm->size() < 2) throw std::runtime_error("needs at least 2 ranks");
  LCCL_CUDA_CHECK(cudaSetDevice(b.comm->device()));
  LCCL_CUDA_CHECK(cudaMalloc(&b.ns, sizeof(uint64_t)));
  LCCL_CUDA_CHECK(cudaMalloc(&b.failed, sizeof(int)));
  LCCL_CUDA_CHECK(cudaMemset(b.failed, 0, sizeof(int)));
  LCCL_CUDA_CHECK(cudaStreamCreateWithFlags(&b.stream, cudaStreamNonBlocking));
  setupPorts(b);
  if (b.comm->rank() == 0)
    std::printf("lccl-bench-primitives --port: %d ranks, %d nodes\n", b.comm->size(),
                b.comm->nodeCount());
  benchRoundTrip(b);
  MPI_Barrier(MPI_COMM_WORLD);
  benchPutBandwidth(b);
  MPI_Barrier(MPI_COMM_WORLD);
  benchFifoPush(b);
  LCCL_CUDA_CHECK(cudaDeviceSynchronize());
  MPI_Barrier(MPI_COMM_WORLD);
  b.service->stop();
  MPI_Barrier(MPI_COMM_WORLD);
  b.service.reset();
  cudaStreamDestroy(b.stream);
  cudaFree(b.ns);
  cudaFree(b.failed);
  cudaFree(b.buffers);
  b.comm.reset();
}

}  // namespace lccl
