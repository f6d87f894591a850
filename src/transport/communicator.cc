// Communicator: peers, topology, memory exchange, connections, device errors.
#include "lccl/communicator.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "cuda_ipc.hpp"
#include "host_id.hpp"
#include "lccl/env.hpp"
#include "lccl/errors.hpp"
#include "lccl/logging.hpp"
#include "nvml.hpp"

namespace lccl {
namespace {

struct HostWire {
  char hostId[200];
  int32_t pid;
};
struct DeviceWire {
  char busId[32];
  int32_t device;
};

template <size_t N>
void copyField(char (&dst)[N], const std::string& src, const char* what) {
  if (src.size() >= N)
    throw InvalidArgumentError(ErrorSite{"Communicator"}, std::string(what) + " '" + src +
                                                              "' is longer than " +
                                                              std::to_string(N - 1) + " bytes");
  std::memset(dst, 0, N);
  std::memcpy(dst, src.data(), src.size());
}

template <size_t N>
std::string readField(const char (&src)[N]) {
  return std::string(src, strnlen(src, N));
}

}  // namespace

std::vector<int> assignNodes(const std::vector<std::string>& hostIds, int pretendNodes) {
  const int n = static_cast<int>(hostIds.size());
  std::vector<std::pair<std::string, int>> keys;  // (host, part) of each node
  std::vector<int> node(n);
  for (int r = 0; r < n; ++r) {
    int hostSize = 0, localRank = 0;
    for (int q = 0; q < n; ++q) {
      hostSize += hostIds[q] == hostIds[r];
      localRank += q < r && hostIds[q] == hostIds[r];
    }
    const int parts = std::max(1, std::min(pretendNodes, hostSize));
    const std::pair<std::string, int> key{hostIds[r], localRank * parts / hostSize};
    auto it = std::find(keys.begin(), keys.end(), key);
    node[r] = static_cast<int>(it - keys.begin());
    if (it == keys.end()) keys.push_back(key);
  }
  return node;
}

struct Communicator::Impl {
  std::shared_ptr<Bootstrap> boot;
  int rank = 0, size = 1, localRank = 0, localSize = 1, device = -1, nodeCount = 1;
  std::vector<PeerInfo> peers;
  std::vector<LinkType> links;
  std::vector<bool> atomics;
  DeviceErrorSlot* errHost = nullptr;
  DeviceErrorSlot* errDev = nullptr;
  uint64_t waitTimeoutNs = 0;

