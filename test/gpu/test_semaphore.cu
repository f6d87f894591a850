// Semaphores between every pair of ranks:
//  - ids: the i-th semaphore of a pair has the same id on both ranks;
//  - counting: signals and waits of several launches add up in the counters
//    (two semaphores per peer, created in order, stay independent);
//  - poll(): false with nothing pending, true once the peer signalled;
//  - ordering: a ping-pong whose every round publishes a block's worth of data
//    with put + __syncthreads + signal and checks it after wait + __syncthreads.
#include <string>
#include <vector>

#include "gpu_test_common.hpp"
#include "lccl/primitives/arch/ops.hpp"
#include "lccl/primitives/memory_channel.hpp"

namespace {

using lccl::MemoryChannelDeviceHandle;
using Sem = lccl::MemoryDevice2DeviceSemaphoreDeviceHandle;

constexpr int kSignalsA = 3, kSignalsB = 5, kLaunches = 5;
constexpr size_t kWords = 16384;  // 64 KiB published per ping-pong round
constexpr int kRounds = 200, kPingPongLaunches = 3;

__global__ void countKernel(const Sem* a, const Sem* b, int rank, int* failures) {
  if (threadIdx.x != 0) return;
  const int peer = gputest::peerOfBlock(rank);
  for (int i = 0; i < kSignalsA; ++i) a[peer].signal();
  for (int i = 0; i < kSignalsB; ++i) b[peer].relaxedSignal();
  for (int i = 0; i < kSignalsA; ++i)
    if (!a[peer].wait()) atomicAdd(failures, 1);
  for (int i = 0; i < kSignalsB; ++i)
    if (!b[peer].wait()) atomicAdd(failures, 1);
}

__global__ void pollNothingPending(const Sem* a, const Sem* b, int rank, int* failures) {
  const int peer = gputest::peerOfBlock(rank);
  if (threadIdx.x == 0 && (a[peer].poll() || b[peer].poll())) atomicAdd(failures, 1);
}

// Signals once on `a`, then polls (at most 10 s) until the peer's signal shows.
__global__ void signalThenPoll(const Sem* a, int rank, int* failures) {
  if (threadIdx.x != 0) return;
  const int peer = gputest::peerOfBlock(rank);
  a[peer].signal();
  const uint64_t start = lccl::arch::globalTimerNs();
  while (!a[peer].poll())
    if (lccl::arch::globalTimerNs() - start > 10000000000ull) {
      atomicAdd(failures, 1);
      return;
    }
}

__device__ uint32_t word(uint32_t value, size_t i) {
  return value * 2654435761u + static_cast<uint32_t>(i) * 40503u + 1;
}

// One block per peer. The lower rank of a pair leads; each round the sender
// writes its block's words into src, puts them into the peer's recv slot and
// signals; the receiver waits and checks every word.
__global__ void pingPong(const MemoryChannelDeviceHandle* chans, int rank, int launch,
                         const uint32_t* recv, uint32_t* send, int* failures) {
  const int peer = gputest::peerOfBlock(rank);
  const MemoryChannelDeviceHandle ch = chans[peer];
  const bool leader = rank < peer;
  uint32_t* src = send + peer * kWords;
  const uint32_t* in = recv + peer * kWords;
  __shared__ int ok;
  int bad = 0;
  auto sendRound = [&](uint32_t value) {
    for (size_t i = threadIdx.x; i < kWords; i += blockDim.x) src[i] = word(value, i);
    __syncthreads();
    ch.put(rank * kWords * sizeof(uint32_t), peer * kWords * sizeof(uint32_t), kWords * sizeof(uint32_t),
           threadIdx.x, blockDim.x);
    __syncthreads();
    if (threadIdx.x == 0) ch.signal();
  };
  auto receiveRound = [&](uint32_t value) {
    if (threadIdx.x == 0) ok = ch.wait() ? 1 : 0;
    __syncthreads();
    if (!ok) return false;
    for (size_t i = threadIdx.x; i < kWords; i += blockDim.x)
      if (in[i] != word(value, i)) ++bad;
    __syncthreads();  // everyone checked before the reply overwrites the peer's view
    return true;
  };
  for (int r = 0; r < kRounds; ++r) {
    const uint32_t ping = 2 * (launch * kRounds + r) + 1, pong = ping + 1;
    if (leader) {
      sendRound(ping);
      if (!receiveRound(pong)) break;
    } else {
      if (!receiveRound(ping)) break;
      sendRound(pong);
    }
  }
  if (bad != 0 || !ok) atomicAdd(failures, bad + (ok ? 0 : 1));
}

uint64_t readCounter(const uint64_t* p) {
  uint64_t v = 0;
  GT_CUDA(cudaMemcpy(&v, p, sizeof(uint64_t), cudaMemcpyDeviceToHost));
  return v;
}

int readInt(const gputest::DeviceBuffer& b) {
  int v = 0;
  GT_CUDA(cudaMemcpy(&v, b.get(), sizeof(int), cudaMemcpyDeviceToHost));
  return v;
}

void launched(lccl::Communicator& comm) {
  GT_CUDA(cudaGetLastError());
  GT_CUDA(cudaDeviceSynchronize());
  comm.checkDeviceErrors();
}

}  // namespace

