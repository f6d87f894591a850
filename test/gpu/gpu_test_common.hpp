// Shared helpers of the MPI GPU tests: setup, checks, reporting, test data.
//
// Each program runs one rank per GPU (mpirun -np N), prints "PASS name" (rank
// 0, when every rank passed) or "FAIL name: [rank R] reason" (each failing
// rank) per check, and exits non-zero when any check failed on any rank.
#pragma once

#include <mpi.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "lccl/communicator.hpp"
#include "lccl/gpu.hpp"
#include "lccl/mpi_bootstrap.hpp"
#include "lccl/primitives/semaphore.hpp"

namespace gputest {

#define GT_CUDA(call)                                                                        \
  do {                                                                                       \
    cudaError_t gt_err_ = (call);                                                            \
    if (gt_err_ != cudaSuccess)                                                              \
      throw std::runtime_error(std::string(#call) + ": " + cudaGetErrorString(gt_err_) +     \
                               " at " + __FILE__ + ":" + std::to_string(__LINE__));          \
  } while (0)

struct Context {
  int rank = 0;
  int size = 0;
  std::shared_ptr<lccl::Communicator> comm;
  int failures = 0;
};

// MPI_Init, the device-wait bound (unless the environment sets one: a hang in
// a broken build then fails in seconds, not minutes) and the communicator.
inline Context init(int* argc, char*** argv, const char* defaultWaitTimeoutMs = "20000") {
  setenv("LCCL_DEVICE_WAIT_TIMEOUT_MS", defaultWaitTimeoutMs, /*overwrite=*/0);
  MPI_Init(argc, argv);
  Context ctx;
  MPI_Comm_rank(MPI_COMM_WORLD, &ctx.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ctx.size);
  if (ctx.size < 2) throw std::runtime_error("needs at least 2 ranks (mpirun -np N, N >= 2)");
  std::shared_ptr<lccl::Bootstrap> boot = lccl::mpiBootstrap(MPI_COMM_WORLD);
  ctx.comm = std::make_shared<lccl::Communicator>(boot);
  GT_CUDA(cudaSetDevice(ctx.comm->device()));
  return ctx;
}

// Collective: every rank reports the same checks in the same order.
inline bool report(Context& ctx, const std::string& name, bool ok, const std::string& why) {
  int local = ok ? 1 : 0, all = 0;
  MPI_Allreduce(&local, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  if (!ok) std::printf("FAIL %s: [rank %d] %s\n", name.c_str(), ctx.rank, why.c_str());
  if (all && ctx.rank == 0) std::printf("PASS %s\n", name.c_str());
  std::fflush(stdout);
  if (!all) ++ctx.failures;
  return all != 0;
}

inline int finish(Context& ctx) {
  ctx.comm.reset();
  MPI_Barrier(MPI_COMM_WORLD);
  MPI_Finalize();
  return ctx.failures == 0 ? 0 : 1;
}

// Runs body(); an exception becomes a FAIL line and aborts the job.
template <class F>
int runMain(const char* program, F&& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    int rank = -1, inited = 0;
    MPI_Initialized(&inited);
    if (inited) MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    std::printf("FAIL %s: [rank %d] exception: %s\n", program, rank, e.what());
    std::fflush(stdout);
    if (inited) MPI_Abort(MPI_COMM_WORLD, 1);
    return 1;
  }
}

// Test data: bytes in [1, 254] (never 0, never the 0xff poison).
constexpr uint8_t kPoison = 0xff;
inline uint8_t patternByte(uint64_t seed, uint64_t i) {
  uint64_t z = seed * 0x9E3779B97F4A7C15ull + i * 0xBF58476D1CE4E5B9ull + 0x94D049BB133111EBull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return static_cast<uint8_t>(1 + z % 254);
}
inline std::vector<uint8_t> pattern(uint64_t seed, size_t bytes) {
  std::vector<uint8_t> v(bytes);
  for (size_t i = 0; i < bytes; ++i) v[i] = patternByte(seed, i);
  return v;
}

// Owning device allocation.
class DeviceBuffer {
 public:
  explicit DeviceBuffer(size_t bytes) : bytes_(bytes) { GT_CUDA(cudaMalloc(&ptr_, bytes)); }
  ~DeviceBuffer() { cudaFree(ptr_); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  void* get() const { return ptr_; }
  template <class T> T* as() const { return static_cast<T*>(ptr_); }
  size_t size() const { return bytes_; }
  void fill(uint8_t byte) { GT_CUDA(cudaMemset(ptr_, byte, bytes_)); GT_CUDA(cudaDeviceSynchronize()); }
  // Returns once the data is in device memory. cudaMemcpy from pageable host
  // memory may return while the last DMA into the buffer is still in flight
  // on the legacy default stream, which work on a cudaStreamNonBlocking
  // stream (graph replays in the tests) does not wait for.
  void upload(const void* src, size_t bytes, size_t offset = 0) {
    GT_CUDA(cudaMemcpy(static_cast<char*>(ptr_) + offset, src, bytes, cudaMemcpyHostToDevice));
    GT_CUDA(cudaDeviceSynchronize());
  }
  std::vector<uint8_t> download() const {
    std::vector<uint8_t> v(bytes_);
    GT_CUDA(cudaMemcpy(v.data(), ptr_, bytes_, cudaMemcpyDeviceToHost));
    return v;
  }

 private:
  void* ptr_ = nullptr;
  size_t bytes_ = 0;
};

// Copies a host array of trivially copyable handles to the device.
template <class T>
std::unique_ptr<DeviceBuffer> toDevice(const std::vector<T>& items) {
  auto buf = std::make_unique<DeviceBuffer>(sizeof(T) * (items.empty() ? 1 : items.size()));
  if (!items.empty()) buf->upload(items.data(), sizeof(T) * items.size());
  return buf;
}

// Connections and one semaphore to every peer, in ascending peer order on
// every rank (deadlock-free for pairwise handshakes). Index = peer rank.
struct Mesh {
  std::vector<std::shared_ptr<lccl::Connection>> conns;
  std::vector<std::shared_ptr<lccl::MemoryDevice2DeviceSemaphore>> sems;
};
inline Mesh connectAll(lccl::Communicator& comm) {
  Mesh m;
  m.conns.resize(comm.size());
  m.sems.resize(comm.size());
  for (int p = 0; p < comm.size(); ++p)
    if (p != comm.rank()) m.conns[p] = comm.connect(p);
  for (int p = 0; p < comm.size(); ++p)
    if (p != comm.rank())
      m.sems[p] = std::make_shared<lccl::MemoryDevice2DeviceSemaphore>(comm, m.conns[p]);
  return m;
}
inline std::vector<std::shared_ptr<lccl::MemoryDevice2DeviceSemaphore>> moreSemaphores(
    lccl::Communicator& comm, const Mesh& m) {
  std::vector<std::shared_ptr<lccl::MemoryDevice2DeviceSemaphore>> s(comm.size());
  for (int p = 0; p < comm.size(); ++p)
    if (p != comm.rank()) s[p] = std::make_shared<lccl::MemoryDevice2DeviceSemaphore>(comm, m.conns[p]);
  return s;
}

// Waits for `stream` (default: the legacy default stream) to drain, then for
// the device to go idle, at most `seconds` for the stream. False if still busy.
inline bool syncWithin(double seconds, cudaStream_t stream = nullptr) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  for (;;) {
    const cudaError_t st = cudaStreamQuery(stream);
    if (st == cudaSuccess) return cudaDeviceSynchronize() == cudaSuccess;
    if (st != cudaErrorNotReady) GT_CUDA(st);
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

// The peer a block serves when a kernel runs one block per peer.
__device__ __forceinline__ int peerOfBlock(int rank) {
  return static_cast<int>(blockIdx.x) < rank ? static_cast<int>(blockIdx.x)
                                             : static_cast<int>(blockIdx.x) + 1;
}

// First byte where `got` differs from `want` in [0, n), described; "" if none.
inline std::string firstMismatch(const uint8_t* got, const uint8_t* want, size_t n,
                                 const std::string& where) {
  for (size_t i = 0; i < n; ++i)
    if (got[i] != want[i])
      return where + ": byte " + std::to_string(i) + " is " + std::to_string(got[i]) +
             ", expected " + std::to_string(want[i]);
  return "";
}

}  // namespace gputest
