// Bounded device waits: a wait whose peer never signals, and a packet read
// whose peer never writes, return false after LCCL_DEVICE_WAIT_TIMEOUT_MS
// (200 ms here) with the communicator's error slot naming this rank and the
// peer; the host sees TimeoutError from checkDeviceErrors(). A host abort
// ends a wait promptly. Every rank r waits on rank (r+1) % N, which never
// signals.
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "gpu_test_common.hpp"
#include "lccl/errors.hpp"
#include "lccl/primitives/memory_channel.hpp"
#include "lccl/primitives/packet.hpp"

namespace {

using lccl::DeviceErrorKind;
using lccl::DeviceErrorSlot;

constexpr double kTimeoutSec = 0.2;

__global__ void waitOnce(lccl::MemoryDevice2DeviceSemaphoreDeviceHandle sem, int* result) {
  result[0] = sem.wait() ? 1 : 0;
  result[1] = 1;  // returned
}

__global__ void readPacketOnce(lccl::MemoryChannelDeviceHandle ch, int* result) {
  result[0] = ch.readPackets<lccl::LL16Packet>(0, 0, 8, 0, 1, /*flag=*/1) ? 1 : 0;
  result[1] = 1;
}

struct Outcome {
  bool returned = false;
  int waitResult = -1;
  double seconds = 0;
};

// Launches via `launch`, waits for the kernel (20 s at most; then raises the
// abort flag so it cannot hang the job), returns what the kernel reported.
template <class Launch>
Outcome runBounded(lccl::Communicator& comm, gputest::DeviceBuffer& result, Launch launch,
                   double abortAfterSec = -1) {
  result.fill(0xff);
  MPI_Barrier(MPI_COMM_WORLD);
  const auto t0 = std::chrono::steady_clock::now();
  launch();
  GT_CUDA(cudaGetLastError());
  if (abortAfterSec >= 0) {
    std::this_thread::sleep_for(std::chrono::duration<double>(abortAfterSec));
    comm.abortDeviceWaits();
  }
  Outcome o;
  o.returned = gputest::syncWithin(20.0);
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!o.returned) {
    comm.abortDeviceWaits();
    if (!gputest::syncWithin(10.0)) throw std::runtime_error("kernel still running after abort");
  }
  int r[2];
  GT_CUDA(cudaMemcpy(r, result.get(), sizeof(r), cudaMemcpyDeviceToHost));
  o.waitResult = r[1] == 1 ? r[0] : -1;
  return o;
}

// The error slot and checkDeviceErrors() must describe a timeout of this rank
// waiting for `peer`. Returns "" when they do.
std::string checkTimeoutRecord(lccl::Communicator& comm, DeviceErrorKind kind, int peer,
                               uint32_t objectId, uint64_t expected, uint64_t observed) {
  const DeviceErrorSlot& s = *comm.deviceErrorHost();
  auto field = [](const char* name, uint64_t got, uint64_t want) {
    return std::string(name) + " is " + std::to_string(got) + ", expected " + std::to_string(want);
  };
  if (s.abort == 0) return "abort flag not raised";
  if (s.claimed == 0) return "slot not claimed";
  if (s.kind != static_cast<uint32_t>(kind)) return field("kind", s.kind, static_cast<uint32_t>(kind));
  if (s.rank != comm.rank()) return field("rank", s.rank, comm.rank());
  if (s.peer != peer) return field("peer", s.peer, peer);
  if (s.objectId != objectId) return field("objectId", s.objectId, objectId);
  if (s.expected != expected) return field("expected", s.expected, expected);
  if (s.observed != observed) return field("observed", s.observed, observed);
  if (s.waitedNs < static_cast<uint64_t>(kTimeoutSec * 1e9)) return field("waitedNs", s.waitedNs, 200000000);
  try {
    comm.checkDeviceErrors();
    return "checkDeviceErrors() did not throw";
  } catch (const lccl::TimeoutError& e) {
    const std::string msg = e.what();
    if (e.site().peer != peer && msg.find("peer " + std::to_string(peer)) == std::string::npos)
      return "TimeoutError does not name peer " + std::to_string(peer) + ": " + msg;
  } catch (const std::exception& e) {
    return std::string("checkDeviceErrors() threw something else than TimeoutError: ") + e.what();
  }
  return "";
}