int main(int argc, char** argv) {
  return gputest::runMain("semaphore", [&] {
    gputest::Context ctx = gputest::init(&argc, &argv);
    lccl::Communicator& comm = *ctx.comm;
    const int rank = ctx.rank, n = ctx.size;
    gputest::Mesh mesh = gputest::connectAll(comm);
    const auto semsB = gputest::moreSemaphores(comm, mesh);  // second semaphore per peer

    // ids agree between the two ends of every pair
    std::vector<uint32_t> ids(2 * n, 0), all(2 * n * n, 0);
    for (int p = 0; p < n; ++p)
      if (p != rank) ids[2 * p] = mesh.sems[p]->id(), ids[2 * p + 1] = semsB[p]->id();
    MPI_Allgather(ids.data(), 2 * n, MPI_UINT32_T, all.data(), 2 * n, MPI_UINT32_T, MPI_COMM_WORLD);
    std::string why;
    for (int p = 0; p < n && why.empty(); ++p) {
      if (p == rank) continue;
      const uint32_t theirA = all[p * 2 * n + 2 * rank], theirB = all[p * 2 * n + 2 * rank + 1];
      if (theirA != ids[2 * p] || theirB != ids[2 * p + 1] || ids[2 * p + 1] != ids[2 * p] + 1)
        why = "ids with rank " + std::to_string(p) + ": mine " + std::to_string(ids[2 * p]) + "," +
              std::to_string(ids[2 * p + 1]) + " theirs " + std::to_string(theirA) + "," + std::to_string(theirB);
    }
    gputest::report(ctx, "semaphore.ids_match_between_ranks", why.empty(), why);

    std::vector<Sem> a(n), b(n);
    for (int p = 0; p < n; ++p)
      if (p != rank) a[p] = mesh.sems[p]->deviceHandle(), b[p] = semsB[p]->deviceHandle();
    auto aDev = gputest::toDevice(a), bDev = gputest::toDevice(b);
    gputest::DeviceBuffer failures(sizeof(int));
    failures.fill(0);

    // counting across launches
    why.clear();
    for (int l = 1; l <= kLaunches; ++l) {
      MPI_Barrier(MPI_COMM_WORLD);
      countKernel<<<n - 1, 32>>>(aDev->as<Sem>(), bDev->as<Sem>(), rank, failures.as<int>());
      launched(comm);
      for (int p = 0; p < n && why.empty(); ++p) {
        if (p == rank) continue;
        const std::pair<const Sem*, uint64_t> checks[] = {{&a[p], uint64_t(kSignalsA) * l},
                                                          {&b[p], uint64_t(kSignalsB) * l}};
        for (const auto& [h, want] : checks) {
          const uint64_t in = readCounter(h->inbound), out = readCounter(h->outbound),
                         exp = readCounter(h->expected);
          if (in != want || out != want || exp != want)
            why = "launch " + std::to_string(l) + " peer " + std::to_string(p) + ": inbound " +
                  std::to_string(in) + " outbound " + std::to_string(out) + " expected " +
                  std::to_string(exp) + ", want " + std::to_string(want);
        }
      }
    }
    if (why.empty() && readInt(failures) != 0) why = "a wait failed";
    gputest::report(ctx, "semaphore.counts_persist_across_launches", why.empty(), why);

    // poll
    MPI_Barrier(MPI_COMM_WORLD);
    pollNothingPending<<<n - 1, 32>>>(aDev->as<Sem>(), bDev->as<Sem>(), rank, failures.as<int>());
    launched(comm);
    why = readInt(failures) != 0 ? "poll() returned true with nothing pending" : "";
    MPI_Barrier(MPI_COMM_WORLD);
    signalThenPoll<<<n - 1, 32>>>(aDev->as<Sem>(), rank, failures.as<int>());
    launched(comm);
    if (why.empty() && readInt(failures) != 0) why = "poll() never saw the peer's signal";
    gputest::report(ctx, "semaphore.poll", why.empty(), why);

    // ordering: data published by signal is seen after wait
    gputest::DeviceBuffer send(n * kWords * sizeof(uint32_t)), recv(n * kWords * sizeof(uint32_t));
    recv.fill(0);
    const auto recvMems = comm.exchangeMemory(comm.registerMemory(recv.get(), recv.size()), 7301);
    std::vector<MemoryChannelDeviceHandle> chans(n);
    for (int p = 0; p < n; ++p)
      if (p != rank) chans[p] = lccl::MemoryChannel(mesh.sems[p], recvMems[p], send.get()).deviceHandle();
    auto chansDev = gputest::toDevice(chans);
    failures.fill(0);
    for (int l = 0; l < kPingPongLaunches; ++l) {
      MPI_Barrier(MPI_COMM_WORLD);
      pingPong<<<n - 1, 256>>>(chansDev->as<MemoryChannelDeviceHandle>(), rank, l, recv.as<uint32_t>(),
                               send.as<uint32_t>(), failures.as<int>());
      launched(comm);
    }
    const int bad = readInt(failures);
    why = bad != 0 ? std::to_string(bad) + " stale words or failed waits" : "";
    gputest::report(ctx, "semaphore.ping_pong_ordering", why.empty(), why);
    return gputest::finish(ctx);
  });
}
