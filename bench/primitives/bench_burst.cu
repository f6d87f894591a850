// lccl-bench-primitives --burst: how fast one GPU's SMs (or copy engine) move a
// burst of S bytes to every peer at once, the traffic of an all-gather or
// all-to-all, for burst sizes from 64 KiB to 16 MiB per peer and several
// store shapes and grids. Every rank floods at the same time (after a
// barrier); a burst's time is the mean of 20 back-to-back launches (median of
// 3), so the links carry both directions as in the collectives.
//
// Shapes (kernel templates below):
//   unit       a warp loads 512 bytes and stores them to each peer in turn
//              (the LL128 publish pattern), plain st.global.v4
//   unit-vol   the same with st.volatile (what the packet stores use)
//   unit-stag  the same, peers in an order rotated by rank
//   unit4      a warp loads 4 x 512 bytes first, then stores them to each peer
//   warp-peer  warp w moves 2 KiB chunk w / (n-1) to peer w % (n-1)
//   pull       a warp loads 512 bytes from each peer, then stores them locally
//   ce         the copy engine, one copy per peer in turn on one stream
#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_burst.hpp"
#include "bench_cuda.hpp"
#include "lccl/primitives/arch/ops.hpp"

namespace lccl {
namespace {

constexpr int kMaxPeers = 7;

struct BurstArgs {
  const char* src;           // local: what is sent (push) or where pulls land
  char* dst[kMaxPeers];      // peer k's buffer, at this rank's region
  const char* from[kMaxPeers];  // peer k's buffer, at peer k's region for me (pull)
  int npeers;
  int rank;
  size_t bytes;  // per peer, a multiple of 8 KiB
};

__device__ __forceinline__ uint32_t lane() { return threadIdx.x & 31u; }
__device__ __forceinline__ size_t warpId() { return (blockIdx.x * blockDim.x + threadIdx.x) / 32; }
__device__ __forceinline__ size_t warpCount() { return gridDim.x * blockDim.x / 32; }

template <bool Volatile>
__device__ __forceinline__ void store16(char* p, uint4 v) {
  if constexpr (Volatile) arch::storeVolatileV4(reinterpret_cast<uint4*>(p), v);
  else arch::storeGlobal128(reinterpret_cast<uint4*>(p), v);
}

template <bool Volatile, bool Stagger>
__global__ void unitKernel(const __grid_constant__ BurstArgs a) {
  const size_t units = a.bytes / 512;
  for (size_t u = warpId(); u < units; u += warpCount()) {
    const size_t off = u * 512 + lane() * 16;
    const uint4 v = arch::loadGlobal128(reinterpret_cast<const uint4*>(a.src + off));
    for (int k = 0; k < a.npeers; ++k) {
      const int p = Stagger ? (k + a.rank) % a.npeers : k;
      store16<Volatile>(a.dst[p] + off, v);
    }
  }
}

__global__ void unit4Kernel(const __grid_constant__ BurstArgs a) {
  const size_t groups = a.bytes / 2048;
  for (size_t g = warpId(); g < groups; g += warpCount()) {
    uint4 v[4];
#pragma unroll
    for (int j = 0; j < 4; ++j)
      v[j] = arch::loadGlobal128(reinterpret_cast<const uint4*>(a.src + g * 2048 + j * 512 + lane() * 16));
    for (int k = 0; k < a.npeers; ++k)
#pragma unroll
      for (int j = 0; j < 4; ++j) store16<false>(a.dst[k] + g * 2048 + j * 512 + lane() * 16, v[j]);
  }
}

__global__ void warpPeerKernel(const __grid_constant__ BurstArgs a) {
  const size_t chunks = a.bytes / 2048 * a.npeers;
  for (size_t g = warpId(); g < chunks; g += warpCount()) {
    const int p = static_cast<int>(g % a.npeers);
    const size_t base = g / a.npeers * 2048 + lane() * 16;
    uint4 v[4];
#pragma unroll
    for (int j = 0; j < 4; ++j) v[j] = arch::loadGlobal128(reinterpret_cast<const uint4*>(a.src + base + j * 512));
#pragma unroll
    for (int j = 0; j < 4; ++j) store16<false>(a.dst[p] + base + j * 512, v[j]);
  }
}

__global__ void pullKernel(const __grid_constant__ BurstArgs a) {
  const size_t units = a.bytes / 512;
  char* local = const_cast<char*>(a.src);
  for (size_t u = warpId(); u < units; u += warpCount()) {
    const size_t off = u * 512 + lane() * 16;
    uint4 v[kMaxPeers];
#pragma unroll
    for (int k = 0; k < kMaxPeers; ++k)
      if (k < a.npeers) v[k] = arch::loadGlobal128(reinterpret_cast<const uint4*>(a.from[k] + off));
#pragma unroll
    for (int k = 0; k < kMaxPeers; ++k)
      if (k < a.npeers) store16<false>(local + static_cast<size_t>(k) * a.bytes + off, v[k]);
  }
}

struct Grid {
  int blocks, threads;
};

using Launch = void (*)(const BurstArgs&, Grid, cudaStream_t);

template <bool V, bool S>
void launchUnit(const BurstArgs& a, Grid g, cudaStream_t s) { unitKernel<V, S><<<g.blocks, g.threads, 0, s>>>(a); }
void launchUnit4(const BurstArgs& a, Grid g, cudaStream_t s) { unit4Kernel<<<g.blocks, g.threads, 0, s>>>(a); }
void launchWarpPeer(const BurstArgs& a, Grid g, cudaStream_t s) { warpPeerKernel<<<g.blocks, g.threads, 0, s>>>(a); }
void launchPull(const BurstArgs& a, Grid g, cudaStream_t s) { pullKernel<<<g.blocks, g.threads, 0, s>>>(a); }
void launchCe(const BurstArgs& a, Grid, cudaStream_t s) {
  for (int k = 0; k < a.npeers; ++k)
    BENCH_CUDA(cudaMemcpyAsync(a.dst[k], a.src, a.bytes, cudaMemcpyDeviceToDevice, s));
}

struct Shape {
  const char* name;
  Launch launch;
  bool usesGrid;
};

// Mean microseconds of one burst over `launches` back-to-back, median of 3,
// averaged over ranks.
double timeBurst(const BurstEnv& env, const Shape& sh, const BurstArgs& a, Grid g) {
  constexpr int kLaunches = 20;
  std::vector<double> us;
  for (int rep = 0; rep < 4; ++rep) {
    MPI_Barrier(MPI_COMM_WORLD);
    BENCH_CUDA(cudaEventRecord(env.start, env.stream));
    for (int i = 0; i < kLaunches; ++i) sh.launch(a, g, env.stream);
    BENCH_CUDA(cudaGetLastError());
    BENCH_CUDA(cudaEventRecord(env.stop, env.stream));
    BENCH_CUDA(cudaEventSynchronize(env.stop));
    float ms = 0;
    BENCH_CUDA(cudaEventElapsedTime(&ms, env.start, env.stop));
    if (rep > 0) us.push_back(ms * 1e3 / kLaunches);  // the first repeat warms up
  }
  std::sort(us.begin(), us.end());
  double mine = us[us.size() / 2], sum = 0;
  MPI_Allreduce(&mine, &sum, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  return sum / env.size;
}

}  // namespace

void runBurstBench(const BurstEnv& env) {
  const int np = env.size - 1;
  if (np < 1 || np > kMaxPeers) throw std::runtime_error("--burst needs 2 - 8 ranks");
  const Shape shapes[] = {{"unit", launchUnit<false, false>, true},
                          {"unit-vol", launchUnit<true, false>, true},
                          {"unit-stag", launchUnit<false, true>, true},
                          {"unit4", launchUnit4, true},
                          {"warp-peer", launchWarpPeer, true},
                          {"pull", launchPull, true},
                          {"ce", launchCe, false}};
  const Grid grids[] = {{132, 512}, {132, 1024}, {66, 512}, {264, 512}, {32, 1024}};
  const size_t sizes[] = {64u << 10, 256u << 10, 1u << 20, 4u << 20, 16u << 20};
  if (env.rank == 0)
    std::printf("\n# burst: S bytes to each of %d peers at once, us per burst and GB/s out of each GPU\n"
                "%10s %10s %10s %10s %10s\n", np, "shape", "grid", "S", "us", "GB/s");
  for (size_t s : sizes) {
    if (s * env.size > env.bufBytes) continue;
    BurstArgs a{};
    a.src = static_cast<const char*>(env.local);
    a.npeers = np;
    a.rank = env.rank;
    a.bytes = s;
    for (int k = 0; k < np; ++k) {
      const int p = (env.rank + 1 + k) % env.size;  // peer k: the k-th rank after me
      a.dst[k] = static_cast<char*>(env.peer[p]) + static_cast<size_t>(env.rank) * s;
      a.from[k] = static_cast<const char*>(env.peer[p]) + static_cast<size_t>(p) * s;
    }
    for (const Shape& sh : shapes)
      for (const Grid& g : grids) {
        if (!sh.usesGrid && &g != &grids[0]) continue;
        const double us = timeBurst(env, sh, a, g);
        const double gbps = static_cast<double>(s) * np / (us * 1e3);
        if (env.rank != 0) continue;
        char grid[32];
        std::snprintf(grid, sizeof grid, "%dx%d", sh.usesGrid ? g.blocks : 0, sh.usesGrid ? g.threads : 0);
        std::printf("%10s %10s %10zu %10.2f %10.1f\n", sh.name, grid, s, us, gbps);
        std::printf("{\"bench\":\"burst\",\"shape\":\"%s\",\"grid\":\"%s\",\"bytes\":%zu,\"peers\":%d,"
                    "\"us\":%.3f,\"gbps\":%.1f}\n", sh.name, grid, s, np, us, gbps);
      }
  }
}

}  // namespace lccl
