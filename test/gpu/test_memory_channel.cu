// MemoryChannel put/get + signal/wait between every pair of ranks, random
// data, odd sizes and offsets, poisoned outputs.
//
// Every rank has `send` (its pattern) and `recv` (one slot per peer). In a
// put case every rank puts into slot [rank] of every peer's recv, signals and
// waits for the peer's put; in a get case every rank gets every peer's send
// into its own recv slot [peer]. One block per peer, all pairs at once.
#include <string>
#include <vector>

#include "gpu_test_common.hpp"
#include "lccl/primitives/memory_channel.hpp"

namespace {

using lccl::MemoryChannel;
using lccl::MemoryChannelDeviceHandle;

constexpr size_t kMaxBytes = (1u << 20) + 5;
constexpr size_t kSlot = (kMaxBytes + 64 + 255) / 256 * 256;

struct Case {
  size_t bytes, dstOff, srcOff;
  uint32_t threads;
};

__global__ void putKernel(const MemoryChannelDeviceHandle* chans, int rank, Case c, bool withSignal,
                          int* failures) {
  const int peer = gputest::peerOfBlock(rank);
  const MemoryChannelDeviceHandle ch = chans[peer];
  const size_t dstOffset = rank * kSlot + c.dstOff;  // my slot in the peer's recv
  if (withSignal) {
    ch.putWithSignal(dstOffset, c.srcOff, c.bytes, threadIdx.x, blockDim.x);
  } else {
    ch.put(dstOffset, c.srcOff, c.bytes, threadIdx.x, blockDim.x);
    __syncthreads();
    if (threadIdx.x == 0) ch.signal();
  }
  if (threadIdx.x == 0 && !ch.wait()) atomicAdd(failures, 1);
}

// get(peer offset, local offset): the peer's send at srcOff -> my recv slot [peer].
__global__ void getKernel(const MemoryChannelDeviceHandle* chans, int rank, Case c, int* failures) {
  const int peer = gputest::peerOfBlock(rank);
  const MemoryChannelDeviceHandle ch = chans[peer];
  ch.get(c.srcOff, peer * kSlot + c.dstOff, c.bytes, threadIdx.x, blockDim.x);
  __syncthreads();
  if (threadIdx.x == 0) {
    ch.signal();  // "done reading your buffer"
    if (!ch.wait()) atomicAdd(failures, 1);
  }
}

// recv slot [peer] must hold the peer's pattern at [dstOff, dstOff+bytes) and
// poison everywhere else; my own slot stays poisoned.
std::string checkRecv(const std::vector<uint8_t>& recv, int rank, int size, const Case& c) {
  for (int p = 0; p < size; ++p) {
    std::vector<uint8_t> want(kSlot, gputest::kPoison);
    if (p != rank)
      for (size_t i = 0; i < c.bytes; ++i) want[c.dstOff + i] = gputest::patternByte(p + 1, c.srcOff + i);
    const std::string where = "slot of rank " + std::to_string(p) + " (bytes=" +
                              std::to_string(c.bytes) + " dstOff=" + std::to_string(c.dstOff) +
                              " srcOff=" + std::to_string(c.srcOff) +
                              " threads=" + std::to_string(c.threads) + ")";
    std::string bad = gputest::firstMismatch(recv.data() + p * kSlot, want.data(), kSlot, where);
    if (!bad.empty()) return bad;
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  return gputest::runMain("memory_channel", [&] {
    gputest::Context ctx = gputest::init(&argc, &argv);
    lccl::Communicator& comm = *ctx.comm;
    const int rank = ctx.rank, size = ctx.size;

    gputest::DeviceBuffer send(kSlot), recv(size * kSlot), failures(sizeof(int));
    send.upload(gputest::pattern(rank + 1, kSlot).data(), kSlot);
    const auto sendMems = comm.exchangeMemory(comm.registerMemory(send.get(), send.size()), 7001);
    const auto recvMems = comm.exchangeMemory(comm.registerMemory(recv.get(), recv.size()), 7002);
    gputest::Mesh mesh = gputest::connectAll(comm);

    std::vector<MemoryChannelDeviceHandle> putHandles(size), getHandles(size);
    for (int p = 0; p < size; ++p) {
      if (p == rank) continue;
      putHandles[p] = MemoryChannel(mesh.sems[p], recvMems[p], send.get()).deviceHandle();
      getHandles[p] = MemoryChannel(mesh.sems[p], sendMems[p], recv.get()).deviceHandle();
    }
    auto putDev = gputest::toDevice(putHandles), getDev = gputest::toDevice(getHandles);

    const size_t sizes[] = {1, 3, 4093, kMaxBytes};
    const size_t offsets[][2] = {{0, 0}, {3, 3}, {1, 0}, {5, 13}, {8, 0}, {4, 12}, {0, 7}};
    const uint32_t threads[] = {97, 512};
    for (const bool isGet : {false, true}) {
      for (size_t bytes : sizes) {
        std::string why;
        int variant = 0;
        for (const auto& off : offsets)
          for (uint32_t t : threads) {
            const Case c{bytes, off[0], off[1], t};
            recv.fill(gputest::kPoison);
            failures.fill(0);
            MPI_Barrier(MPI_COMM_WORLD);  // every recv poisoned before anyone writes
            if (isGet)
              getKernel<<<size - 1, t>>>(getDev->as<MemoryChannelDeviceHandle>(), rank, c,
                                         failures.as<int>());
            else
              putKernel<<<size - 1, t>>>(putDev->as<MemoryChannelDeviceHandle>(), rank, c,
                                         (variant++ % 2) == 1, failures.as<int>());
            GT_CUDA(cudaGetLastError());
            GT_CUDA(cudaDeviceSynchronize());
            comm.checkDeviceErrors();
            int waitFailures = 0;
            GT_CUDA(cudaMemcpy(&waitFailures, failures.get(), sizeof(int), cudaMemcpyDeviceToHost));
            if (why.empty() && waitFailures != 0) why = std::to_string(waitFailures) + " waits failed";
            if (why.empty()) why = checkRecv(recv.download(), rank, size, c);
            MPI_Barrier(MPI_COMM_WORLD);  // all checked before the next poison
          }
        gputest::report(ctx, std::string("memory_channel.") + (isGet ? "get" : "put") +
                                 " bytes=" + std::to_string(bytes),
                        why.empty(), why);
      }
    }
    return gputest::finish(ctx);
  });
}
