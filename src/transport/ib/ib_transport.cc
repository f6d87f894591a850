// The InfiniBand verbs port transport (compiled, unexercised: see header).
#include "ib_transport.hpp"

#include <chrono>
#include <cstring>
#include <random>
#include <thread>

#include "lccl/env.hpp"
#include "lccl/logging.hpp"

namespace lccl::detail {
namespace {

[[noreturn]] void noDevice(const std::string& why) {
  throw Error(ErrorCode::System, ErrorSite{"ib.select"}, "no InfiniBand device (" + why + ")");
}

bool portActive(const IbVerbs& v, ibv_device* dev, int port) {
  ibv_context* ctx = v.openDevice(dev);
  if (ctx == nullptr) return false;
  ibv_port_attr attr{};
  const bool ok = v.queryPort(ctx, static_cast<uint8_t>(port), &attr) == 0 &&
                  attr.state == IBV_PORT_ACTIVE;
  v.closeDevice(ctx);
  return ok;
}

constexpr int kMaxPortsTried = 4;

}  // namespace

IbPortChoice selectIbPort(const IbVerbs* verbs, const HcaSpec& spec, ibv_device*** list) {
  const char* why = nullptr;
  if (verbs == nullptr) {
    ibVerbs(&why);
    noDevice(why ? why : "libibverbs unavailable");
  }
  int n = 0;
  ibv_device** devs = verbs->getDeviceList(&n);
  if (devs == nullptr || n == 0) {
    if (devs) verbs->freeDeviceList(devs);
    noDevice("libibverbs lists no device");
  }
  for (int i = 0; i < n; ++i) {
    const std::string name = verbs->getDeviceName(devs[i]);
    for (int port = 1; port <= kMaxPortsTried; ++port) {
      if (!hcaSelected(spec, name, port) || !portActive(*verbs, devs[i], port)) continue;
      *list = devs;
      return IbPortChoice{devs[i], name, port};
    }
  }
  verbs->freeDeviceList(devs);
  noDevice("no active port allowed by LCCL_IB_HCA");
}

TransportCaps IbPortTransport::makeCaps() {
  return proxiedTransportCaps("ib");
}

IbPortTransport::IbPortTransport(const IbVerbs& verbs, const IbPortChoice& choice, int rank,
                                 int peer, std::chrono::milliseconds timeout)
    : v_(verbs), choice_(choice), rank_(rank), peer_(peer), timeout_(timeout), caps_(makeCaps()) {
  psn_ = std::random_device{}() & 0xffffffu;
  try {
    createQueues();
  } catch (...) {
    release();
    throw;
  }
}

void IbPortTransport::createQueues() {
  ctx_ = v_.openDevice(choice_.device);
  if (ctx_ == nullptr) throw SystemError(site("ib.open"), "ibv_open_device " + choice_.name, errno);
  if (v_.queryPort(ctx_, static_cast<uint8_t>(choice_.port), &portAttr_) != 0)
    throw SystemError(site("ib.open"), "ibv_query_port", errno);
  pd_ = v_.allocPd(ctx_);
  if (pd_ == nullptr) throw SystemError(site("ib.open"), "ibv_alloc_pd", errno);
  cq_ = v_.createCq(ctx_, 2 * kMaxOutstanding, nullptr, nullptr, 0);
  if (cq_ == nullptr) throw SystemError(site("ib.open"), "ibv_create_cq", errno);
  ibv_qp_init_attr init{};
  init.send_cq = cq_;
  init.recv_cq = cq_;
  init.qp_type = IBV_QPT_RC;
  init.cap.max_send_wr = kMaxOutstanding;
  init.cap.max_recv_wr = 1;
  init.cap.max_send_sge = 1;
  init.cap.max_recv_sge = 1;
  qp_ = v_.createQp(pd_, &init);
  if (qp_ == nullptr) throw SystemError(site("ib.open"), "ibv_create_qp", errno);
  atomicScratchMr_ = v_.regMr(pd_, &atomicScratch_, sizeof atomicScratch_,
                              IBV_ACCESS_LOCAL_WRITE);
  if (atomicScratchMr_ == nullptr) throw SystemError(site("ib.open"), "ibv_reg_mr", errno);
}

IbPortTransport::~IbPortTransport() { release(); }

void IbPortTransport::release() {
  for (auto& l : local_)
    if (l.mr) v_.deregMr(l.mr), l.mr = nullptr;
  if (sems_.mr) v_.deregMr(sems_.mr), sems_.mr = nullptr;
  if (atomicScratchMr_) v_.deregMr(atomicScratchMr_), atomicScratchMr_ = nullptr;
  if (qp_) v_.destroyQp(qp_), qp_ = nullptr;
  if (cq_) v_.destroyCq(cq_), cq_ = nullptr;
  if (pd_) v_.deallocPd(pd_), pd_ = nullptr;
  if (ctx_) v_.closeDevice(ctx_), ctx_ = nullptr;
}

IbEndpoint IbPortTransport::localEndpoint() const {
  IbEndpoint e{};
  e.qpn = qp_->qp_num;
  e.psn = psn_;
  e.lid = portAttr_.lid;
  e.port = static_cast<uint8_t>(choice_.port);
  e.isEthernet = portAttr_.link_layer == IBV_LINK_LAYER_ETHERNET;
  e.mtu = portAttr_.active_mtu;
  ibv_gid gid{};
  if (e.isEthernet && v_.queryGid(ctx_, e.port, 0, &gid) != 0)
    throw SystemError(site("ib.endpoint"), "ibv_query_gid", errno);
  std::memcpy(e.gid, gid.raw, sizeof e.gid);
  return e;
}

void IbPortTransport::modify(ibv_qp_attr& attr, int mask, const char* step) {
  if (int rc = v_.modifyQp(qp_, &attr, mask); rc != 0)
    throw SystemError(site("ib.connect"), std::string("ibv_modify_qp to ") + step, rc);
}

void IbPortTransport::connect(const IbEndpoint& r) {
  ibv_qp_attr a{};
  a.qp_state = IBV_QPS_INIT;
  a.port_num = static_cast<uint8_t>(choice_.port);
  a.qp_access_flags = IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_ATOMIC;
  modify(a, IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT | IBV_QP_ACCESS_FLAGS, "INIT");
  a = ibv_qp_attr{};
  a.qp_state = IBV_QPS_RTR;
  a.path_mtu = static_cast<ibv_mtu>(std::min<uint32_t>(r.mtu, portAttr_.active_mtu));
  a.dest_qp_num = r.qpn;
  a.rq_psn = r.psn;
  a.max_dest_rd_atomic = 1;
  a.min_rnr_timer = 12;
  a.ah_attr.port_num = static_cast<uint8_t>(choice_.port);
  a.ah_attr.dlid = r.lid;
  if (r.isEthernet) {
    a.ah_attr.is_global = 1;
    std::memcpy(a.ah_attr.grh.dgid.raw, r.gid, sizeof r.gid);
    a.ah_attr.grh.hop_limit = 255;
  }
  modify(a, IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU | IBV_QP_DEST_QPN | IBV_QP_RQ_PSN |
                IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER, "RTR");
  a = ibv_qp_attr{};
  a.qp_state = IBV_QPS_RTS;
  a.sq_psn = psn_;
  a.timeout = 14;
  a.retry_cnt = 7;
  a.rnr_retry = 7;
  a.max_rd_atomic = 1;
  modify(a, IBV_QP_STATE | IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY | IBV_QP_SQ_PSN |
                IBV_QP_MAX_QP_RD_ATOMIC, "RTS");
}

void IbPortTransport::registerMemory(uint32_t id, void* ptr, size_t bytes) {
  if (id >= ProxyRequest::kMaxMemIds || ptr == nullptr)
    throw InvalidArgumentError(site("ib.registerMemory"), "bad region id or pointer");
  if (local_.size() <= id) local_.resize(id + 1);
  Local& l = local_[id];
  if (l.mr) v_.deregMr(l.mr);
  l = Local{v_.regMr(pd_, ptr, bytes, IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE),
            static_cast<char*>(ptr), bytes};
  if (l.mr == nullptr) throw SystemError(site("ib.registerMemory"), "ibv_reg_mr", errno);
}

void IbPortTransport::registerSemaphores(uint64_t* counters, uint32_t count) {
  const size_t bytes = size_t{count} * sizeof(uint64_t);
  if (sems_.mr) v_.deregMr(sems_.mr);
  sems_ = Local{v_.regMr(pd_, counters, bytes,
                         IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
                             IBV_ACCESS_REMOTE_ATOMIC),
                reinterpret_cast<char*>(counters), bytes};
  if (sems_.mr == nullptr) throw SystemError(site("ib.registerSemaphores"), "ibv_reg_mr", errno);
}

IbRemoteRegion IbPortTransport::localRegion(uint32_t id) const {
  if (id >= local_.size() || local_[id].mr == nullptr)
    throw InvalidArgumentError(site("ib.localRegion"), "region not registered");
  const Local& l = local_[id];
  return IbRemoteRegion{reinterpret_cast<uint64_t>(l.ptr), l.bytes, l.mr->rkey, 0};
}

IbRemoteRegion IbPortTransport::localSemaphores() const {
  return IbRemoteRegion{reinterpret_cast<uint64_t>(sems_.ptr), sems_.bytes,
                        sems_.mr ? sems_.mr->rkey : 0, 0};
}

void IbPortTransport::setRemoteRegion(uint32_t id, const IbRemoteRegion& r) {
  if (id >= ProxyRequest::kMaxMemIds)
    throw InvalidArgumentError(site("ib.setRemoteRegion"), "bad region id");
  if (remote_.size() <= id) remote_.resize(id + 1);
  remote_[id] = r;
}

void IbPortTransport::setRemoteSemaphores(const IbRemoteRegion& r) { remoteSems_ = r; }

std::vector<char> IbPortTransport::remoteKeys() const {
  std::vector<IbRemoteRegion> all;
  for (uint32_t id = 0; id < local_.size(); ++id)
    all.push_back(local_[id].mr ? localRegion(id) : IbRemoteRegion{});
  all.push_back(localSemaphores());
  const auto* p = reinterpret_cast<const char*>(all.data());
  return std::vector<char>(p, p + all.size() * sizeof(IbRemoteRegion));
}

void IbPortTransport::setRemoteKeys(const std::vector<char>& keys) {
  const size_t n = keys.size() / sizeof(IbRemoteRegion);
  if (n == 0 || keys.size() % sizeof(IbRemoteRegion) != 0 || n - 1 > ProxyRequest::kMaxMemIds)
    throw SocketError(site("ib.setRemoteKeys"), "malformed region keys from the peer");
  std::vector<IbRemoteRegion> all(n);
  std::memcpy(all.data(), keys.data(), keys.size());
  for (uint32_t id = 0; id + 1 < n; ++id) setRemoteRegion(id, all[id]);
  setRemoteSemaphores(all[n - 1]);
}

}  // namespace lccl::detail

