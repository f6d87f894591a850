// The request FIFO: host side (allocation, host producers, the consumer).
#include "lccl/fifo.hpp"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "lccl/errors.hpp"
#include "lccl/gpu.hpp"

namespace lccl {
namespace {

constexpr size_t kAlign = 64;

uint32_t roundUpPow2(uint32_t v) {
  uint32_t c = 2;
  while (c < v && c < (1u << 30)) c <<= 1;
  return c;
}

// std::atomic_ref is C++20; these cast the shared words to atomics (same
// size and alignment as uint64_t on every supported platform).
std::atomic<uint64_t>& atom(uint64_t* p) { return *reinterpret_cast<std::atomic<uint64_t>*>(p); }
static_assert(sizeof(std::atomic<uint64_t>) == sizeof(uint64_t), "lock-free 64-bit atomics");

class HostFifoMemory : public FifoMemory {
 public:
  Block allocate(Region, size_t bytes) override {
    size_t rounded = (bytes + kAlign - 1) / kAlign * kAlign;
    void* p = std::aligned_alloc(kAlign, rounded);
    if (p == nullptr) throw SystemError(ErrorSite{"Fifo.allocate"}, "aligned_alloc", ENOMEM);
    std::memset(p, 0, rounded);
    return Block{p, p};
  }
  void release(Region, const Block& b) override { std::free(b.host); }
};

class DeviceFifoMemory : public FifoMemory {
 public:
  Block allocate(Region region, size_t bytes) override {
    Block b;
    if (region == Region::Shared) {
      LCCL_CUDA_CHECK(gpuHostAlloc(&b.host, bytes, gpuHostAllocMapped));
      std::memset(b.host, 0, bytes);
      LCCL_CUDA_CHECK(gpuHostGetDevicePointer(&b.producer, b.host, 0));
    } else {
      LCCL_CUDA_CHECK(gpuMalloc(&b.producer, bytes));
      LCCL_CUDA_CHECK(gpuMemset(b.producer, 0, bytes));
    }
    return b;
  }
  void release(Region region, const Block& b) override {
    if (region == Region::Shared) (void)gpuFreeHost(b.host);
    else (void)gpuFree(b.producer);
  }
};

}  // namespace

std::shared_ptr<FifoMemory> hostFifoMemory() { return std::make_shared<HostFifoMemory>(); }
std::shared_ptr<FifoMemory> deviceFifoMemory() { return std::make_shared<DeviceFifoMemory>(); }

struct Fifo::Impl {
  std::shared_ptr<FifoMemory> memory;
  FifoMemory::Block shared;    // slots, then the tail on its own cache line
  FifoMemory::Block producer;  // the head counter
  FifoLayout host;
  FifoLayout device;

  void publish(uint64_t pos, const ProxyRequest& req) {
    ProxyRequest& slot = host.slots[pos & (host.capacity - 1)];
    atom(&slot.lo).store(req.lo, std::memory_order_relaxed);
    atom(&slot.hi).store(req.hi, std::memory_order_release);  // the tag, last
  }
  bool slotFree(uint64_t pos) const {
    return pos < atom(host.tail).load(std::memory_order_acquire) + host.capacity;
  }
};

Fifo::Fifo(uint32_t capacity, std::shared_ptr<FifoMemory> memory, uint32_t id)
    : impl_(std::make_unique<Impl>()) {
  if (!memory) throw InvalidArgumentError(ErrorSite{"Fifo"}, "no FifoMemory given");
  const uint32_t cap = roundUpPow2(capacity);
  const size_t slotBytes = size_t{cap} * sizeof(ProxyRequest);
  impl_->memory = std::move(memory);
  impl_->shared = impl_->memory->allocate(FifoMemory::Region::Shared, slotBytes + kAlign);
  try {
    impl_->producer = impl_->memory->allocate(FifoMemory::Region::Producer, kAlign);
  } catch (...) {
    impl_->memory->release(FifoMemory::Region::Shared, impl_->shared);
    throw;
  }
  auto layout = [&](void* sharedBase, void* producerBase) {
    auto* base = static_cast<char*>(sharedBase);
    return FifoLayout{reinterpret_cast<ProxyRequest*>(base), static_cast<uint64_t*>(producerBase),
                      reinterpret_cast<uint64_t*>(base + slotBytes), cap, id};
  };
  impl_->host = layout(impl_->shared.host, impl_->producer.host);
  impl_->device = layout(impl_->shared.producer, impl_->producer.producer);
}

Fifo::~Fifo() {
  impl_->memory->release(FifoMemory::Region::Producer, impl_->producer);
  impl_->memory->release(FifoMemory::Region::Shared, impl_->shared);
}

uint32_t Fifo::capacity() const { return impl_->host.capacity; }
FifoLayout Fifo::producerLayout() const { return impl_->device; }
FifoLayout Fifo::hostLayout() const { return impl_->host; }

void Fifo::push(const ProxyRequest& req, std::chrono::milliseconds timeout) {
  if (req.hi == 0) throw InvalidArgumentError(ErrorSite{"Fifo.push"}, "request of type None");
  if (impl_->host.head == nullptr)
    throw InvalidUsageError(ErrorSite{"Fifo.push"}, "the head lives in device memory");
  const uint64_t pos = atom(impl_->host.head).fetch_add(1, std::memory_order_relaxed);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (uint32_t spins = 0; !impl_->slotFree(pos); ++spins) {
    if (spins < 64) continue;
    if (std::chrono::steady_clock::now() >= deadline)
      throw TimeoutError(ErrorSite{"Fifo.push"},
                         "FIFO full for " + std::to_string(timeout.count()) +
                             " ms: the proxy is not draining it (FIFO now unusable)");
    std::this_thread::yield();
  }
  impl_->publish(pos, req);
}

bool Fifo::tryPush(const ProxyRequest& req) {
  if (req.hi == 0) throw InvalidArgumentError(ErrorSite{"Fifo.tryPush"}, "request of type None");
  auto& head = atom(impl_->host.head);
  uint64_t pos = head.load(std::memory_order_relaxed);
  do {
    if (!impl_->slotFree(pos)) return false;
  } while (!head.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed));
  impl_->publish(pos, req);
  return true;
}

bool Fifo::poll(ProxyRequest& out) {
  FifoLayout& l = impl_->host;
  const uint64_t t = atom(l.tail).load(std::memory_order_relaxed);  // only we write it
  ProxyRequest& slot = l.slots[t & (l.capacity - 1)];
  const uint64_t hi = atom(&slot.hi).load(std::memory_order_acquire);
  if (hi == 0) return false;
  out.hi = hi;
  out.lo = atom(&slot.lo).load(std::memory_order_relaxed);
  atom(&slot.lo).store(0, std::memory_order_relaxed);
  atom(&slot.hi).store(0, std::memory_order_relaxed);
  atom(l.tail).store(t + 1, std::memory_order_release);  // frees the slot for pos t + N
  return true;
}

}  // namespace lccl
