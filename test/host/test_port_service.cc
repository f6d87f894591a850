// Port channels: node assignment (LCCL_PRETEND_NODES), LCCL_TRANSPORT
// parsing, and PortService end to end on the host: three ranks (threads,
// TCP bootstrap) connect every pair over TCP, push puts and signals with
// Fifo::push and check the data and the semaphore counters. Large puts in
// every direction at once make the proxies block on each other in a cycle
// unless they keep receiving while they send (the progress hook).
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "lccl/communicator.hpp"
#include "lccl/proxy.hpp"
#include "test_boot_util.hpp"

namespace {

using namespace std::chrono_literals;

TEST(PortNodes, OneHostSplitIntoPretendNodes) {
  const std::vector<std::string> h(4, "a");
  EXPECT_EQ(lccl::assignNodes(h, 1), (std::vector<int>{0, 0, 0, 0}));
  EXPECT_EQ(lccl::assignNodes(h, 2), (std::vector<int>{0, 0, 1, 1}));
  EXPECT_EQ(lccl::assignNodes(h, 4), (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(lccl::assignNodes(h, 64), (std::vector<int>{0, 1, 2, 3}));  // at most one per rank
  EXPECT_EQ(lccl::assignNodes({"a", "a"}, 2), (std::vector<int>{0, 1}));
}

TEST(PortNodes, HostsAreNodesAndSplitEach) {
  const std::vector<std::string> h{"a", "b", "a", "b"};
  EXPECT_EQ(lccl::assignNodes(h, 1), (std::vector<int>{0, 1, 0, 1}));
  EXPECT_EQ(lccl::assignNodes(h, 2), (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(lccl::assignNodes({"x", "x", "x", "y", "y", "y"}, 2),
            (std::vector<int>{0, 0, 1, 2, 2, 3}));
}

TEST(PortNodes, TransportChoiceNames) {
  EXPECT_STREQ(lccl::portTransportName(lccl::TransportChoice::Tcp), "tcp");
  EXPECT_STREQ(lccl::portTransportName(lccl::TransportChoice::Ib), "ib");
  EXPECT_STREQ(lccl::portTransportName(lccl::TransportChoice::Auto), "auto");
}

constexpr int kRanks = 3;
constexpr size_t kBytes = 8u << 20;  // per direction: larger than loopback socket buffers

char byteOf(int from, int to, size_t i) {
  return static_cast<char>((from * 31 + to * 7 + i * 13 + (i >> 11)) & 0xff);
}

lccl::ProxyRequest request(lccl::ProxyRequestType t, uint32_t conn, uint32_t dst, uint32_t src,
                           uint32_t size) {
  lccl::ProxyRequestFields f;
  f.type = t;
  f.connection = conn;
  f.dstMem = dst;
  f.srcMem = src;
  f.size = size;
  return lccl::ProxyRequest::encode(f);
}

bool waitCounter(const uint64_t* c, uint64_t want, std::chrono::seconds bound) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (__atomic_load_n(c, __ATOMIC_ACQUIRE) < want)
    if (std::chrono::steady_clock::now() > deadline) return false;
    else std::this_thread::sleep_for(100us);
  return true;
}

// Rank r: connections to every peer (ascending), region 0 = what r sends
// that peer, region 1 = what it receives from it; one put + signal to each
// peer, then wait for each peer's signal and check its bytes.
void serviceRank(const std::shared_ptr<lccl::Bootstrap>& boot) {
  lccl::Communicator comm(boot);
  const int r = comm.rank();
  lccl::PortService svc(comm, /*hostProducers=*/true);
  std::vector<std::vector<char>> out(kRanks, std::vector<char>(kBytes));
  std::vector<std::vector<char>> in(kRanks, std::vector<char>(kBytes, 0));
  std::vector<uint32_t> conn(kRanks);
  for (int p = 0; p < kRanks; ++p) {
    if (p == r) continue;
    for (size_t i = 0; i < kBytes; ++i) out[p][i] = byteOf(r, p, i);
    conn[p] = svc.connect(p, "tcp");
    EXPECT_EQ(svc.peer(conn[p]), p);
    EXPECT_TRUE(svc.caps(conn[p]).proxyStagesGpuMemory);
    svc.registerMemory(conn[p], 0, out[p].data(), kBytes);
    svc.registerMemory(conn[p], 1, in[p].data(), kBytes);
  }
  svc.start();
  for (int p = 0; p < kRanks; ++p)
    if (p != r)
      svc.fifo().push(request(lccl::ProxyRequestType::PutWithSignal, conn[p], 1, 0, kBytes), 30s);
  for (int p = 0; p < kRanks; ++p) {
    if (p == r) continue;
    ASSERT_TRUE(waitCounter(svc.semaphore(conn[p], 1).hostInbound, 1, 60s))
        << "rank " << r << ": no signal from rank " << p;
    for (size_t i = 0; i < kBytes; ++i)
      ASSERT_EQ(in[p][i], byteOf(p, r, i)) << "rank " << r << " from " << p << " byte " << i;
    EXPECT_EQ(*svc.semaphore(conn[p], 0).hostInbound, 0u);
  }
  boot->barrier();  // nobody closes a connection a peer still reads from
  svc.rethrowIfError();
  svc.stop();
}

TEST(PortService, ThreeRanksPutWithSignalEveryDirectionAtOnce) {
  auto group = boottest::makeGroup(kRanks, boottest::loopbackId());
  std::vector<std::shared_ptr<lccl::Bootstrap>> boots;
  for (auto& g : group) boots.emplace_back(std::move(g));
  auto errs = boottest::runRanks(kRanks, [&](int r) { serviceRank(boots[r]); });
  for (int r = 0; r < kRanks; ++r) EXPECT_FALSE(errs[r]) << "rank " << r << ": " << boottest::what(errs[r]);
}

TEST(PortService, SetupAfterStartIsRefused) {
  auto group = boottest::makeGroup(2, boottest::loopbackId());
  std::vector<std::shared_ptr<lccl::Bootstrap>> boots;
  for (auto& g : group) boots.emplace_back(std::move(g));
  auto errs = boottest::runRanks(2, [&](int r) {
    lccl::Communicator comm(boots[r]);
    lccl::PortService svc(comm, true);
    const uint32_t c = svc.connect(1 - r, "tcp");
    EXPECT_THROW(svc.semaphore(c, lccl::PortService::kSemaphores), lccl::InvalidArgumentError);
    EXPECT_THROW(svc.registerMemory(c + 1, 0, nullptr, 0), lccl::InvalidArgumentError);
    svc.start();
    std::vector<char> buf(64);
    EXPECT_THROW(svc.registerMemory(c, 0, buf.data(), buf.size()), lccl::InvalidUsageError);
    EXPECT_THROW(svc.connect(1 - r, "tcp"), lccl::InvalidUsageError);
    boots[r]->barrier();
    svc.stop();
  });
  for (int r = 0; r < 2; ++r) EXPECT_FALSE(errs[r]) << boottest::what(errs[r]);
}

}  // namespace
