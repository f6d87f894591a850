// Port channels: the proxy service (start/stop, dispatch, error path).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "lccl/errors.hpp"
#include "lccl/proxy.hpp"

namespace {

using namespace std::chrono_literals;
using lccl::ProxyRequest;
using lccl::ProxyRequestFields;
using lccl::ProxyRequestType;

// Records calls; throws on a put of `failSize` bytes.
class RecordingTransport : public lccl::PortTransport {
 public:
  const lccl::TransportCaps& caps() const override { return caps_; }
  int remoteRank() const override { return 1; }
  void registerMemory(uint32_t, void*, size_t) override {}
  void registerSemaphores(uint64_t*, uint32_t) override {}
  void put(uint32_t dst, uint64_t dstOff, uint32_t src, uint64_t srcOff, uint64_t size) override {
    if (size == failSize) throw lccl::RemoteError(lccl::ErrorSite{"mock.put"}, "link down");
    record('P', dst * 1000000 + dstOff * 1000 + size);
  }
  void signal(uint32_t sem) override { record('S', sem); }
  void flush() override { record('F', 0); }
  void poll() override { polls++; }

  std::vector<std::pair<char, uint64_t>> calls() {
    std::lock_guard<std::mutex> l(m_);
    return calls_;
  }
  std::atomic<uint64_t> polls{0};
  uint64_t failSize = ~0ull;

 private:
  void record(char c, uint64_t v) {
    std::lock_guard<std::mutex> l(m_);
    calls_.emplace_back(c, v);
  }
  lccl::TransportCaps caps_;
  std::mutex m_;
  std::vector<std::pair<char, uint64_t>> calls_;
};

ProxyRequest req(ProxyRequestType t, uint32_t conn, uint32_t dstMem, uint32_t dstOff,
                 uint32_t size) {
  ProxyRequestFields f;
  f.type = t;
  f.connection = conn;
  f.dstMem = dstMem;
  f.dstOffset = dstOff;
  f.size = size;
  return ProxyRequest::encode(f);
}

template <class Pred>
bool eventually(Pred p, std::chrono::milliseconds bound = 30000ms) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (!p()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

TEST(PortProxy, StartsAndStopsPromptly) {
  auto fifo = std::make_shared<lccl::Fifo>(16, lccl::hostFifoMemory());
  lccl::ProxyService proxy(fifo, {});
  auto t = std::make_shared<RecordingTransport>();
  proxy.addTransport(t);
  proxy.start();
  EXPECT_TRUE(proxy.running());
  EXPECT_TRUE(eventually([&] { return t->polls.load() > 0; })) << "idle proxy polls transports";
  const auto t0 = std::chrono::steady_clock::now();
  proxy.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  EXPECT_FALSE(proxy.running());
  proxy.stop();  // idempotent
  proxy.start();  // restartable
  proxy.stop();
}

TEST(PortProxy, DispatchesInPushOrderToTheRightConnection) {
  auto fifo = std::make_shared<lccl::Fifo>(4, lccl::hostFifoMemory());
  lccl::ProxyService proxy(fifo, {});
  auto a = std::make_shared<RecordingTransport>();
  auto b = std::make_shared<RecordingTransport>();
  EXPECT_EQ(proxy.addTransport(a), 0u);
  EXPECT_EQ(proxy.addTransport(b), 1u);
  proxy.start();
  for (uint32_t i = 0; i < 100; ++i) {
    fifo->push(req(ProxyRequestType::PutWithSignal, i % 2, 3, i, 8), 20000ms);
    if (i % 10 == 9) fifo->push(req(ProxyRequestType::Flush, 0, 0, 0, 0), 20000ms);
  }
  ASSERT_TRUE(eventually([&] { return proxy.handled() == 110; }));
  proxy.stop();
  proxy.rethrowIfError();
  const auto ca = a->calls();
  ASSERT_EQ(ca.size(), 50u * 2 + 10);
  EXPECT_EQ(ca[0], std::make_pair('P', uint64_t{3000008}));
  EXPECT_EQ(ca[1], std::make_pair('S', uint64_t{3}));
  EXPECT_EQ(b->calls().size(), 100u);
}

TEST(PortProxy, TransportErrorIsStoredAndAbortsDeviceWaits) {
  auto fifo = std::make_shared<lccl::Fifo>(8, lccl::hostFifoMemory());
  lccl::DeviceErrorSlot slot{};
  lccl::ProxyService::Options opt;
  opt.errorSlot = &slot;
  opt.rank = 3;
  lccl::ProxyService proxy(fifo, opt);
  auto t = std::make_shared<RecordingTransport>();
  t->failSize = 13;
  proxy.addTransport(t);
  proxy.start();
  fifo->push(req(ProxyRequestType::Put, 0, 0, 0, 13), 20000ms);
  for (int i = 0; i < 20; ++i) fifo->push(req(ProxyRequestType::Signal, 0, 1, 0, 0), 20000ms);
  ASSERT_TRUE(eventually([&] { return proxy.handled() == 21; })) << "keeps draining after an error";
  proxy.stop();
  EXPECT_THROW(proxy.rethrowIfError(), lccl::RemoteError);
  EXPECT_EQ(slot.abort, 1u);
  EXPECT_EQ(slot.kind, static_cast<uint32_t>(lccl::DeviceErrorKind::Aborted));
  EXPECT_EQ(slot.rank, 3);
  EXPECT_TRUE(t->calls().empty()) << "requests after the error are dropped";
}

TEST(PortProxy, UnknownConnectionIsAnError) {
  auto fifo = std::make_shared<lccl::Fifo>(8, lccl::hostFifoMemory());
  lccl::ProxyService proxy(fifo, {});
  proxy.start();
  fifo->push(req(ProxyRequestType::Signal, 5, 0, 0, 0), 20000ms);
  ASSERT_TRUE(eventually([&] { return proxy.error() != nullptr; }));
  proxy.stop();
  EXPECT_THROW(proxy.rethrowIfError(), lccl::InvalidArgumentError);
}

}  // namespace
