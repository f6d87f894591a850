// Port channels between GPUs over TCP (LCCL_TRANSPORT=tcp, set here), one
// connection per pair of ranks, one block per peer:
//  - put + signal / wait with random sizes and offsets, checked in the
//    waiting kernel (device reads after wait()) and on the host (bit-exact,
//    uncovered bytes still poisoned);
//  - putWithSignal larger than the TCP staging buffer (chunked staging);
//  - flush between puts and the signal;
//  - thousands of requests from one thread (FIFO wrap-around, back-pressure)
//    and signals pushed by every thread of a block at once;
// then the hierarchical collectives with the ranks split into two pretend
// nodes (test_port_collectives.cuh).
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "gpu_test_common.hpp"
#include "lccl/primitives/port_channel.hpp"
#include "test_port_collectives.cuh"

using lccl::PortChannelDeviceHandle;
using namespace gputest;

namespace {

constexpr size_t kRegionBytes = (7u << 20) + 4096;  // per peer and direction
constexpr int kThreads = 256;

enum OpKind : uint32_t { kPut = 0, kPutWithSignal = 1, kSignal = 2, kFlush = 3 };
struct Op {
  uint32_t kind;
  uint32_t dstOff;
  uint32_t srcOff;
  uint32_t bytes;
};

// Byte i of what `sender` sends `receiver` in round `round` (never the poison).
__host__ __device__ inline uint8_t pat(uint32_t sender, uint32_t receiver, uint32_t round,
                                       uint32_t i) {
  uint32_t z = sender * 0x9E3779B1u ^ (receiver + 1) * 0x85EBCA77u ^ (round + 7) * 0xC2B2AE3Du;
  z ^= i * 0x27D4EB2Fu;
  z ^= z >> 15;
  z *= 0x2C1B3C6Du;
  z ^= z >> 12;
  return static_cast<uint8_t>(1 + z % 254);
}

struct Round {
  std::string name;
  std::vector<Op> ops;
  int concurrentSignals = 0;  // per thread of the block, pushed at once after ops
};

int signalsIn(const Round& r) {
  int n = 0;
  for (const Op& o : r.ops) n += o.kind == kSignal || o.kind == kPutWithSignal;
  return n + r.concurrentSignals * kThreads;
}

// ---- device ---------------------------------------------------------------

__device__ bool issue(const PortChannelDeviceHandle& ch, const Op& o) {
  switch (o.kind) {
    case kPut: return ch.put(o.dstOff, o.srcOff, o.bytes);
    case kPutWithSignal: return ch.putWithSignal(o.dstOff, o.srcOff, o.bytes);
    case kSignal: return ch.signal();
    default: return ch.flush();
  }
}

// Thread 0 issues the ops in order; then every thread pushes its share of
// concurrent signals.
__device__ bool issueAll(const PortChannelDeviceHandle& ch, const Op* ops, int nops,
                         int concurrentSignals) {
  bool ok = true;
  if (threadIdx.x == 0)
    for (int i = 0; i < nops && ok; ++i) ok = issue(ch, ops[i]);
  for (int i = 0; i < concurrentSignals && ok; ++i) ok = ch.signal();
  return ok;
}

__device__ bool waitAll(const PortChannelDeviceHandle& ch, int waits) {
  bool ok = true;
  if (threadIdx.x == 0)
    for (int i = 0; i < waits && ok; ++i) ok = ch.wait();
  return __syncthreads_and(ok) != 0;
}

// Every put's destination range holds the peer's pattern (read after wait()).
__device__ int checkArrived(const uint8_t* in, const Op* ops, int nops, int peer, int rank,
                            int round) {
  int bad = 0;
  for (int k = 0; k < nops; ++k) {
    const Op o = ops[k];
    if (o.kind != kPut && o.kind != kPutWithSignal) continue;
    for (uint32_t i = threadIdx.x; i < o.bytes; i += blockDim.x)
      bad += in[o.dstOff + i] != pat(peer, rank, round, o.srcOff + i);
  }
  return bad;
}

__global__ void roundKernel(const PortChannelDeviceHandle* chans, const Op* ops, int nops,
                            int concurrentSignals, int waits, const uint8_t* recv, int rank,
                            int round, int* failures) {
  const int peer = peerOfBlock(rank);
  const PortChannelDeviceHandle ch = chans[peer];
  const bool pushed = __syncthreads_and(issueAll(ch, ops, nops, concurrentSignals)) != 0;
  if (!pushed || !waitAll(ch, waits)) {
    if (threadIdx.x == 0) atomicAdd(failures, 1000000);
    return;
  }
  const int bad = checkArrived(recv + peer * kRegionBytes, ops, nops, peer, rank, round);
  if (bad) atomicAdd(failures, bad);
}

// ---- rounds ---------------------------------------------------------------

// Puts at increasing, non-overlapping destinations (sources anywhere).
void addPuts(Round& r, std::mt19937& rng, int n, uint32_t maxBytes, uint32_t& cursor,
             OpKind kind = kPut) {
  for (int i = 0; i < n; ++i) {
    const uint32_t bytes = std::uniform_int_distribution<uint32_t>(0, maxBytes)(rng);
    if (cursor + bytes > kRegionBytes) break;
    const uint32_t src = std::uniform_int_distribution<uint32_t>(0, kRegionBytes - bytes)(rng);
    r.ops.push_back({kind, cursor, src, bytes});
    cursor += bytes + std::uniform_int_distribution<uint32_t>(0, 64)(rng);
  }
}

std::vector<Round> makeRounds() {
  std::mt19937 rng(12345);  // same rounds on every rank
  std::vector<Round> rounds;
  uint32_t c = 0;
  Round a{"port put+signal random sizes"};
  addPuts(a, rng, 12, 96u << 10, c);
  a.ops.push_back({kPut, c, 0, 0});  // empty put
  a.ops.push_back({kSignal, 0, 0, 0});
  rounds.push_back(a);
  Round b{"port putWithSignal larger than the staging buffer"};
  c = 0;
  b.ops.push_back({kPutWithSignal, 0, 5, (3u << 20) + 17});
  c = (3u << 20) + 17 + 3;
  b.ops.push_back({kPutWithSignal, c, 1, (2u << 20) + 1});
  rounds.push_back(b);
  Round f{"port put+flush+signal"};
  c = 0;
  addPuts(f, rng, 6, 1u << 20, c);
  f.ops.push_back({kFlush, 0, 0, 0});
  addPuts(f, rng, 3, 4096, c);
  f.ops.push_back({kFlush, 0, 0, 0});
  f.ops.push_back({kSignal, 0, 0, 0});
  rounds.push_back(f);
  Round w{"port 3000 requests (FIFO wrap-around)"};
  c = 0;
  for (int i = 0; i < 1500; ++i) {
    addPuts(w, rng, 1, 64, c, i % 3 == 0 ? kPutWithSignal : kPut);
    w.ops.push_back({kSignal, 0, 0, 0});
  }
  rounds.push_back(w);
  Round m{"port signals from 256 threads at once"};
  m.concurrentSignals = 8;
  rounds.push_back(m);
  for (int k = 0; k < 3; ++k) {
    Round r{"port random mix " + std::to_string(k)};
    c = 0;
    for (int i = 0; i < 20; ++i) {
      const int pick = std::uniform_int_distribution<int>(0, 9)(rng);
      if (pick < 5) addPuts(r, rng, 1, pick == 0 ? (2u << 20) : 8192, c);
      else if (pick < 7) addPuts(r, rng, 1, 65536, c, kPutWithSignal);
      else if (pick < 9) r.ops.push_back({kSignal, 0, 0, 0});
      else r.ops.push_back({kFlush, 0, 0, 0});
    }
    r.ops.push_back({kSignal, 0, 0, 0});
    rounds.push_back(r);
  }
  return rounds;
}

// ---- host -----------------------------------------------------------------

struct PortSetup {
  std::shared_ptr<lccl::PortService> service;
  std::unique_ptr<DeviceBuffer> send, recv;  // per peer: kRegionBytes each
  std::vector<PortChannelDeviceHandle> chans;  // index = peer
  std::unique_ptr<DeviceBuffer> chansDev;
};

// Connection to every peer in ascending order; region 0 = my send area for
// that peer, region 1 = my receive area from it; the channel puts region 0
// into the peer's region 1 and signals/waits semaphore 1.
void setupPorts(Context& ctx, PortSetup& s) {
  s.service = std::make_shared<lccl::PortService>(*ctx.comm);
  s.send = std::make_unique<DeviceBuffer>(kRegionBytes * ctx.size);
  s.recv = std::make_unique<DeviceBuffer>(kRegionBytes * ctx.size);
  s.chans.resize(ctx.size);
  for (int p = 0; p < ctx.size; ++p) {
    if (p == ctx.rank) continue;
    const uint32_t c = s.service->connect(p, "tcp");
    s.service->registerMemory(c, 0, s.send->as<char>() + p * kRegionBytes, kRegionBytes);
    s.service->registerMemory(c, 1, s.recv->as<char>() + p * kRegionBytes, kRegionBytes);
    s.chans[p] = lccl::PortChannel(s.service, c, 1, 0, 1).deviceHandle();
  }
  s.chansDev = toDevice(s.chans);
  s.service->start();
}

void fillSend(Context& ctx, PortSetup& s, int round) {
  std::vector<uint8_t> host(kRegionBytes);
  for (int p = 0; p < ctx.size; ++p) {
    if (p == ctx.rank) continue;
    for (uint32_t i = 0; i < kRegionBytes; ++i) host[i] = pat(ctx.rank, p, round, i);
    s.send->upload(host.data(), kRegionBytes, p * kRegionBytes);
  }
  s.recv->fill(kPoison);
}

// Host check: put ranges hold the peer's pattern, every other byte the poison.
std::string checkOnHost(Context& ctx, PortSetup& s, const Round& r, int round) {
  const std::vector<uint8_t> got = s.recv->download();
  for (int p = 0; p < ctx.size; ++p) {
    if (p == ctx.rank) continue;
    std::vector<uint8_t> want(kRegionBytes, kPoison);
    for (const Op& o : r.ops)
      if (o.kind == kPut || o.kind == kPutWithSignal)
        for (uint32_t i = 0; i < o.bytes; ++i) want[o.dstOff + i] = pat(p, ctx.rank, round, o.srcOff + i);
    const std::string bad = firstMismatch(got.data() + p * kRegionBytes, want.data(), kRegionBytes,
                                          "from rank " + std::to_string(p));
    if (!bad.empty()) return bad;
  }
  return "";
}

std::string runRound(Context& ctx, PortSetup& s, const Round& r, int round) {
  fillSend(ctx, s, round);
  auto ops = toDevice(r.ops);
  DeviceBuffer failures(sizeof(int));
  failures.fill(0);
  MPI_Barrier(MPI_COMM_WORLD);
  roundKernel<<<ctx.size - 1, kThreads>>>(s.chansDev->as<PortChannelDeviceHandle>(),
                                          ops->as<Op>(), static_cast<int>(r.ops.size()),
                                          r.concurrentSignals, signalsIn(r), s.recv->as<uint8_t>(),
                                          ctx.rank, round, failures.as<int>());
  GT_CUDA(cudaGetLastError());
  if (!syncWithin(120)) return "kernel still running after 120 s";
  s.service->rethrowIfError();
  ctx.comm->checkDeviceErrors();
  int bad = 0;
  GT_CUDA(cudaMemcpy(&bad, failures.get(), sizeof bad, cudaMemcpyDeviceToHost));
  if (bad >= 1000000) return "a push or wait failed on the device";
  if (bad) return std::to_string(bad) + " bytes wrong when read on the device after wait()";
  return checkOnHost(ctx, s, r, round);
}

void testPortChannels(Context& ctx) {
  PortSetup s;
  setupPorts(ctx, s);
  const std::vector<Round> rounds = makeRounds();
  for (size_t i = 0; i < rounds.size(); ++i) {
    std::string why;
    try {
      why = runRound(ctx, s, rounds[i], static_cast<int>(i));
    } catch (const std::exception& e) {
      why = std::string("exception: ") + e.what();
    }
    if (!report(ctx, rounds[i].name, why.empty(), why)) break;  // channel state is unknown now
  }
  GT_CUDA(cudaDeviceSynchronize());
  MPI_Barrier(MPI_COMM_WORLD);
  s.service->stop();
  MPI_Barrier(MPI_COMM_WORLD);
}

}  // namespace

int main(int argc, char** argv) {
  return runMain("port_channel", [&] {
    setenv("LCCL_TRANSPORT", "tcp", 1);
    // Two pretend nodes; with an odd rank count (nodes must be equal), one per rank.
    const char* world = std::getenv("OMPI_COMM_WORLD_SIZE");
    const bool odd = world != nullptr && std::atoi(world) % 2 != 0;
    setenv("LCCL_PRETEND_NODES", odd ? world : "2", 0);
    Context ctx = init(&argc, &argv);
    testPortChannels(ctx);
    testHierarchicalCollectives(ctx);
    return finish(ctx);
  });
}
