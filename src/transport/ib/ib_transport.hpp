// src/transport/ib/ib_transport.hpp — the InfiniBand verbs port transport.
//
// One reliable-connected QP per pair of ranks. put = RDMA WRITE into the
// peer's registered region; signal = RDMA atomic fetch-and-add on the peer's
// semaphore counter, posted after the puts on the same QP, so it executes
// after them (RC ordering of WRITE then ATOMIC); flush = wait for the
// completions of everything posted. Every wait is bounded by the timeout.
//
// STATUS: compiled, NOT exercised: neither the build host nor the GPU test
// machine has an RDMA device. Creating the transport there throws lccl::Error
// "no InfiniBand device ..." and connectPort() falls back to TCP. Region and
// semaphore addresses/keys of the peer are installed with setRemoteRegion /
// setRemoteSemaphores; exchanging them through the bootstrap is left to the
// channel setup (TODO, see docs/port-channels.md).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "hca_spec.hpp"
#include "ibverbs.hpp"
#include "lccl/bootstrap.hpp"
#include "lccl/errors.hpp"
#include "lccl/proxy.hpp"

namespace lccl::detail {

struct IbPortChoice {
  ibv_device* device = nullptr;
  std::string name;
  int port = 1;
};

// The first ACTIVE port allowed by `spec`. Throws lccl::Error (code System)
// whose message starts "no InfiniBand device" when libibverbs is missing,
// lists no device, or no allowed port is active. `list` receives the device
// list (free it with verbs.freeDeviceList) when a device is chosen.
IbPortChoice selectIbPort(const IbVerbs* verbs, const HcaSpec& spec, ibv_device*** list);

// What the peer needs to reach our QP (exchanged through the bootstrap).
struct IbEndpoint {
  uint32_t qpn;
  uint32_t psn;
  uint16_t lid;
  uint8_t port;
  uint8_t isEthernet;  // RoCE: address by GID
  uint32_t mtu;        // ibv_mtu
  uint8_t gid[16];
};

// A region as the peer addresses it.
struct IbRemoteRegion {
  uint64_t addr = 0;
  uint64_t bytes = 0;
  uint32_t rkey = 0;
  uint32_t reserved = 0;
};

class IbPortTransport : public PortTransport {
 public:
  IbPortTransport(const IbVerbs& verbs, const IbPortChoice& choice, int rank, int peer,
                  std::chrono::milliseconds timeout);
  ~IbPortTransport() override;
  IbPortTransport(const IbPortTransport&) = delete;
  IbPortTransport& operator=(const IbPortTransport&) = delete;

  IbEndpoint localEndpoint() const;
  void connect(const IbEndpoint& remote);  // RESET -> INIT -> RTR -> RTS
  IbRemoteRegion localRegion(uint32_t id) const;
  IbRemoteRegion localSemaphores() const;
  void setRemoteRegion(uint32_t id, const IbRemoteRegion& r);
  void setRemoteSemaphores(const IbRemoteRegion& r);

  const TransportCaps& caps() const override { return caps_; }
  int remoteRank() const override { return peer_; }
  void registerMemory(uint32_t id, void* ptr, size_t bytes) override;
  void registerSemaphores(uint64_t* counters, uint32_t count) override;
  void put(uint32_t remoteMemId, uint64_t dstOff, uint32_t localMemId, uint64_t srcOff,
           uint64_t size) override;
  void signal(uint32_t semId) override;
  void flush() override;
  void poll() override;
  bool needsKeyExchange() const override { return true; }
  // Every local region (id order; bytes 0: none) then the semaphores.
  std::vector<char> remoteKeys() const override;
  void setRemoteKeys(const std::vector<char>& keys) override;

  static TransportCaps makeCaps();

 private:
  struct Local {
    ibv_mr* mr = nullptr;
    char* ptr = nullptr;
    size_t bytes = 0;
  };
  void createQueues();
  void release();  // frees every verbs object created so far (idempotent)
  void modify(ibv_qp_attr& attr, int mask, const char* step);
  void post(ibv_send_wr& wr);
  void reapCompletions(int max);
  ErrorSite site(const char* call) const { return ErrorSite{call, rank_, peer_}; }

  const IbVerbs& v_;
  IbPortChoice choice_;
  int rank_;
  int peer_;
  std::chrono::milliseconds timeout_;
  TransportCaps caps_;
  ibv_context* ctx_ = nullptr;
  ibv_pd* pd_ = nullptr;
  ibv_cq* cq_ = nullptr;
  ibv_qp* qp_ = nullptr;
  ibv_port_attr portAttr_{};
  uint32_t psn_ = 0;
  std::vector<Local> local_;
  std::vector<IbRemoteRegion> remote_;
  Local sems_;
  IbRemoteRegion remoteSems_;
  ibv_mr* atomicScratchMr_ = nullptr;
  uint64_t atomicScratch_ = 0;
  uint64_t posted_ = 0;
  uint64_t completed_ = 0;
  static constexpr int kMaxOutstanding = 256;
};

// Selects a port (LCCL_IB_HCA), creates the transport and connects its QP
// with the peer's through the bootstrap. Collective over the pair.
std::shared_ptr<IbPortTransport> connectIbPort(Bootstrap& bootstrap, int peer, int tag,
                                               std::chrono::milliseconds timeout);

}  // namespace lccl::detail
