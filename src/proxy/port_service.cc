// PortService: the FIFO, proxy thread and port connections of a communicator.
#include <cstdlib>
#include <cstring>

#include "lccl/communicator.hpp"
#include "lccl/env.hpp"
#include "lccl/errors.hpp"
#include "lccl/gpu.hpp"
#include "lccl/logging.hpp"
#include "lccl/proxy.hpp"

namespace lccl {
namespace {

constexpr size_t kCounterBytes = sizeof(uint64_t) * PortService::kSemaphores;

// The counters of one connection: inbound (host-mapped pinned with a GPU,
// plain host memory without) and expected (device memory with a GPU).
struct Counters {
  uint64_t* host = nullptr;
  uint64_t* device = nullptr;
  uint64_t* expected = nullptr;
  bool gpu = false;

  explicit Counters(bool withGpu) : gpu(withGpu) {
    void* p = nullptr;
    if (!gpu) {
      p = std::aligned_alloc(64, kCounterBytes);
      if (p == nullptr) throw SystemError(ErrorSite{"PortService"}, "aligned_alloc", ENOMEM);
      std::memset(p, 0, kCounterBytes);
      host = device = static_cast<uint64_t*>(p);
      return;
    }
    LCCL_CUDA_CHECK(gpuHostAlloc(&p, kCounterBytes, gpuHostAllocMapped));
    std::memset(p, 0, kCounterBytes);
    host = static_cast<uint64_t*>(p);
    void* d = nullptr;
    LCCL_CUDA_CHECK(gpuHostGetDevicePointer(&d, p, 0));
    device = static_cast<uint64_t*>(d);
    void* e = nullptr;
    LCCL_CUDA_CHECK(gpuMalloc(&e, kCounterBytes));
    expected = static_cast<uint64_t*>(e);
    LCCL_CUDA_CHECK(gpuMemset(e, 0, kCounterBytes));
    LCCL_CUDA_CHECK(gpuDeviceSynchronize());
  }
  ~Counters() {
    if (!gpu) {
      std::free(host);
      return;
    }
    if (expected) (void)gpuFree(expected);
    if (host) (void)gpuFreeHost(host);
  }
  Counters(const Counters&) = delete;
  Counters& operator=(const Counters&) = delete;
};

}  // namespace

struct PortService::Impl {
  Communicator* comm = nullptr;
  std::shared_ptr<Fifo> fifo;
  std::unique_ptr<ProxyService> proxy;
  std::vector<std::shared_ptr<PortTransport>> transports;
  std::vector<std::unique_ptr<Counters>> counters;
  std::vector<int> peers;

  void checkConnection(const char* call, uint32_t c) const {
    if (c >= transports.size())
      throw InvalidArgumentError(ErrorSite{call, comm->rank()},
                                 "unknown connection " + std::to_string(c));
  }
};

PortService::PortService(Communicator& comm, bool hostProducers)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.comm = &comm;
  const bool gpu = comm.device() >= 0;
  if (gpu) LCCL_CUDA_CHECK(gpuSetDevice(comm.device()));
  const auto slots = static_cast<uint32_t>(Env::instance().integer("LCCL_PROXY_FIFO_SIZE"));
  const bool deviceFifo = gpu && !hostProducers;
  m.fifo = std::make_shared<Fifo>(slots, deviceFifo ? deviceFifoMemory() : hostFifoMemory(),
                                  static_cast<uint32_t>(comm.rank()));
  ProxyService::Options o;
  o.errorSlot = comm.deviceErrorHost();
  o.rank = comm.rank();
  o.device = comm.device();
  m.proxy = std::make_unique<ProxyService>(m.fifo, o);
}

PortService::~PortService() {
  stop();
  impl_->proxy.reset();       // the thread is gone before transports and counters
  impl_->transports.clear();  // sockets closed before the counters go
}

uint32_t PortService::connect(int peer, const std::string& transport) {
  Impl& m = *impl_;
  if (running())
    throw InvalidUsageError(ErrorSite{"PortService.connect", m.comm->rank(), peer},
                            "connect before start()");
  const TransportChoice choice = transportChoice();
  if (transport.empty() && choice == TransportChoice::Memory)
    throw InvalidUsageError(ErrorSite{"PortService.connect", m.comm->rank(), peer},
                            "LCCL_TRANSPORT=" + Env::instance().str("LCCL_TRANSPORT") +
                                " allows memory channels only, but rank " + std::to_string(peer) +
                                " needs a port channel (another node)");
  const std::string name = transport.empty() ? portTransportName(choice) : transport;
  auto t = connectPort(*m.comm, peer, name);
  auto c = std::make_unique<Counters>(m.comm->device() >= 0);
  t->registerSemaphores(c->host, kSemaphores);
  const uint32_t index = m.proxy->addTransport(t);
  m.transports.push_back(std::move(t));
  m.counters.push_back(std::move(c));
  m.peers.push_back(peer);
  LCCL_INFO("port connection %u to rank %d over %s", index, peer,
            m.transports.back()->caps().transport);
  return index;
}

void PortService::registerMemory(uint32_t connection, uint32_t id, void* ptr, size_t bytes) {
  impl_->checkConnection("PortService.registerMemory", connection);
  if (running())
    throw InvalidUsageError(ErrorSite{"PortService.registerMemory", impl_->comm->rank()},
                            "register memory before start()");
  impl_->transports[connection]->registerMemory(id, ptr, bytes);
}

PortService::Semaphore PortService::semaphore(uint32_t connection, uint32_t id) const {
  impl_->checkConnection("PortService.semaphore", connection);
  if (id >= kSemaphores)
    throw InvalidArgumentError(ErrorSite{"PortService.semaphore", impl_->comm->rank()},
                               "semaphore id " + std::to_string(id) + " >= " +
                                   std::to_string(kSemaphores));
  const Counters& c = *impl_->counters[connection];
  return Semaphore{c.host + id, c.device + id, c.expected ? c.expected + id : nullptr};
}

int PortService::peer(uint32_t connection) const {
  impl_->checkConnection("PortService.peer", connection);
  return impl_->peers[connection];
}

const TransportCaps& PortService::caps(uint32_t connection) const {
  impl_->checkConnection("PortService.caps", connection);
  return impl_->transports[connection]->caps();
}

uint32_t PortService::connections() const { return static_cast<uint32_t>(impl_->peers.size()); }
// Keys for transports that need them: send every connection's, then receive
// (bootstrap sends do not wait for the receiver).
void PortService::start() {
  Impl& m = *impl_;
  Bootstrap& b = m.comm->bootstrap();
  const int tag = kPortBootstrapTag + 2;
  for (size_t c = 0; c < m.transports.size(); ++c)
    if (m.transports[c]->needsKeyExchange()) b.sendBytes(m.transports[c]->remoteKeys(), m.peers[c], tag);
  for (size_t c = 0; c < m.transports.size(); ++c)
    if (m.transports[c]->needsKeyExchange())
      m.transports[c]->setRemoteKeys(b.recvBytes(m.peers[c], tag, 1u << 16));
  m.proxy->start();
}
void PortService::stop() {
  if (impl_ && impl_->proxy) impl_->proxy->stop();
}
bool PortService::running() const { return impl_->proxy->running(); }
void PortService::rethrowIfError() const { impl_->proxy->rethrowIfError(); }
Communicator& PortService::comm() const { return *impl_->comm; }
Fifo& PortService::fifo() const { return *impl_->fifo; }
ProxyService& PortService::proxy() const { return *impl_->proxy; }

}  // namespace lccl
