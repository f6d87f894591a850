// Port channels: the TCP port transport between forked processes (loopback).
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <random>
#include <thread>

#include "../../src/transport/tcp/tcp_transport.hpp"
#include "lccl/fifo.hpp"
#include "test_boot_util.hpp"

namespace {

using namespace std::chrono_literals;
using boottest::Children;
using lccl::detail::TcpMsg;
using lccl::detail::TcpPortHeader;
using lccl::detail::TcpPortTransport;
using Transport = std::shared_ptr<TcpPortTransport>;

constexpr size_t kRegion = 1 << 20;

// A loopback listener in the parent (rank 0); children dial it as rank 1.
struct Link {
  lccl::boot::SockAddr addr = lccl::boot::resolveHostPort("127.0.0.1:0");
  lccl::boot::Fd listener = TcpPortTransport::listen(addr);
  Transport acceptChild(std::chrono::milliseconds timeout = 20000ms) {
    return TcpPortTransport::accept(listener.get(), 0, 1, timeout);
  }
  Transport dialParent(std::chrono::milliseconds timeout = 20000ms) {
    return TcpPortTransport::dial(addr, 1, 0, timeout);
  }
};

struct PutOp {
  uint64_t dst, src, size;
};
// The child's puts for a seed: random sizes (0..64 KiB) and offsets.
std::vector<PutOp> plan(uint32_t seed, int n) {
  std::mt19937_64 rng(seed);
  std::vector<PutOp> ops;
  for (int i = 0; i < n; ++i) {
    uint64_t size = rng() % (64 << 10);
    ops.push_back({rng() % (kRegion - size), rng() % (kRegion - size), size});
  }
  return ops;
}

// Polls `t` until pred() or the bound; false on expiry.
template <class Pred>
bool pollUntil(TcpPortTransport& t, Pred pred, std::chrono::milliseconds bound = 30000ms) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    t.poll();
  }
  return true;
}