namespace lccl::detail {

// Posts one signalled work request, first making room under kMaxOutstanding.
void IbPortTransport::post(ibv_send_wr& wr) {
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  while (posted_ - completed_ >= static_cast<uint64_t>(kMaxOutstanding)) {
    reapCompletions(kMaxOutstanding);
    if (std::chrono::steady_clock::now() >= deadline)
      throw TimeoutError(site("ib.post"), "send queue full: no completions");
  }
  wr.wr_id = posted_;
  wr.send_flags = IBV_SEND_SIGNALED;
  ibv_send_wr* bad = nullptr;
  if (int rc = ibv_post_send(qp_, &wr, &bad); rc != 0)
    throw SystemError(site("ib.post"), "ibv_post_send", rc);
  ++posted_;
}

void IbPortTransport::reapCompletions(int max) {
  ibv_wc wc[16];
  for (int done = 0; done < max;) {
    const int n = ibv_poll_cq(cq_, 16, wc);
    if (n < 0) throw SystemError(site("ib.poll"), "ibv_poll_cq", n);
    if (n == 0) return;
    for (int i = 0; i < n; ++i)
      if (wc[i].status != IBV_WC_SUCCESS)
        throw RemoteError(site("ib.poll"), std::string("work request failed: status ") +
                                               std::to_string(wc[i].status));
    completed_ += static_cast<uint64_t>(n);
    done += n;
  }
}

void IbPortTransport::put(uint32_t remoteMemId, uint64_t dstOff, uint32_t localMemId,
                          uint64_t srcOff, uint64_t size) {
  if (localMemId >= local_.size() || local_[localMemId].mr == nullptr ||
      srcOff > local_[localMemId].bytes || size > local_[localMemId].bytes - srcOff)
    throw InvalidArgumentError(site("ib.put"), "source outside local region");
  if (remoteMemId >= remote_.size() || dstOff > remote_[remoteMemId].bytes ||
      size > remote_[remoteMemId].bytes - dstOff)
    throw InvalidArgumentError(site("ib.put"), "destination outside the peer's region");
  const Local& l = local_[localMemId];
  ibv_sge sge{reinterpret_cast<uint64_t>(l.ptr + srcOff), static_cast<uint32_t>(size), l.mr->lkey};
  ibv_send_wr wr{};
  wr.sg_list = &sge;
  wr.num_sge = 1;
  wr.opcode = IBV_WR_RDMA_WRITE;
  wr.wr.rdma.remote_addr = remote_[remoteMemId].addr + dstOff;
  wr.wr.rdma.rkey = remote_[remoteMemId].rkey;
  post(wr);
}

void IbPortTransport::signal(uint32_t semId) {
  if (uint64_t{semId} * sizeof(uint64_t) >= remoteSems_.bytes)
    throw InvalidArgumentError(site("ib.signal"), "unknown semaphore " + std::to_string(semId));
  ibv_sge sge{reinterpret_cast<uint64_t>(&atomicScratch_), sizeof atomicScratch_,
              atomicScratchMr_->lkey};
  ibv_send_wr wr{};
  wr.sg_list = &sge;
  wr.num_sge = 1;
  wr.opcode = IBV_WR_ATOMIC_FETCH_AND_ADD;
  wr.wr.atomic.remote_addr = remoteSems_.addr + uint64_t{semId} * sizeof(uint64_t);
  wr.wr.atomic.rkey = remoteSems_.rkey;
  wr.wr.atomic.compare_add = 1;
  post(wr);
}

void IbPortTransport::flush() {
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  while (completed_ < posted_) {
    reapCompletions(kMaxOutstanding);
    if (completed_ < posted_ && std::chrono::steady_clock::now() >= deadline)
      throw TimeoutError(site("ib.flush"), std::to_string(posted_ - completed_) +
                                               " work requests did not complete");
  }
}

void IbPortTransport::poll() { reapCompletions(kMaxOutstanding); }

std::shared_ptr<IbPortTransport> connectIbPort(Bootstrap& bootstrap, int peer, int tag,
                                               std::chrono::milliseconds timeout) {
  const IbVerbs* verbs = ibVerbs();
  ibv_device** list = nullptr;
  const IbPortChoice choice =
      selectIbPort(verbs, parseHcaSpec(Env::instance().str("LCCL_IB_HCA")), &list);
  std::shared_ptr<IbPortTransport> t;
  try {
    t = std::make_shared<IbPortTransport>(*verbs, choice, bootstrap.rank(), peer, timeout);
  } catch (...) {
    verbs->freeDeviceList(list);
    throw;
  }
  verbs->freeDeviceList(list);  // an opened context keeps its device alive
  const IbEndpoint mine = t->localEndpoint();
  const auto* p = reinterpret_cast<const char*>(&mine);
  bootstrap.sendBytes(std::vector<char>(p, p + sizeof mine), peer, tag);
  const std::vector<char> theirs = bootstrap.recvBytes(peer, tag, sizeof(IbEndpoint));
  if (theirs.size() != sizeof(IbEndpoint))
    throw SocketError(ErrorSite{"ib.connect", bootstrap.rank(), peer}, "malformed endpoint");
  IbEndpoint remote;
  std::memcpy(&remote, theirs.data(), sizeof remote);
  t->connect(remote);
  LCCL_INFO("ib: connected to rank %d over %s port %d", peer, choice.name.c_str(), choice.port);
  return t;
}

}  // namespace lccl::detail