  void gatherHosts();
  void assignNodes();
  void pickDevice(int requested);
  void gatherDevices();
  void computeLinks();
  LinkType linkTo(const PeerInfo& p, bool* atomicsOut) const;
  void allocErrorSlot();
};

void Communicator::Impl::gatherHosts() {
  std::vector<HostWire> all(size);
  copyField(all[rank].hostId, detail::localHostId(), "host id");
  all[rank].pid = static_cast<int32_t>(getpid());
  boot->allGather(all.data(), sizeof(HostWire));
  peers.resize(size);
  localSize = 0;
  for (int r = 0; r < size; ++r) {
    peers[r].rank = r;
    peers[r].hostId = readField(all[r].hostId);
    peers[r].localRank = 0;
    for (int q = 0; q < r; ++q) peers[r].localRank += peers[q].hostId == peers[r].hostId;
  }
  for (int r = 0; r < size; ++r) localSize += peers[r].hostId == peers[rank].hostId;
  localRank = peers[rank].localRank;
}

void Communicator::Impl::assignNodes() {
  const int64_t pretend = Env::instance().integer("LCCL_PRETEND_NODES");
  if (pretend < 1 || pretend > 1024)
    throw InvalidArgumentError(ErrorSite{"Communicator", rank},
                               "LCCL_PRETEND_NODES must be in [1, 1024]");
  std::vector<std::string> hosts(size);
  for (int r = 0; r < size; ++r) hosts[r] = peers[r].hostId;
  const std::vector<int> node = lccl::assignNodes(hosts, static_cast<int>(pretend));
  nodeCount = 0;
  for (int r = 0; r < size; ++r) {
    peers[r].node = node[r];
    peers[r].nodeRank = 0;
    for (int q = 0; q < r; ++q) peers[r].nodeRank += node[q] == node[r];
    nodeCount = std::max(nodeCount, node[r] + 1);
  }
}

void Communicator::Impl::pickDevice(int requested) {
  int n = gpuCount();
  if (requested >= 0 && requested >= n)
    throw InvalidArgumentError(ErrorSite{"Communicator", rank},
                               "device " + std::to_string(requested) + " requested, " +
                                   std::to_string(n) + " visible");
  device = requested >= 0 ? requested : (n > 0 ? localRank % n : -1);
  if (device >= 0) LCCL_CUDA_CHECK(gpuSetDevice(device));
}

void Communicator::Impl::gatherDevices() {
  std::vector<DeviceWire> all(size);
  all[rank].device = device;
  if (device >= 0) {
    char bus[32] = {};
    LCCL_CUDA_CHECK(gpuDeviceGetPCIBusId(bus, sizeof(bus), device));
    copyField(all[rank].busId, bus, "bus id");
  }
  boot->allGather(all.data(), sizeof(DeviceWire));
  for (int r = 0; r < size; ++r) {
    peers[r].cudaDevice = all[r].device;
    peers[r].busId = readField(all[r].busId);
  }
}

LinkType Communicator::Impl::linkTo(const PeerInfo& p, bool* atomicsOut) const {
  *atomicsOut = false;
  const PeerInfo& me = peers[rank];
  if (p.rank == rank) return LinkType::Self;
  if (p.hostId != me.hostId || device < 0 || p.busId.empty()) return LinkType::Network;
  if (p.busId == me.busId) {
    *atomicsOut = true;
    return LinkType::Self;
  }
  if (Env::instance().flag("LCCL_P2P_DISABLE")) return LinkType::Network;
  int peerDev = -1;
  if (gpuDeviceGetByPCIBusId(&peerDev, p.busId.c_str()) != gpuSuccess) {
    (void)gpuGetLastError();
    return LinkType::Network;  // not visible in this process
  }
  int can = 0;
  if (gpuDeviceCanAccessPeer(&can, device, peerDev) != gpuSuccess || !can) return LinkType::Network;
  int atom = 0;
  (void)cudaDeviceGetP2PAttribute(&atom, cudaDevP2PAttrNativeAtomicSupported, device, peerDev);
  *atomicsOut = atom != 0;
  switch (detail::nvlinkBetween(me.busId, p.busId)) {
    case detail::NvLinkPeer::Direct:
    case detail::NvLinkPeer::Switch: return LinkType::NVLink;
    case detail::NvLinkPeer::None: return LinkType::PCIe;
    case detail::NvLinkPeer::Unknown: break;
  }
  return atom ? LinkType::NVLink : LinkType::PCIe;  // NVML absent: native atomics imply NVLink
}

void Communicator::Impl::computeLinks() {
  links.resize(size);
  atomics.resize(size);
  for (int r = 0; r < size; ++r) {
    bool a = false;
    links[r] = linkTo(peers[r], &a);
    atomics[r] = a;
  }
}

void Communicator::Impl::allocErrorSlot() {
  if (device < 0) return;
  void* p = nullptr;
  LCCL_CUDA_CHECK(gpuHostAlloc(&p, sizeof(DeviceErrorSlot), gpuHostAllocMapped));
  std::memset(p, 0, sizeof(DeviceErrorSlot));
  errHost = static_cast<DeviceErrorSlot*>(p);
  void* d = nullptr;
  LCCL_CUDA_CHECK(gpuHostGetDevicePointer(&d, p, 0));
  errDev = static_cast<DeviceErrorSlot*>(d);
}

Communicator::Communicator(std::shared_ptr<Bootstrap> bootstrap, int device)
    : impl_(std::make_unique<Impl>()) {
  if (!bootstrap) throw InvalidArgumentError(ErrorSite{"Communicator"}, "null bootstrap");
  Impl& m = *impl_;
  m.boot = std::move(bootstrap);
  m.rank = m.boot->rank();
  m.size = m.boot->size();
  setLogRank(m.rank);
  int64_t ms = Env::instance().integer("LCCL_DEVICE_WAIT_TIMEOUT_MS");
  if (ms <= 0)
    throw InvalidArgumentError(ErrorSite{"Communicator", m.rank},
                               "LCCL_DEVICE_WAIT_TIMEOUT_MS must be positive (device waits are "
                               "always bounded)");
  m.waitTimeoutNs = static_cast<uint64_t>(ms) * 1000000ull;
  m.gatherHosts();
  m.assignNodes();
  m.pickDevice(device);
  m.gatherDevices();
  m.computeLinks();
  m.allocErrorSlot();
  LCCL_INFO("communicator rank %d/%d, local %d/%d, node %d/%d, device %d (%s)", m.rank, m.size,
            m.localRank, m.localSize, m.peers[m.rank].node, m.nodeCount, m.device,
            m.peers[m.rank].busId.c_str());
}

Communicator::~Communicator() {
  if (impl_ && impl_->errHost) (void)gpuFreeHost(impl_->errHost);
}

int Communicator::rank() const { return impl_->rank; }
int Communicator::size() const { return impl_->size; }
int Communicator::localRank() const { return impl_->localRank; }
int Communicator::localSize() const { return impl_->localSize; }
int Communicator::device() const { return impl_->device; }
Bootstrap& Communicator::bootstrap() const { return *impl_->boot; }
std::shared_ptr<Bootstrap> Communicator::bootstrapPtr() const { return impl_->boot; }

static void checkPeer(const char* call, int rank, int peer, int size) {
  if (peer < 0 || peer >= size)
    throw InvalidArgumentError(ErrorSite{call, rank, peer},
                               "peer out of range [0, " + std::to_string(size) + ")");
}

const PeerInfo& Communicator::peer(int r) const {
  checkPeer("Communicator.peer", impl_->rank, r, impl_->size);
  return impl_->peers[r];
}

int Communicator::nodeCount() const { return impl_->nodeCount; }

int Communicator::node(int r) const {
  checkPeer("Communicator.node", impl_->rank, r, impl_->size);
  return impl_->peers[r].node;
}

bool Communicator::sameNode(int peer) const { return node(peer) == node(impl_->rank); }

LinkType Communicator::link(int peer) const {
  checkPeer("Communicator.link", impl_->rank, peer, impl_->size);
  return impl_->links[peer];
}

RegisteredMemory Communicator::registerMemory(void* ptr, size_t bytes) {
  if (impl_->device < 0)
    throw InvalidUsageError(ErrorSite{"registerMemory", impl_->rank}, "this rank has no GPU");
  return RegisteredMemory::registerLocal(ptr, bytes, impl_->rank);
}

void Communicator::sendMemory(const RegisteredMemory& mem, int peer, int tag) {
  checkPeer("sendMemory", impl_->rank, peer, impl_->size);
  impl_->boot->sendBytes(mem.serialize(), peer, tag);
}

RegisteredMemory Communicator::recvMemory(int peer, int tag) {
  checkPeer("recvMemory", impl_->rank, peer, impl_->size);
  return RegisteredMemory::import(impl_->boot->recvBytes(peer, tag, 1u << 16), impl_->device);
}

std::vector<RegisteredMemory> Communicator::exchangeMemory(const RegisteredMemory& mem, int tag) {
  std::vector<RegisteredMemory> out(impl_->size);
  for (int p = 0; p < impl_->size; ++p)
    if (p != impl_->rank) sendMemory(mem, p, tag);
  for (int p = 0; p < impl_->size; ++p)
    out[p] = p == impl_->rank ? mem : recvMemory(p, tag);
  return out;
}

std::shared_ptr<Connection> Communicator::connect(int peer) {
  checkPeer("connect", impl_->rank, peer, impl_->size);
  const TransportChoice forced = transportChoice();
  if (!sameNode(peer))
    throw InvalidUsageError(ErrorSite{"connect", impl_->rank, peer},
                            "rank " + std::to_string(peer) + " is in node " +
                                std::to_string(node(peer)) + ", this rank in node " +
                                std::to_string(node(impl_->rank)) +
                                (forced == TransportChoice::Memory
                                     ? ": LCCL_TRANSPORT asks for memory channels only"
                                     : ": reach it with a port channel (PortService)"));
  LinkType l = impl_->links[peer];
  if (l == LinkType::Network)
    throw InvalidUsageError(ErrorSite{"connect", impl_->rank, peer},
                            "no peer-memory path to rank " + std::to_string(peer) + " (host '" +
                                impl_->peers[peer].hostId + "', same node)");
  LCCL_INFO("connect to rank %d over cuda_ipc (%s)", peer, linkTypeName(l));
  return std::make_shared<detail::CudaIpcConnection>(peer, l, impl_->atomics[peer]);
}

DeviceErrorSlot* Communicator::deviceErrorHost() const { return impl_->errHost; }
DeviceErrorSlot* Communicator::deviceErrorDevice() const { return impl_->errDev; }
uint64_t Communicator::deviceWaitTimeoutNs() const { return impl_->waitTimeoutNs; }

void Communicator::checkDeviceErrors() const {
  const DeviceErrorSlot* s = impl_->errHost;
  // The device fills the record, fences, then raises abort: only a raised
  // abort guarantees a complete record.
  if (s == nullptr || s->abort == 0) return;
  if (*reinterpret_cast<const volatile uint32_t*>(&s->claimed) == 0)
    throw RemoteError(ErrorSite{"device wait", impl_->rank}, "device work was aborted");
  auto kind = static_cast<DeviceErrorKind>(s->kind);
  ErrorSite site{kind == DeviceErrorKind::PacketTimeout ? "device packet read" : "device wait",
                 s->rank, s->peer};
  if (kind == DeviceErrorKind::Aborted)
    throw RemoteError(site, "device work was aborted");
  if (kind == DeviceErrorKind::WindowMismatch)
    throw InvalidUsageError(ErrorSite{"zero-copy collective", s->rank, s->peer},
                            "peer " + std::to_string(s->peer) +
                                " called with other windows, offsets or size (this rank: " +
                                std::to_string(s->expected) + ", the peer: " +
                                std::to_string(s->observed) +
                                "), or did not take the zero-copy path: every rank's send and "
                                "recv must lie in the same registered windows at the same offsets");
  if (s->peer < 0)  // a port-channel FIFO push: the waiter is this rank's own proxy
    throw TimeoutError(site, "this rank's proxy did not free a slot of request FIFO " +
                                 std::to_string(s->objectId) + " within " +
                                 std::to_string(s->waitedNs / 1000000) + " ms (request " +
                                 std::to_string(s->expected) + ", proxy at " +
                                 std::to_string(s->observed) + "): proxy stalled or stopped");
  throw TimeoutError(site, "peer " + std::to_string(s->peer) + " did not signal object " +
                               std::to_string(s->objectId) + " within " +
                               std::to_string(s->waitedNs / 1000000) + " ms (expected " +
                               std::to_string(s->expected) + ", observed " +
                               std::to_string(s->observed) + ")");
}

void Communicator::abortDeviceWaits() {
  if (impl_->errHost) impl_->errHost->abort = 1;
}

void Communicator::clearDeviceErrors() {
  if (impl_->errHost) std::memset(impl_->errHost, 0, sizeof(DeviceErrorSlot));
}

TransportChoice transportChoice() {
  const std::string& v = Env::instance().str("LCCL_TRANSPORT");
  if (v.empty() || v == "auto") return TransportChoice::Auto;
  if (v == "tcp") return TransportChoice::Tcp;
  if (v == "ib") return TransportChoice::Ib;
  if (v == "cuda_ipc" || v == "nvlink" || v == "p2p") return TransportChoice::Memory;
  throw InvalidArgumentError(ErrorSite{"LCCL_TRANSPORT"},
                             "'" + v + "': expected auto, tcp, ib, cuda_ipc, nvlink or p2p");
}

const char* portTransportName(TransportChoice c) {
  switch (c) {
    case TransportChoice::Tcp: return "tcp";
    case TransportChoice::Ib: return "ib";
    default: return "auto";
  }
}

const char* linkTypeName(LinkType t) {
  switch (t) {
    case LinkType::Self: return "self";
    case LinkType::NVLink: return "NVLink";
    case LinkType::PCIe: return "PCIe";
    case LinkType::Network: return "network";
  }
  return "unknown";
}

}  // namespace lccl
