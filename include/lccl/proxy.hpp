// lccl/proxy.hpp — port transports and the host proxy that drives them.
//
// Port channels move data between GPUs that cannot load/store each other's
// memory (other hosts: InfiniBand verbs, TCP). A kernel pushes requests into a
// Fifo (lccl/fifo.hpp); one ProxyService thread per device drains it and calls
// the PortTransport of the request's connection:
//
//   kernel push -> Fifo (host-mapped) -> ProxyService thread -> PortTransport
//       -> peer's registered memory -> peer's semaphore bumped (signal)
//
// Ordering: requests of one producer reach their transport in push order; a
// transport applies one connection's puts and signals in order, so a signal
// is seen by the peer only after the data of every earlier put landed.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "lccl/connection.hpp"
#include "lccl/device_error.hpp"
#include "lccl/fifo.hpp"

namespace lccl {

class Communicator;

// One connection to one peer over a proxy-driven transport. Memory ids name
// regions registered on each side (registerMemory); semaphore ids name the
// counters registered with registerSemaphores. Calls come from one thread
// (the proxy's, or a test's); errors are thrown (SocketError, RemoteError,
// TimeoutError), after which the transport is unusable.
class PortTransport {
 public:
  virtual ~PortTransport() = default;
  virtual const TransportCaps& caps() const = 0;
  virtual int remoteRank() const = 0;

  // Local region `id` (host memory in this CPU half): source of puts and,
  // on the receiving side, their destination. Ids are < ProxyRequest::kMaxMemIds.
  virtual void registerMemory(uint32_t id, void* ptr, size_t bytes) = 0;
  // `count` counters the peer's signals increment (release order, 64-bit).
  virtual void registerSemaphores(uint64_t* counters, uint32_t count) = 0;

  // Copies local [srcOff, srcOff+size) of region localMemId to the peer's
  // region remoteMemId at dstOff. May return before the data left this host.
  virtual void put(uint32_t remoteMemId, uint64_t dstOff, uint32_t localMemId, uint64_t srcOff,
                   uint64_t size) = 0;
  // Increments the peer's semaphore semId after every earlier put landed.
  virtual void signal(uint32_t semId) = 0;
  // Returns once every earlier put/signal is in the peer's memory (bounded).
  virtual void flush() = 0;
  // Makes progress without blocking (receives, acknowledgements); does a
  // bounded amount of work per call.
  virtual void poll() = 0;
  // Called (about every millisecond) while put/signal/flush wait on this
  // peer, so that the proxy keeps receiving on its other connections: with
  // three or more ranks, proxies blocked sending to each other in a cycle
  // would otherwise stall until the timeout. Default: ignored.
  virtual void setProgressHook(std::function<void()> hook) { (void)hook; }
  // Grows whenever poll() (or a wait) received something: the proxy stays
  // awake after traffic instead of sleeping. Default: never (always 0).
  virtual uint64_t receivedMessages() const { return 0; }

  // Transports that address the peer's memory directly (IB: addresses and
  // rkeys) exchange keys once every region is registered: remoteKeys() is
  // what the peer passes to setRemoteKeys(). TCP names regions by id and
  // exchanges nothing. Both ends of a connection answer alike.
  virtual bool needsKeyExchange() const { return false; }
  virtual std::vector<char> remoteKeys() const { return {}; }
  virtual void setRemoteKeys(const std::vector<char>& keys) { (void)keys; }
};

// The proxy thread. Transports are added before start(); request.connection
// indexes them in the order added.
class ProxyService {
 public:
  struct Options {
    DeviceErrorSlot* errorSlot = nullptr;  // host view; raised on transport errors
    int rank = -1;                         // recorded in the slot
    int device = -1;                       // made current in the thread (GPU staging copies)
    std::chrono::microseconds idleSleep{50};  // after ~idleSpins empty polls
    uint32_t idleSpins = 4096;
  };

  ProxyService(std::shared_ptr<Fifo> fifo, Options options);
  ~ProxyService();  // stop()
  ProxyService(const ProxyService&) = delete;
  ProxyService& operator=(const ProxyService&) = delete;

  // Returns the connection index used in ProxyRequest::connection.
  uint32_t addTransport(std::shared_ptr<PortTransport> transport);
  void start();
  // Asks the thread to finish and joins it. Requests already published are
  // carried out first (at most one FIFO's worth; none after an error), so a
  // kernel's last signals reach the peer. Transports bound every wait.
  void stop();
  bool running() const;

  // The first transport error, if any (the proxy then drops further requests
  // and the DeviceErrorSlot abort flag is up, so device waits return).
  std::exception_ptr error() const;
  void rethrowIfError() const;
  uint64_t handled() const;  // requests processed (for tests and stats)

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Transport names accepted by connectPort (LCCL_TRANSPORT values).
// "ib" falls back to "tcp" when no InfiniBand device is usable (logged);
// "auto" means: ib unless LCCL_IB_DISABLE, else tcp. Collective over the two
// ranks (both call it). Tags used on the bootstrap: see kPortBootstrapTag.
constexpr int kPortBootstrapTag = 0x50540000;  // "PT": outside the bootstrap's reserved ranges
std::shared_ptr<PortTransport> connectPort(Communicator& comm, int peer,
                                           const std::string& transportName);

// The port channels of one communicator: a request FIFO that GPU threads
// push into (deviceFifoMemory(); host memory when the rank has no GPU), the
// ProxyService thread draining it, and the port connections it drives.
//
// Setup, before start(): connect() (collective with the peer: both call it,
// in the same order relative to other connects between them) and
// registerMemory() (GPU or host memory; TCP stages GPU memory through pinned
// buffers). Every connection has kSemaphores inbound semaphores from the
// start: host-mapped pinned counters that the peer's signals bump (the GPU
// waits on their device view) plus a device-memory `expected` counter each.
// Ids: a put names the peer's region id, a signal the peer's semaphore id;
// both sides agree on ids by construction (e.g. the same id on both).
// Lifetime: outlives every kernel that uses its FIFO or semaphores; stop()
// (or the destructor) joins the proxy thread.
class PortService {
 public:
  static constexpr uint32_t kSemaphores = 64;
  struct Semaphore {
    uint64_t* hostInbound = nullptr;    // counter the peer's signals bump (host view)
    uint64_t* deviceInbound = nullptr;  // the same counter, device view
    uint64_t* expected = nullptr;       // device memory: signals consumed by waits
  };

  // hostProducers: the FIFO in host memory, for host threads pushing with
  // Fifo::push (tests, host-driven traffic); GPU threads cannot push then.
  explicit PortService(Communicator& comm, bool hostProducers = false);
  ~PortService();
  PortService(const PortService&) = delete;
  PortService& operator=(const PortService&) = delete;

  // Connects to `peer` over `transport` ("tcp", "ib", "auto"; empty: from
  // LCCL_TRANSPORT) and returns the connection index used in requests.
  uint32_t connect(int peer, const std::string& transport = "");
  void registerMemory(uint32_t connection, uint32_t id, void* ptr, size_t bytes);
  Semaphore semaphore(uint32_t connection, uint32_t id) const;
  int peer(uint32_t connection) const;
  const TransportCaps& caps(uint32_t connection) const;
  uint32_t connections() const;

  // Starts the proxy. Collective with the peers of connections whose
  // transport needs a key exchange (IB; not TCP): their keys travel over the
  // bootstrap first.
  void start();
  void stop();
  bool running() const;
  // Throws the proxy's first transport error, if any.
  void rethrowIfError() const;

  Communicator& comm() const;
  Fifo& fifo() const;
  ProxyService& proxy() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lccl
