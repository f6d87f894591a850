// context.hpp — what the runs share: options, MPI, the device, the libraries.
#pragma once

#include <cuda_runtime.h>
#include <mpi.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "backend.hpp"
#include "lccl_perf/json.hpp"
#include "lccl_perf/options.hpp"

namespace lccl::perf {

struct LibSlot {
  std::string name;                  // "lccl" or "nccl"
  std::unique_ptr<Backend> backend;  // null: unavailable for the whole run
  bool active = false;               // runs in the current series
};

struct PerfContext {
  PerfOptions opts;
  MPI_Comm comm = MPI_COMM_WORLD;
  int rank = 0;
  int nranks = 1;
  int device = 0;
  cudaStream_t stream = nullptr;
  std::vector<LibSlot> libs;  // in run order: lccl, then nccl
  FILE* json = nullptr;       // rank 0 only, when -J is given

  bool both() const { return libs.size() == 2; }
  RunInfo runInfo() const;
  void writeJson(const std::string& line) const;
  // printf on rank 0 only.
  void say(const char* fmt, ...) const __attribute__((format(printf, 2, 3)));
};

// cudaMalloc'ed memory (shareable: lccl::gpuAllocShareable, what ncclMemAlloc
// returns, so that it can be registered as a window) freed on scope exit.
class DeviceBuffer {
 public:
  explicit DeviceBuffer(size_t bytes, bool shareable = false);
  ~DeviceBuffer();
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  char* get() const { return ptr_; }
  size_t bytes() const { return bytes_; }

 private:
  char* ptr_ = nullptr;
  size_t bytes_ = 0;
  bool shareable_ = false;
};

int runSweep(PerfContext& ctx);  // the nccl-tests table; returns the exit code
int runM1(PerfContext& ctx);     // the MiniMax-M1 step table

}  // namespace lccl::perf