std::string checkOutcome(const Outcome& o, double minSec, double maxSec) {
  if (!o.returned) return "kernel did not return within 20 s";
  if (o.waitResult != 0) return "wait returned " + std::to_string(o.waitResult) + ", expected false (0)";
  if (o.seconds < minSec || o.seconds > maxSec)
    return "kernel took " + std::to_string(o.seconds) + " s, expected within [" + std::to_string(minSec) +
           ", " + std::to_string(maxSec) + "]";
  return "";
}

std::string clearAndCheck(lccl::Communicator& comm) {
  comm.clearDeviceErrors();
  const DeviceErrorSlot& s = *comm.deviceErrorHost();
  if (s.abort != 0 || s.claimed != 0) return "clearDeviceErrors() left abort/claimed set";
  try {
    comm.checkDeviceErrors();
  } catch (const std::exception& e) {
    return std::string("checkDeviceErrors() threw after clear: ") + e.what();
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  return gputest::runMain("timeout", [&] {
    setenv("LCCL_DEVICE_WAIT_TIMEOUT_MS", "200", /*overwrite=*/1);  // before anything reads the env
    gputest::Context ctx = gputest::init(&argc, &argv);
    lccl::Communicator& comm = *ctx.comm;
    const int next = (ctx.rank + 1) % ctx.size;

    gputest::DeviceBuffer packets(4096), out(4096), result(2 * sizeof(int));
    packets.fill(0);
    const auto packetMems = comm.exchangeMemory(comm.registerMemory(packets.get(), packets.size()), 7201);
    gputest::Mesh mesh = gputest::connectAll(comm);
    const auto sem = mesh.sems[next]->deviceHandle();
    const uint32_t semId = mesh.sems[next]->id();

    // 1. semaphore wait that is never signalled
    Outcome o = runBounded(comm, result, [&] { waitOnce<<<1, 1>>>(sem, result.as<int>()); });
    std::string why = checkOutcome(o, kTimeoutSec, 15.0);
    if (why.empty()) why = checkTimeoutRecord(comm, DeviceErrorKind::WaitTimeout, next, semId, 1, 0);
    gputest::report(ctx, "timeout.wait_names_peer", why.empty(), why);
    why = clearAndCheck(comm);
    gputest::report(ctx, "timeout.clear", why.empty(), why);

    // 2. packet read that is never written
    lccl::MemoryChannel ch(mesh.sems[next], packetMems[next], out.get(), packets.get());
    const auto chHandle = ch.deviceHandle();
    MPI_Barrier(MPI_COMM_WORLD);
    o = runBounded(comm, result, [&] { readPacketOnce<<<1, 1>>>(chHandle, result.as<int>()); });
    why = checkOutcome(o, kTimeoutSec, 15.0);
    if (why.empty()) why = checkTimeoutRecord(comm, DeviceErrorKind::PacketTimeout, next, semId, 1, 0);
    gputest::report(ctx, "timeout.packet_read_names_peer", why.empty(), why);
    why = clearAndCheck(comm);
    MPI_Barrier(MPI_COMM_WORLD);

    // 3. host abort ends a wait long before its timeout, recording nothing
    if (why.empty()) {
      o = runBounded(comm, result, [&] { waitOnce<<<1, 1>>>(sem, result.as<int>()); }, /*abortAfterSec=*/0.02);
      why = checkOutcome(o, 0.0, 0.15);
      if (why.empty() && comm.deviceErrorHost()->claimed != 0) why = "abort recorded a timeout";
    }
    gputest::report(ctx, "timeout.host_abort", why.empty(), why);
    comm.clearDeviceErrors();
    return gputest::finish(ctx);
  });
}