bool eventuallyHandled(const lccl::ProxyService& p, uint64_t n) {
  const auto deadline = std::chrono::steady_clock::now() + 30s;  // hang guard
  while (p.handled() < n && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  return p.handled() == n;
}

TcpPortHeader hdr(TcpMsg type, uint32_t id, uint64_t offset, uint64_t size) {
  return TcpPortHeader{lccl::detail::kTcpPortMagic,
                       lccl::detail::kTcpPortVersion,
                       static_cast<uint16_t>(type),
                       id,
                       0,
                       offset,
                       size};
}

uint64_t loadAcquire(const uint64_t* p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }

TEST(PortTcp, PutSignalFlushRandomDataBothWays) {
  const uint32_t seed = 20261126;
  const int n = 60;
  Link link;
  Children kids;
  kids.spawn(1, [&](int) {
    auto t = link.dialParent();
    std::vector<char> src = boottest::payload(seed, 1, 0, kRegion), dst(kRegion, 0);
    uint64_t sems[2] = {0, 0};
    t->registerMemory(0, dst.data(), dst.size());
    t->registerMemory(1, src.data(), src.size());
    t->registerSemaphores(sems, 2);
    for (const PutOp& op : plan(seed, n)) {
      t->put(0, op.dst, 1, op.src, op.size);
      t->signal(0);
    }
    t->flush();  // everything is in the parent's memory now
    // The parent signals twice: after its put, and once its flush returned
    // (we must keep polling to acknowledge that flush).
    if (!pollUntil(*t, [&] { return loadAcquire(&sems[1]) == 2; })) return 3;
    return std::memcmp(dst.data() + 100, src.data() + 5, 4096) == 0 ? 0 : 4;
  });
  auto t = link.acceptChild();
  std::vector<char> dst(kRegion, 0), expect(kRegion, 0);
  uint64_t sems[2] = {0, 0};
  t->registerMemory(0, dst.data(), dst.size());
  t->registerSemaphores(sems, 2);
  ASSERT_TRUE(pollUntil(*t, [&] { return loadAcquire(&sems[0]) == static_cast<uint64_t>(n); }));
  const std::vector<char> src = boottest::payload(seed, 1, 0, kRegion);
  for (const PutOp& op : plan(seed, n))
    std::memcpy(expect.data() + op.dst, src.data() + op.src, op.size);
  EXPECT_EQ(dst, expect);
  std::vector<char> back(src.begin(), src.end());
  t->registerMemory(1, back.data(), back.size());
  t->put(0, 100, 1, 5, 4096);
  t->signal(1);
  t->flush();
  t->signal(1);
  EXPECT_EQ(kids.wait(60000ms), std::vector<int>{0});
}

TEST(PortTcp, PeerKilledMidTransferIsAnErrorNotAHang) {
  Link link;
  Children kids;
  kids.spawn(1, [&](int) {
    auto t = link.dialParent();
    // A put of 1 MiB of which only 1000 bytes ever leave; then we are killed.
    const TcpPortHeader h = hdr(TcpMsg::Put, 0, 0, 1 << 20);
    std::vector<char> part(1000, 7);
    t->sendRawForTest(&h, sizeof h);
    t->sendRawForTest(part.data(), part.size());
    std::this_thread::sleep_for(5000ms);
    return 5;
  });
  auto t = link.acceptChild();
  std::vector<char> dst(1 << 20);
  t->registerMemory(0, dst.data(), dst.size());
  // Kill the sender once the first payload bytes landed: mid-transfer.
  ASSERT_TRUE(pollUntil(*t, [&] { return dst[0] == 7; }));
  kids.signal(0, SIGKILL);
  const auto t0 = std::chrono::steady_clock::now();
  try {
    pollUntil(
        *t, [] { return false; }, 5000ms);
    ADD_FAILURE() << "no error after the peer was killed";
  } catch (const lccl::RemoteError& e) {
    EXPECT_NE(std::string(e.what()).find("mid-transfer"), std::string::npos) << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 4s);
  EXPECT_THROW(t->poll(), lccl::RemoteError) << "unusable afterwards";
  kids.wait(2000ms);
}

TEST(PortTcp, SenderSeesReceiverDeath) {
  Link link;
  Children kids;
  kids.spawn(1, [&](int) {
    auto t = link.dialParent();
    std::this_thread::sleep_for(100ms);
    ::_exit(0);  // gone without reading or saying goodbye
    return 0;
  });
  auto t = link.acceptChild();
  std::vector<char> big(64 << 20, 1);
  t->registerMemory(0, big.data(), big.size());
  EXPECT_THROW(
      {
        t->put(0, 0, 0, 0, big.size());
        t->flush();
      },
      lccl::Error);
  kids.wait(2000ms);
}

TEST(PortTcp, SilentPeerMakesFlushTimeOut) {
  Link link;
  Children kids;
  kids.spawn(1, [&](int) {
    auto t = link.dialParent();
    std::this_thread::sleep_for(3000ms);  // never polls: no acknowledgement
    return 0;
  });
  auto t = TcpPortTransport::accept(link.listener.get(), 0, 1, 200ms);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_THROW(t->flush(), lccl::TimeoutError);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  kids.signal(0, SIGKILL);
  kids.wait(2000ms);
}

struct Malformed {
  const char* name;
  TcpPortHeader header;
};


void PrintTo(const Malformed& m, std::ostream* os) { *os << m.name; }

class PortTcpMalformed : public ::testing::TestWithParam<Malformed> {};

// The parent (receiver) rejects the header with SocketError and closes the
// connection; the child sees EOF.
TEST_P(PortTcpMalformed, RejectedAndConnectionClosed) {
  const TcpPortHeader bad = GetParam().header;
  Link link;
  Children kids;
  kids.spawn(1, [&](int) {
    auto t = link.dialParent();
    t->sendRawForTest(&bad, sizeof bad);
    char byte;
    pollfd p{t->fdForTest(), POLLIN, 0};
    if (::poll(&p, 1, 3000) != 1) return 6;                   // no EOF: not closed
    return ::recv(t->fdForTest(), &byte, 1, 0) == 0 ? 0 : 7;  // EOF expected
  });
  auto t = link.acceptChild();
  std::vector<char> region(4096);
  uint64_t sem = 0;
  t->registerMemory(0, region.data(), region.size());
  t->registerSemaphores(&sem, 1);
  EXPECT_THROW(pollUntil(
                   *t, [] { return false; }, 3000ms),
               lccl::SocketError);
  EXPECT_EQ(kids.wait(5000ms), std::vector<int>{0});
  EXPECT_EQ(sem, 0u);
}

TcpPortHeader badMagic() {
  auto h = hdr(TcpMsg::Signal, 0, 0, 0);
  h.magic = 0xdeadbeef;
  return h;
}

INSTANTIATE_TEST_SUITE_P(
    Headers, PortTcpMalformed,
    ::testing::Values(Malformed{"BadMagic", badMagic()},
                      Malformed{"UnknownType", hdr(static_cast<TcpMsg>(99), 0, 0, 0)},
                      Malformed{"UnregisteredRegion", hdr(TcpMsg::Put, 9, 0, 16)},
                      Malformed{"PastRegionEnd", hdr(TcpMsg::Put, 0, 4000, 200)},
                      Malformed{"OffsetOverflow", hdr(TcpMsg::Put, 0, ~0ull - 8, 16)},
                      Malformed{"HugeSize", hdr(TcpMsg::Put, 0, 0, 1ull << 40)},
                      Malformed{"UnknownSemaphore", hdr(TcpMsg::Signal, 1, 0, 0)},
                      Malformed{"SignalWithBody", hdr(TcpMsg::Signal, 0, 0, 8)},
                      Malformed{"SecondHello", hdr(TcpMsg::Hello, 1, 0, 0)}),
    [](const ::testing::TestParamInfo<Malformed>& i) { return std::string(i.param.name); });

TEST(PortTcp, HelloWithWrongRankIsRefused) {
  Link link;
  Children kids;
  kids.spawn(1, [&](int) {
    try {
      TcpPortTransport::dial(link.addr, 2, 0, 1000ms);  // claims to be rank 2
    } catch (const lccl::Error&) {
    }
    return 0;
  });
  EXPECT_THROW(link.acceptChild(1000ms), lccl::SocketError);
  kids.wait(3000ms);
}

// Setup through a real bootstrap: two ranks as threads exchange addresses.
TEST(PortTcp, ConnectsThroughTheBootstrap) {
  auto group = boottest::makeGroup(2, boottest::loopbackId());
  std::vector<Transport> ts(2);
  auto errs = boottest::runRanks(2, [&](int r) {
    ts[r] = lccl::detail::connectTcpPort(*group[r], 1 - r, lccl::kPortBootstrapTag, 5000ms);
  });
  for (auto& e : errs) ASSERT_FALSE(e) << boottest::what(e);
  EXPECT_TRUE(ts[0]->caps().needsProxy);
  EXPECT_FALSE(ts[0]->caps().directLoadStore);
  EXPECT_TRUE(ts[0]->caps().proxyStagesGpuMemory);  // GPU regions: CUDA copies on the proxy
  EXPECT_EQ(ts[1]->remoteRank(), 0);
  std::vector<char> a(256, 'a'), b(256, 0);
  uint64_t sem = 0;
  ts[0]->registerMemory(0, a.data(), a.size());
  ts[1]->registerMemory(0, b.data(), b.size());
  ts[1]->registerSemaphores(&sem, 1);
  ts[0]->put(0, 0, 0, 0, a.size());
  ts[0]->signal(0);
  ASSERT_TRUE(pollUntil(*ts[1], [&] { return loadAcquire(&sem) == 1; }));
  EXPECT_EQ(a, b);
}

// The whole host path: requests pushed into a FIFO, a proxy on each side
// driving TCP, data and signals landing in the peer's memory.
TEST(PortTcp, ProxyDrivesTheTransportEndToEnd) {
  auto group = boottest::makeGroup(2, boottest::loopbackId());
  std::vector<Transport> ts(2);
  auto errs = boottest::runRanks(2, [&](int r) {
    ts[r] = lccl::detail::connectTcpPort(*group[r], 1 - r, lccl::kPortBootstrapTag, 5000ms);
  });
  for (auto& e : errs) ASSERT_FALSE(e) << boottest::what(e);
  const std::vector<char> src = boottest::payload(7, 0, 1, kRegion);
  std::vector<char> dst(kRegion, 0);
  uint64_t sems[4] = {0, 0, 0, 0};  // PutWithSignal into region 3 bumps semaphore 3
  ts[0]->registerMemory(2, const_cast<char*>(src.data()), src.size());
  ts[1]->registerMemory(3, dst.data(), dst.size());
  ts[1]->registerSemaphores(sems, 4);
  std::vector<std::shared_ptr<lccl::Fifo>> fifos;
  std::vector<std::unique_ptr<lccl::ProxyService>> proxies;
  for (int r = 0; r < 2; ++r) {
    fifos.push_back(std::make_shared<lccl::Fifo>(8, lccl::hostFifoMemory()));
    proxies.push_back(
        std::make_unique<lccl::ProxyService>(fifos[r], lccl::ProxyService::Options{}));
    proxies[r]->addTransport(ts[r]);
    proxies[r]->start();
  }
  const uint32_t chunk = kRegion / 16;
  for (uint32_t i = 0; i < 16; ++i) {
    lccl::ProxyRequestFields f;
    f.type = i % 4 == 3 ? lccl::ProxyRequestType::PutWithSignal : lccl::ProxyRequestType::Put;
    f.srcMem = 2;
    f.dstMem = 3;
    f.srcOffset = f.dstOffset = i * chunk;
    f.size = chunk;
    fifos[0]->push(lccl::ProxyRequest::encode(f), 2000ms);
  }
  fifos[0]->push(lccl::ProxyRequest::encode({lccl::ProxyRequestType::Flush}), 2000ms);
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (loadAcquire(&sems[3]) < 4 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  EXPECT_EQ(loadAcquire(&sems[3]), 4u);
  EXPECT_EQ(dst, src);
  EXPECT_TRUE(eventuallyHandled(*proxies[0], 17));
  for (auto& p : proxies) p->stop();
  for (auto& p : proxies) EXPECT_EQ(p->error(), nullptr);
}

}  // namespace

namespace {

// The staging path of GPU regions (chunking through bounce buffers), with
// host buffers standing in for GPU memory: puts of sizes around the chunk
// size in both directions at once, each followed by a signal; the receiver
// checks every byte once the signal arrived.
TEST(PortTcp, StagedRegionsChunkAnySizeBothWays) {
  constexpr size_t kChunk = 4096;
  const uint64_t sizes[] = {0, 1, 17, kChunk - 1, kChunk, kChunk + 1, 3 * kChunk + 5, 300000, 600000};
  auto group = boottest::makeGroup(2, boottest::loopbackId());
  std::vector<Transport> ts(2);
  auto errs = boottest::runRanks(2, [&](int r) {
    ts[r] = lccl::detail::connectTcpPort(*group[r], 1 - r, lccl::kPortBootstrapTag, 5000ms);
  });
  for (auto& e : errs) ASSERT_FALSE(e) << boottest::what(e);
  errs = boottest::runRanks(2, [&](int r) {
    TcpPortTransport& t = *ts[r];
    const std::vector<char> src = boottest::payload(99, r, 1 - r, kRegion);
    std::vector<char> dst(kRegion, 0);
    uint64_t sem = 0;
    t.registerMemory(0, const_cast<char*>(src.data()), kRegion);
    t.registerMemory(1, dst.data(), kRegion);
    t.registerSemaphores(&sem, 1);
    t.stageRegionForTest(0, kChunk);
    t.stageRegionForTest(1, kChunk);
    group[r]->barrier();
    const std::vector<char> theirs = boottest::payload(99, 1 - r, r, kRegion);
    uint64_t k = 0, off = 0;  // disjoint destinations: the peer may be one put ahead
    for (uint64_t n : sizes) {
      t.put(1, off, 0, off / 2, n);
      t.signal(0);
      if (!pollUntil(t, [&] { return loadAcquire(&sem) > k; }))
        throw std::runtime_error("no signal for size " + std::to_string(n));
      ++k;
      if (std::memcmp(dst.data() + off, theirs.data() + off / 2, n) != 0)
        throw std::runtime_error("staged put of " + std::to_string(n) + " bytes differs");
      off += n + 3;
    }
    group[r]->barrier();
  });
  for (int r = 0; r < 2; ++r) EXPECT_FALSE(errs[r]) << "rank " << r << ": " << boottest::what(errs[r]);
}

}  // namespace
