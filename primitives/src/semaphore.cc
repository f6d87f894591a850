// Host side of MemoryDevice2DeviceSemaphore: counters, registration, exchange.
#include "lccl/primitives/semaphore.hpp"

#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "lccl/errors.hpp"
#include "lccl/gpu.hpp"

namespace lccl {
namespace {

// Device memory of one end: the inbound counter first (it is what peers map),
// the local counters on another 128-byte line.
struct CounterBlock {
  static constexpr size_t kInbound = 0;
  static constexpr size_t kOutbound = 128 / sizeof(uint64_t);
  static constexpr size_t kExpected = kOutbound + 1;
  static constexpr size_t kBytes = 256;
};

// Makes `device` current for a scope and restores the previous one.
class DeviceScope {
 public:
  explicit DeviceScope(int device) {
    LCCL_CUDA_CHECK(gpuGetDevice(&prev_));
    if (device >= 0 && device != prev_) LCCL_CUDA_CHECK(gpuSetDevice(device));
  }
  ~DeviceScope() { (void)gpuSetDevice(prev_); }
  DeviceScope(const DeviceScope&) = delete;
  DeviceScope& operator=(const DeviceScope&) = delete;

 private:
  int prev_ = 0;
};

// Per (bootstrap, peer) creation counter: both ranks number the semaphores of
// a pair identically as long as they create them in the same order. Entries
// are keyed by the live bootstrap object; one whose bootstrap died (its
// address may be reused) restarts at 0.
uint32_t nextSequence(const Communicator& comm, int peer) {
  struct Entry {
    std::weak_ptr<Bootstrap> owner;
    uint32_t next = 0;
  };
  static std::mutex mu;
  static std::map<std::pair<const Bootstrap*, int>, Entry> entries;

  std::shared_ptr<Bootstrap> boot = comm.bootstrapPtr();
  std::lock_guard<std::mutex> lock(mu);
  for (auto it = entries.begin(); it != entries.end();)
    it = it->second.owner.expired() ? entries.erase(it) : std::next(it);
  Entry& e = entries[{boot.get(), peer}];
  if (e.owner.expired()) e = Entry{boot, 0};
  return e.next++;
}

}  // namespace

struct MemoryDevice2DeviceSemaphore::Impl {
  // Declared first so it is released last (after the registrations).
  struct DeviceFree {
    void operator()(uint64_t* p) const { (void)gpuFree(p); }
  };
  std::unique_ptr<uint64_t, DeviceFree> counters;
  std::shared_ptr<Connection> connection;
  RegisteredMemory localInbound;
  RegisteredMemory remoteInbound;
  MemoryDevice2DeviceSemaphoreDeviceHandle handle;
  int rank = -1;
  int peer = -1;
  uint32_t id = 0;
};

MemoryDevice2DeviceSemaphore::MemoryDevice2DeviceSemaphore(Communicator& comm,
                                                           std::shared_ptr<Connection> connection)
    : impl_(std::make_unique<Impl>()) {
  const ErrorSite site{"MemoryDevice2DeviceSemaphore", comm.rank(),
                       connection ? connection->remoteRank() : -1};
  if (!connection) throw InvalidArgumentError(site, "null connection");
  if (!connection->caps().directLoadStore)
    throw InvalidUsageError(site, std::string("transport '") + connection->caps().transport +
                                      "' cannot load/store peer memory (directLoadStore)");
  Impl& m = *impl_;
  m.connection = std::move(connection);
  m.rank = comm.rank();
  m.peer = m.connection->remoteRank();
  if (m.peer == m.rank || m.peer < 0 || m.peer >= comm.size())
    throw InvalidArgumentError(site, "a semaphore needs a connection to another rank");
  m.id = nextSequence(comm, m.peer);
  const int tag = kSemaphoreTagBase + static_cast<int>(m.id % kSemaphoreTagSpan);

  DeviceScope scope(comm.device());
  uint64_t* counters = nullptr;
  LCCL_CUDA_CHECK(gpuMalloc(reinterpret_cast<void**>(&counters), CounterBlock::kBytes));
  m.counters.reset(counters);
  LCCL_CUDA_CHECK(gpuMemset(counters, 0, CounterBlock::kBytes));
  LCCL_CUDA_CHECK(gpuStreamSynchronize(nullptr));  // zeroed before the peer can signal

  uint64_t* inbound = counters + CounterBlock::kInbound;
  m.localInbound = comm.registerMemory(inbound, sizeof(uint64_t));
  // Lower rank sends first: no deadlock even if send() waited for its receiver.
  if (m.rank < m.peer) {
    comm.sendMemory(m.localInbound, m.peer, tag);
    m.remoteInbound = comm.recvMemory(m.peer, tag);
  } else {
    m.remoteInbound = comm.recvMemory(m.peer, tag);
    comm.sendMemory(m.localInbound, m.peer, tag);
  }
  if (!m.remoteInbound.valid() || m.remoteInbound.size() < sizeof(uint64_t))
    throw InternalError(site, "peer sent an invalid semaphore counter");

  auto& h = m.handle;
  h.inbound = inbound;
  h.outbound = counters + CounterBlock::kOutbound;
  h.expected = counters + CounterBlock::kExpected;
  h.remoteInbound = static_cast<uint64_t*>(m.remoteInbound.data());
  h.bound.slot = comm.deviceErrorDevice();
  h.bound.timeoutNs = comm.deviceWaitTimeoutNs();
  h.bound.rank = m.rank;
  h.bound.peer = m.peer;
  h.bound.objectId = m.id;
}

MemoryDevice2DeviceSemaphore::~MemoryDevice2DeviceSemaphore() = default;

MemoryDevice2DeviceSemaphoreDeviceHandle MemoryDevice2DeviceSemaphore::deviceHandle() const {
  return impl_->handle;
}
int MemoryDevice2DeviceSemaphore::rank() const { return impl_->rank; }
int MemoryDevice2DeviceSemaphore::remoteRank() const { return impl_->peer; }
uint32_t MemoryDevice2DeviceSemaphore::id() const { return impl_->id; }
const std::shared_ptr<Connection>& MemoryDevice2DeviceSemaphore::connection() const {
  return impl_->connection;
}

}  // namespace lccl
