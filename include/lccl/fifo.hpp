// lccl/fifo.hpp — the request FIFO between producers (GPU threads or host
// threads) and the host proxy of port channels.
//
// A bounded, multi-producer, single-consumer, lock-free ring of 16-byte
// ProxyRequests. It lives in memory both sides reach: for GPU producers the
// slots and the tail are host-mapped pinned memory and the head counter is
// device memory (see FifoMemory); host tests use plain aligned memory.
//
// Protocol (N = capacity, a power of two; counters never wrap in practice):
//   producer  pos = head.fetch_add(1)                      (claims slot pos % N)
//             wait until pos < tail + N                    (acquire load of tail;
//                                                           back-pressure, bounded)
//             store slot.lo (relaxed), then slot.hi with RELEASE: hi is never 0
//             for a valid request (the type field is its nonzero tag)
//   consumer  hi = slot[tail % N].hi (ACQUIRE); 0: empty, nothing to do
//             read lo; clear the slot (hi = lo = 0); tail.store(tail+1, RELEASE)
// Guarantees: no loss, no duplication; requests of one producer are consumed
// in the order that producer pushed them; a producer's writes before a push
// happen-before the consumer's handling of that request.
//
// Back-pressure: a producer whose slot is still occupied (the consumer is N
// requests behind) waits, bounded by its timeout. tryPush() never waits (it
// claims with a compare-and-swap only when a slot is free) and returns false
// when full: that is the non-blocking form. A push that times out has
// already claimed its slot: the FIFO is then broken (the consumer stops at
// that hole); the timeout means the proxy is dead or stalled, and the
// communicator aborts (device pushes raise DeviceErrorSlot::abort).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>

namespace lccl {

enum class ProxyRequestType : uint32_t {
  None = 0,           // empty slot
  Put = 1,            // copy size bytes: local srcMem+srcOffset -> peer dstMem+dstOffset
  Signal = 2,         // bump the peer's semaphore `dstMem` (after earlier puts land)
  PutWithSignal = 3,  // Put, then Signal semaphore `dstMem` of the connection
  Flush = 4,          // wait until every earlier request of the connection completed
};

// Decoded request. Bit widths (what fits in 16 bytes):
//   offsets 32 bits each (< 4 GiB into a registered region), size 32 bits,
//   connection 11 bits (< 2048 connections per proxy), srcMem/dstMem 8 bits
//   (< 256 registered regions or semaphores per connection).
// Semaphores: Signal bumps semaphore `dstMem` of the connection; PutWithSignal
// writes region `dstMem` and then bumps semaphore `dstMem` (region i pairs with
// semaphore i), so one encoding serves all four types.
struct ProxyRequestFields {
  ProxyRequestType type = ProxyRequestType::None;
  uint32_t connection = 0;
  uint32_t srcMem = 0;
  uint32_t dstMem = 0;
  uint32_t srcOffset = 0;
  uint32_t dstOffset = 0;
  uint32_t size = 0;
};

// The wire form in a FIFO slot: lo = dstOffset | srcOffset << 32,
// hi = size | srcMem << 32 | dstMem << 40 | connection << 48 | type << 60.
// hi != 0 for every valid request (type >= 1): it is the slot's publish tag.
struct ProxyRequest {
  uint64_t lo = 0;
  uint64_t hi = 0;

  static constexpr uint32_t kMaxConnections = 1u << 11;
  static constexpr uint32_t kMaxMemIds = 1u << 8;

  static constexpr ProxyRequest encode(const ProxyRequestFields& f) {
    ProxyRequest r;
    r.lo = uint64_t{f.dstOffset} | (uint64_t{f.srcOffset} << 32);
    r.hi = uint64_t{f.size} | (uint64_t{f.srcMem & 0xffu} << 32) |
           (uint64_t{f.dstMem & 0xffu} << 40) | (uint64_t{f.connection & 0x7ffu} << 48) |
           (uint64_t{static_cast<uint32_t>(f.type) & 0xfu} << 60);
    return r;
  }
  constexpr ProxyRequestFields decode() const {
    ProxyRequestFields f;
    f.dstOffset = static_cast<uint32_t>(lo);
    f.srcOffset = static_cast<uint32_t>(lo >> 32);
    f.size = static_cast<uint32_t>(hi);
    f.srcMem = static_cast<uint32_t>(hi >> 32) & 0xffu;
    f.dstMem = static_cast<uint32_t>(hi >> 40) & 0xffu;
    f.connection = static_cast<uint32_t>(hi >> 48) & 0x7ffu;
    f.type = static_cast<ProxyRequestType>((hi >> 60) & 0xfu);
    return f;
  }
};
static_assert(sizeof(ProxyRequest) == 16, "a FIFO slot is 16 bytes");
static_assert(std::is_trivially_copyable_v<ProxyRequest>, "requests are copied by value");

// Raw addresses of a FIFO as one side sees them. Trivially copyable: the
// device push (lccl/primitives/fifo_device.hpp) receives it by value.
struct FifoLayout {
  ProxyRequest* slots = nullptr;  // capacity slots, 16-byte aligned
  uint64_t* head = nullptr;       // producers: next position to claim
  uint64_t* tail = nullptr;       // consumer: next position to read
  uint32_t capacity = 0;          // power of two
  uint32_t id = 0;                // recorded in device timeout reports
};
static_assert(std::is_trivially_copyable_v<FifoLayout>, "FifoLayout is passed to kernels");

// Where a FIFO's memory comes from. Shared regions (slots, tail) must be
// reachable by producers and the consumer; the producer region (head) only by
// producers. Each region is returned zeroed with a host view and the
// producers' view (equal for host memory).
class FifoMemory {
 public:
  enum class Region { Shared, Producer };
  struct Block {
    void* host = nullptr;
    void* producer = nullptr;
  };
  virtual ~FifoMemory() = default;
  virtual Block allocate(Region region, size_t bytes) = 0;
  virtual void release(Region region, const Block& block) = 0;
};

// Plain 64-byte-aligned host memory: host producers only (tests, host traffic).
std::shared_ptr<FifoMemory> hostFifoMemory();
// Host-mapped pinned slots/tail plus a device-memory head: GPU producers.
std::shared_ptr<FifoMemory> deviceFifoMemory();

class Fifo {
 public:
  // capacity: rounded up to a power of two, at least 2 (LCCL_PROXY_FIFO_SIZE
  // is the usual source).
  Fifo(uint32_t capacity, std::shared_ptr<FifoMemory> memory, uint32_t id = 0);
  ~Fifo();
  Fifo(const Fifo&) = delete;
  Fifo& operator=(const Fifo&) = delete;

  uint32_t capacity() const;
  FifoLayout producerLayout() const;  // addresses for producers (device view)
  FifoLayout hostLayout() const;      // addresses for the host

  // Host producers (any number of threads; memory must be hostFifoMemory()).
  // push: claims a slot, waits at most `timeout` for it to be free, publishes.
  // Throws TimeoutError on expiry (the FIFO is then broken, see above).
  void push(const ProxyRequest& req, std::chrono::milliseconds timeout);
  // tryPush: publishes and returns true when a slot is free now, else false.
  bool tryPush(const ProxyRequest& req);

  // Consumer (one thread): takes the oldest published request, if any.
  bool poll(ProxyRequest& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lccl
