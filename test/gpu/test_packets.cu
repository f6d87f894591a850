// LL16 and LL8 packet round trips between every pair of ranks.
//
// Phase 0: every rank packs its pattern into packets in every peer's packet
// buffer; each peer unpacks them into echoIn[sender]. Phase 1: each rank
// echoes what it received back to the sender, who unpacks it into
// result[peer] — which must equal its own pattern. Odd sizes, odd source and
// destination offsets, poisoned outputs, a fresh flag pair per launch.
#include <string>
#include <vector>

#include "gpu_test_common.hpp"
#include "lccl/primitives/memory_channel.hpp"
#include "lccl/primitives/packet.hpp"

namespace {

using lccl::LL16Packet;
using lccl::LL8Packet;
using lccl::MemoryChannel;
using lccl::MemoryChannelDeviceHandle;

constexpr size_t kMaxBytes = 65541;
constexpr size_t kSlot = (kMaxBytes + 64 + 255) / 256 * 256;
// Packet region per (phase, writer); LL16 needs the most room.
constexpr size_t kRegion = (lccl::packetBufferBytes<LL16Packet>(kMaxBytes) + 255) / 256 * 256;

// Local data buffer: [mine][echoIn[0..n)][result[0..n)], kSlot each.
__host__ __device__ constexpr size_t echoInOffset(int p) { return (1 + p) * kSlot; }
__host__ __device__ constexpr size_t resultOffset(int p, int n) { return (1 + n + p) * kSlot; }
__host__ __device__ constexpr size_t regionOffset(int phase, int writer, int n) {
  return (static_cast<size_t>(phase) * n + writer) * kRegion;
}

struct Case {
  size_t bytes, srcOff, dstOff;
  uint32_t flag0, flag1;
};

template <class Packet>
__global__ void echoKernel(const MemoryChannelDeviceHandle* chans, int rank, int n, Case c,
                           int* failures) {
  const int peer = gputest::peerOfBlock(rank);
  const MemoryChannelDeviceHandle ch = chans[peer];
  const uint32_t t = threadIdx.x, nt = blockDim.x;
  ch.putPackets<Packet>(regionOffset(0, rank, n), c.srcOff, c.bytes, t, nt, c.flag0);
  bool ok = ch.readPackets<Packet>(regionOffset(0, peer, n), echoInOffset(peer) + c.dstOff, c.bytes,
                                   t, nt, c.flag0);
  __syncthreads();
  ch.putPackets<Packet>(regionOffset(1, rank, n), echoInOffset(peer) + c.dstOff, c.bytes, t, nt,
                        c.flag1);
  ok = ch.readPackets<Packet>(regionOffset(1, peer, n), resultOffset(peer, n) + c.dstOff, c.bytes, t,
                              nt, c.flag1) && ok;
  if (!ok) atomicAdd(failures, 1);
}

// slot must hold pattern(seed) from srcOff at [dstOff, dstOff+bytes), poison elsewhere.
std::string checkSlot(const uint8_t* slot, uint64_t seed, const Case& c, const std::string& what) {
  std::vector<uint8_t> want(kSlot, gputest::kPoison);
  for (size_t i = 0; i < c.bytes; ++i) want[c.dstOff + i] = gputest::patternByte(seed, c.srcOff + i);
  return gputest::firstMismatch(slot, want.data(), kSlot,
                                what + " (bytes=" + std::to_string(c.bytes) + " srcOff=" +
                                    std::to_string(c.srcOff) + " dstOff=" + std::to_string(c.dstOff) + ")");
}

template <class Packet>
void runPacketTests(gputest::Context& ctx, const char* name, gputest::DeviceBuffer& data,
                    const gputest::DeviceBuffer& chansDev, gputest::DeviceBuffer& failures,
                    uint32_t& nextFlag) {
  const int rank = ctx.rank, n = ctx.size;
  const size_t sizes[] = {1, 3, 4, 8, 4093, kMaxBytes};
  const size_t offsets[][2] = {{0, 0}, {3, 5}, {4, 0}, {1, 8}};
  const uint32_t threads[] = {256, 97};
  for (size_t bytes : sizes) {
    std::string why;
    for (const auto& off : offsets)
      for (uint32_t t : threads) {
        const Case c{bytes, off[0], off[1], nextFlag, nextFlag + 1};
        nextFlag += 2;
        GT_CUDA(cudaMemset(data.as<char>() + kSlot, gputest::kPoison, 2 * n * kSlot));
        failures.fill(0);
        MPI_Barrier(MPI_COMM_WORLD);  // previous launch fully consumed everywhere
        echoKernel<Packet><<<n - 1, t>>>(chansDev.as<MemoryChannelDeviceHandle>(), rank, n, c,
                                         failures.as<int>());
        GT_CUDA(cudaGetLastError());
        GT_CUDA(cudaDeviceSynchronize());
        ctx.comm->checkDeviceErrors();
        int readFailures = 0;
        GT_CUDA(cudaMemcpy(&readFailures, failures.get(), sizeof(int), cudaMemcpyDeviceToHost));
        if (why.empty() && readFailures != 0) why = std::to_string(readFailures) + " packet reads failed";
        const std::vector<uint8_t> host = data.download();
        for (int p = 0; p < n && why.empty(); ++p) {
          if (p == rank) continue;
          why = checkSlot(host.data() + echoInOffset(p), p + 1, c, "echoIn from rank " + std::to_string(p));
          if (why.empty())
            why = checkSlot(host.data() + resultOffset(p, n), rank + 1, c,
                            "echo back from rank " + std::to_string(p));
        }
      }
    gputest::report(ctx, std::string("packets.") + name + " bytes=" + std::to_string(bytes), why.empty(), why);
  }
}

}  // namespace

int main(int argc, char** argv) {
  return gputest::runMain("packets", [&] {
    gputest::Context ctx = gputest::init(&argc, &argv);
    lccl::Communicator& comm = *ctx.comm;
    const int rank = ctx.rank, n = ctx.size;

    gputest::DeviceBuffer data((1 + 2 * n) * kSlot), packets(2 * n * kRegion), failures(sizeof(int));
    data.upload(gputest::pattern(rank + 1, kSlot).data(), kSlot);
    packets.fill(0);  // flags start at 1: a zeroed buffer holds no valid packet
    const auto packetMems = comm.exchangeMemory(comm.registerMemory(packets.get(), packets.size()), 7101);
    gputest::Mesh mesh = gputest::connectAll(comm);

    std::vector<MemoryChannelDeviceHandle> handles(n);
    for (int p = 0; p < n; ++p)
      if (p != rank)
        handles[p] = MemoryChannel(mesh.sems[p], packetMems[p], data.get(), packets.get()).deviceHandle();
    auto chansDev = gputest::toDevice(handles);

    uint32_t nextFlag = 1;
    runPacketTests<LL16Packet>(ctx, "ll16", data, *chansDev, failures, nextFlag);
    runPacketTests<LL8Packet>(ctx, "ll8", data, *chansDev, failures, nextFlag);
    return gputest::finish(ctx);
  });
}
