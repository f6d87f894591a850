// GPU test of registered memory: buffers from cudaMalloc (CUDA IPC) and from
// lccl::gpuAllocShareable (cuMem VMM, POSIX fd) are registered (whole and as
// an odd sub-range), exchanged with every peer, mapped, written by a kernel
// through the mapping and checked by their owner.
#include <cstring>

#include "gpu_test_common.hpp"
#include "lccl/memory.hpp"

using namespace gputest;

namespace {

constexpr size_t kBytes = 1 << 20;
constexpr size_t kSlot = 4093;     // bytes each peer writes (odd on purpose)
constexpr size_t kOffset = 4099;   // registered sub-range starts here (odd on purpose)

__global__ void writeBytes(char* dst, const char* src, size_t n) {
  for (size_t i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) dst[i] = src[i];
}

// Every rank writes its pattern into slot `rank` of every peer's registered
// range through the mapping; each owner checks every slot.
std::string exchangeAndCheck(Context& ctx, char* base) {
  const int n = ctx.size, r = ctx.rank;
  GT_CUDA(cudaMemset(base, kPoison, kBytes));
  GT_CUDA(cudaDeviceSynchronize());
  lccl::RegisteredMemory mine = ctx.comm->registerMemory(base + kOffset, kSlot * n);
  std::vector<lccl::RegisteredMemory> all = ctx.comm->exchangeMemory(mine, 7501);
  std::vector<uint8_t> pat = pattern(1000 + r, kSlot);
  DeviceBuffer src(kSlot);
  src.upload(pat.data(), kSlot);
  for (int p = 0; p < n; ++p) {
    if (p == r) continue;
    if (all[p].size() != kSlot * n) return "imported size " + std::to_string(all[p].size());
    writeBytes<<<8, 256>>>(static_cast<char*>(all[p].data()) + r * kSlot, src.as<char>(), kSlot);
  }
  GT_CUDA(cudaGetLastError());
  GT_CUDA(cudaDeviceSynchronize());
  MPI_Barrier(MPI_COMM_WORLD);
  std::vector<uint8_t> got(kBytes);
  GT_CUDA(cudaMemcpy(got.data(), base, kBytes, cudaMemcpyDeviceToHost));
  for (int p = 0; p < n; ++p) {
    if (p == r) continue;
    std::vector<uint8_t> want = pattern(1000 + p, kSlot);
    std::string why = firstMismatch(&got[kOffset + p * kSlot], want.data(), kSlot,
                                    "slot of rank " + std::to_string(p));
    if (!why.empty()) return why;
  }
  for (size_t i = 0; i < kOffset; ++i)
    if (got[i] != kPoison) return "byte " + std::to_string(i) + " before the range was written";
  MPI_Barrier(MPI_COMM_WORLD);  // peers are done with the mappings
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  return runMain("registration", [&] {
    Context ctx = init(&argc, &argv);
    {
      char* dev = nullptr;
      GT_CUDA(cudaMalloc(&dev, kBytes));
      std::string why = exchangeAndCheck(ctx, dev);
      report(ctx, "cudaMalloc memory registered, exchanged, written by peers", why.empty(), why);
      GT_CUDA(cudaFree(dev));
    }
    {
      char* vmm = static_cast<char*>(lccl::gpuAllocShareable(kBytes));
      std::string why = exchangeAndCheck(ctx, vmm);
      report(ctx, "cuMem (POSIX fd) memory registered, exchanged, written by peers", why.empty(), why);
      lccl::gpuFreeShareable(vmm);
    }
    return finish(ctx);
  });
}
