// lccl/communicator.hpp — one rank's view of the job: peers, topology, memory.
//
// A Communicator is built on a Bootstrap (collective: every rank constructs it
// at the same point). It selects this rank's GPU (the local rank, unless a
// device is given), learns every peer's host and GPU, and offers:
//  - topology: which peers share this host, and the link to each (NVLink,
//    PCIe, network), from CUDA peer-access queries and NVML when present;
//  - memory: register local buffers, send their handles to peers, import the
//    peers' buffers;
//  - connections: connect(peer) picks the best transport for that peer by
//    capability (LCCL_TRANSPORT forces one).
//  - device error reporting: a host-mapped DeviceErrorSlot shared by the
//    device waits of every channel built on this communicator.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "lccl/bootstrap.hpp"
#include "lccl/connection.hpp"
#include "lccl/device_error.hpp"
#include "lccl/memory.hpp"

namespace lccl {

struct PeerInfo {
  int rank = -1;
  std::string hostId;   // ranks with equal hostId share a host
  int localRank = -1;   // index among the ranks of its host
  int cudaDevice = -1;  // device ordinal in that rank's process (-1: no GPU)
  std::string busId;    // PCI bus id of that device
};

class Communicator {
 public:
  // device < 0: use the local rank's GPU (modulo the GPU count).
  explicit Communicator(std::shared_ptr<Bootstrap> bootstrap, int device = -1);
  ~Communicator();
  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;

  int rank() const;
  int size() const;
  int localRank() const;
  int localSize() const;
  int device() const;
  const PeerInfo& peer(int rank) const;
  Bootstrap& bootstrap() const;
  std::shared_ptr<Bootstrap> bootstrapPtr() const;

  // Link between this rank's GPU and `peer`'s.
  LinkType link(int peer) const;

  RegisteredMemory registerMemory(void* ptr, size_t bytes);
  void sendMemory(const RegisteredMemory& mem, int peer, int tag);
  RegisteredMemory recvMemory(int peer, int tag);
  // Sends `mem` to every other rank and returns each rank's buffer (index =
  // rank; this rank's entry is `mem` itself). Collective.
  std::vector<RegisteredMemory> exchangeMemory(const RegisteredMemory& mem, int tag);

  std::shared_ptr<Connection> connect(int peer);

  // The device-error slot (host and device addresses of the same memory).
  DeviceErrorSlot* deviceErrorHost() const;
  DeviceErrorSlot* deviceErrorDevice() const;
  // Throws TimeoutError (or RemoteError) describing the first device error, if any.
  void checkDeviceErrors() const;
  // Raises the abort flag: every device wait of this communicator returns.
  void abortDeviceWaits();
  void clearDeviceErrors();
  // Device wait bound in nanoseconds (LCCL_DEVICE_WAIT_TIMEOUT_MS).
  uint64_t deviceWaitTimeoutNs() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lccl
