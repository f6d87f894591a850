// lccl/communicator.hpp — one rank's view of the job: peers, topology, memory.
//
// A Communicator is built on a Bootstrap (collective: every rank constructs it
// at the same point). It selects this rank's GPU (the local rank, unless a
// device is given), learns every peer's host and GPU, and offers:
//  - topology: which peers share this host, and the link to each (NVLink,
//    PCIe, network), from CUDA peer-access queries and NVML when present;
//  - memory: register local buffers, send their handles to peers, import the
//    peers' buffers;
//  - nodes: ranks that share a host form a node, unless LCCL_PRETEND_NODES
//    splits each host's ranks into several pretend nodes (contiguous local
//    ranks). Within a node ranks use memory channels (connect()); between
//    nodes they use port channels (PortService in lccl/proxy.hpp), over the
//    transport LCCL_TRANSPORT names (auto: ib when usable, else tcp).
//  - connections: connect(peer) picks the best memory transport for a peer of
//    this node by capability.
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
  int node = -1;        // node index (hosts, split by LCCL_PRETEND_NODES), by first rank
  int nodeRank = -1;    // index among the ranks of its node
};

// LCCL_TRANSPORT, parsed: Auto (memory channels within a node, port
// channels between nodes over ib when usable, else tcp), Tcp / Ib (the port
// transport between nodes), Memory (cuda_ipc, nvlink, p2p: memory channels
// only, so every rank must share one node). Throws InvalidArgumentError on
// an unknown value.
enum class TransportChoice { Auto, Tcp, Ib, Memory };
TransportChoice transportChoice();
// The connectPort() name for a choice: "tcp", "ib" or "auto".
const char* portTransportName(TransportChoice c);

// Node index of every rank from the ranks' host ids: each host's ranks (in
// rank order) split into min(pretendNodes, ranks on the host) groups of
// contiguous local ranks; nodes numbered in the order of their first rank.
std::vector<int> assignNodes(const std::vector<std::string>& hostIds, int pretendNodes);

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

  // Nodes: see above. nodeCount() >= 1; node(r) in [0, nodeCount()).
  int nodeCount() const;
  int node(int rank) const;
  bool sameNode(int peer) const;

  // Link between this rank's GPU and `peer`'s.
  LinkType link(int peer) const;

  RegisteredMemory registerMemory(void* ptr, size_t bytes);
  void sendMemory(const RegisteredMemory& mem, int peer, int tag);
  RegisteredMemory recvMemory(int peer, int tag);
  // Sends `mem` to every other rank and returns each rank's buffer (index =
  // rank; this rank's entry is `mem` itself). Collective.
  std::vector<RegisteredMemory> exchangeMemory(const RegisteredMemory& mem, int tag);

  // A memory-channel connection to a peer of this node (InvalidUsageError for
  // a peer in another node: use port channels).
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
