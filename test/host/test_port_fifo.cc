// Port channels: the proxy request FIFO (host producers, one consumer).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "lccl/errors.hpp"
#include "lccl/fifo.hpp"

namespace {

using namespace std::chrono_literals;
using lccl::Fifo;
using lccl::ProxyRequest;
using lccl::ProxyRequestFields;
using lccl::ProxyRequestType;

ProxyRequest tagged(uint32_t producer, uint32_t seq) {
  ProxyRequestFields f;
  f.type = ProxyRequestType::Put;
  f.connection = producer;
  f.srcOffset = seq;
  f.dstOffset = ~seq;
  f.size = seq * 3u;
  return ProxyRequest::encode(f);
}

TEST(PortFifo, RequestEncodingRoundTrips) {
  ProxyRequestFields f;
  f.type = ProxyRequestType::PutWithSignal;
  f.connection = 2047;
  f.srcMem = 255;
  f.dstMem = 7;
  f.srcOffset = 0xfedcba98u;
  f.dstOffset = 0x12345678u;
  f.size = 0xffffffffu;
  const ProxyRequestFields g = ProxyRequest::encode(f).decode();
  EXPECT_EQ(g.type, f.type);
  EXPECT_EQ(g.connection, f.connection);
  EXPECT_EQ(g.srcMem, f.srcMem);
  EXPECT_EQ(g.dstMem, f.dstMem);
  EXPECT_EQ(g.srcOffset, f.srcOffset);
  EXPECT_EQ(g.dstOffset, f.dstOffset);
  EXPECT_EQ(g.size, f.size);
  EXPECT_NE(ProxyRequest::encode(ProxyRequestFields{ProxyRequestType::Flush}).hi, 0u)
      << "a published slot's tag word is never zero";
}

TEST(PortFifo, CapacityRoundsUpToPowerOfTwo) {
  EXPECT_EQ(Fifo(5, lccl::hostFifoMemory()).capacity(), 8u);
  EXPECT_EQ(Fifo(1, lccl::hostFifoMemory()).capacity(), 2u);
  EXPECT_EQ(Fifo(512, lccl::hostFifoMemory()).capacity(), 512u);
}

// Producers with fetch-add claims and one consumer: nothing lost or
// duplicated, each producer's requests arrive in order.
void runProducers(int producers, uint32_t perProducer, uint32_t capacity, bool useTryPush) {
  Fifo fifo(capacity, lccl::hostFifoMemory());
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p)
    threads.emplace_back([&, p] {
      for (uint32_t s = 0; s < perProducer; ++s) {
        const ProxyRequest r = tagged(static_cast<uint32_t>(p), s);
        if (!useTryPush) {
          ASSERT_NO_THROW(fifo.push(r, 60000ms)) << "producer " << p << " seq " << s;
          continue;
        }
        const auto give_up = std::chrono::steady_clock::now() + 60s;
        while (!fifo.tryPush(r)) {
          ASSERT_LT(std::chrono::steady_clock::now(), give_up);
          std::this_thread::yield();
        }
      }
    });
  std::vector<uint32_t> next(producers, 0);
  uint64_t total = 0;
  const uint64_t want = uint64_t{perProducer} * producers;
  // Hang guards only (the machine may be busy): generous, never a timing check.
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  ProxyRequest r;
  while (total < want && std::chrono::steady_clock::now() < deadline) {
    if (!fifo.poll(r)) {
      std::this_thread::yield();  // 2 cores, up to 9 threads: let a preempted producer publish
      continue;
    }
    const ProxyRequestFields f = r.decode();
    ASSERT_LT(f.connection, static_cast<uint32_t>(producers));
    ASSERT_EQ(f.srcOffset, next[f.connection]) << "producer " << f.connection << " out of order";
    ASSERT_EQ(f.dstOffset, ~f.srcOffset);
    ASSERT_EQ(f.size, f.srcOffset * 3u);
    ++next[f.connection];
    ++total;
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(total, want);
  EXPECT_FALSE(fifo.poll(r)) << "no duplicate after the last request";
}

TEST(PortFifo, ConcurrentProducersKeepOrderNoLossNoDuplication) {
  runProducers(6, 5000, 64, false);
}
TEST(PortFifo, EightProducersTinyFifo) { runProducers(8, 500, 2, false); }
TEST(PortFifo, TryPushProducers) { runProducers(4, 5000, 16, true); }

TEST(PortFifo, BackPressureIsBoundedAndReported) {
  Fifo fifo(4, lccl::hostFifoMemory());
  for (uint32_t i = 0; i < 4; ++i) ASSERT_TRUE(fifo.tryPush(tagged(0, i)));
  EXPECT_FALSE(fifo.tryPush(tagged(0, 4))) << "full: tryPush refuses without claiming";
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_THROW(fifo.push(tagged(0, 5), 50ms), lccl::TimeoutError);
  const auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(waited, 50ms);
  EXPECT_LT(waited, 30s) << "the wait must end (hang guard, not a timing check)";
}

TEST(PortFifo, PushWaitsUntilTheConsumerFreesASlot) {
  Fifo fifo(2, lccl::hostFifoMemory());
  fifo.push(tagged(0, 0), 100ms);
  fifo.push(tagged(0, 1), 100ms);
  std::atomic<bool> pushed{false};
  std::thread producer([&] {
    fifo.push(tagged(0, 2), 5000ms);
    pushed = true;
  });
  std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(pushed.load());
  ProxyRequest r;
  ASSERT_TRUE(fifo.poll(r));
  producer.join();
  EXPECT_TRUE(pushed.load());
  for (uint32_t want : {1u, 2u}) {
    ASSERT_TRUE(fifo.poll(r));
    EXPECT_EQ(r.decode().srcOffset, want);
  }
  EXPECT_FALSE(fifo.poll(r));
}

TEST(PortFifo, RejectsEmptyRequests) {
  Fifo fifo(4, lccl::hostFifoMemory());
  EXPECT_THROW(fifo.push(ProxyRequest{}, 10ms), lccl::InvalidArgumentError);
  EXPECT_THROW(fifo.tryPush(ProxyRequest{}), lccl::InvalidArgumentError);
}

}  // namespace
