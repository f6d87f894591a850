// TcpBootstrap with ranks as threads of this process: collectives and
// point-to-point for 1..16 ranks, argument checks, timeouts and failures.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstring>
#include <map>

#include "../../src/bootstrap/internal.hpp"
#include "../../src/bootstrap/protocol.hpp"
#include "../../src/bootstrap/root.hpp"
#include "test_boot_util.hpp"

namespace {

using namespace boottest;
using lccl::TcpBootstrap;
using lccl::UniqueId;

// ---- parameterized over the number of ranks ----------------------------------

class BootThreads : public testing::TestWithParam<int> {
 protected:
  int n() const { return GetParam(); }
  void runGroup(const std::function<void(TcpBootstrap&)>& body, uint32_t seed = 1) {
    UniqueId id = loopbackId("threads-" + std::to_string(seed));
    auto g = makeGroup(n(), id);
    auto errs = runRanks(n(), [&](int r) { body(*g[r]); });
    for (int r = 0; r < n(); ++r) EXPECT_FALSE(errs[r]) << "rank " << r << ": " << what(errs[r]);
  }
};

TEST_P(BootThreads, AllGatherRandomPayloads) {
  const uint32_t seed = 11;
  runGroup([&](TcpBootstrap& b) {
    for (size_t bytes : {size_t(1), randomSize(seed, n(), 0, 5000) + 1, size_t(70000)}) {
      std::vector<char> all(bytes * n(), 0);
      auto mine = payload(seed, b.rank(), int(bytes), bytes);
      std::memcpy(all.data() + b.rank() * bytes, mine.data(), bytes);
      b.allGather(all.data(), bytes);
      for (int r = 0; r < n(); ++r)
        ASSERT_EQ(
            std::memcmp(all.data() + r * bytes, payload(seed, r, int(bytes), bytes).data(), bytes),
            0)
            << "slot " << r << " of " << bytes << " bytes on rank " << b.rank();
    }
  });
}

TEST_P(BootThreads, BarrierWaitsForEveryRank) {
  std::atomic<int> arrived{0};
  runGroup([&](TcpBootstrap& b) {
    for (int round = 1; round <= 5; ++round) {
      arrived.fetch_add(1);
      b.barrier();
      // No rank leaves barrier `round` before all have arrived at it.
      ASSERT_GE(arrived.load(), round * n()) << "rank " << b.rank() << " round " << round;
    }
  });
  EXPECT_EQ(arrived.load(), 5 * n());
}

TEST_P(BootThreads, SendRecvBetweenAllPairsWithRandomSizes) {
  const uint32_t seed = 23;
  runGroup([&](TcpBootstrap& b) {
    const int me = b.rank();
    for (int p = 0; p < n(); ++p) {  // everything out first: sends must not block on receivers
      auto msg = payload(seed, me, p, randomSize(seed, me, p, 100000));
      b.send(msg.data(), msg.size(), p, 7);
    }
    for (int p = n() - 1; p >= 0; --p) {
      auto expect = payload(seed, p, me, randomSize(seed, p, me, 100000));
      std::vector<char> got(expect.size());
      b.recv(got.data(), got.size(), p, 7);
      ASSERT_EQ(got, expect) << "from " << p << " to " << me;
    }
  });
}

TEST_P(BootThreads, OutOfOrderTagsAreBuffered) {
  const uint32_t seed = 31;
  runGroup([&](TcpBootstrap& b) {
    const int me = b.rank(), next = (me + 1) % n(), prev = (me + n() - 1) % n();
    for (int tag = 0; tag < 6; ++tag)
      for (int k = 0; k < 2; ++k) {  // two messages per tag: order within a tag holds
        auto msg = payload(seed, me * 100 + tag, k, 64 + tag * 10 + k);
        b.send(msg.data(), msg.size(), next, tag);
      }
    for (int tag = 5; tag >= 0; --tag)
      for (int k = 0; k < 2; ++k) {
        std::vector<char> got(64 + tag * 10 + k);
        b.recv(got.data(), got.size(), prev, tag);
        ASSERT_EQ(got, payload(seed, prev * 100 + tag, k, got.size()))
            << "tag " << tag << " k " << k;
      }
  });
}

TEST_P(BootThreads, SendBytesRecvBytesVariableSizes) {
  const uint32_t seed = 41;
  runGroup([&](TcpBootstrap& b) {
    const int me = b.rank(), next = (me + 1) % n(), prev = (me + n() - 1) % n();
    for (int i = 0; i < 4; ++i) {
      size_t sz = i == 0 ? 0 : randomSize(seed, me, i, 30000);
      b.sendBytes(payload(seed, me, i, sz), next, 3);
    }
    for (int i = 0; i < 4; ++i) {
      size_t sz = i == 0 ? 0 : randomSize(seed, prev, i, 30000);
      ASSERT_EQ(b.recvBytes(prev, 3), payload(seed, prev, i, sz)) << "message " << i;
    }
  });
}

INSTANTIATE_TEST_SUITE_P(Ranks, BootThreads, testing::Values(1, 2, 3, 4, 7, 8, 16),
                         [](const testing::TestParamInfo<int>& i) {
                           return std::to_string(i.param) + "ranks";
                         });

// ---- single rank, ids, arguments --------------------------------------------------

TEST(BootBasics, SingleRankNeedsNoNetwork) {
  // Nothing listens on port 1: any connection attempt would fail.
  UniqueId id = TcpBootstrap::uniqueIdFromAddress("127.0.0.1:1", "s", false);
  TcpBootstrap b(0, 1, id, 1500ms);
  EXPECT_EQ(b.rank(), 0);
  EXPECT_EQ(b.size(), 1);
  EXPECT_EQ(b.timeout(), 1500ms);
  int v = 42;
  b.allGather(&v, sizeof(v));
  EXPECT_EQ(v, 42);
  b.barrier();
  b.send("abc", 3, 0, 9);  // to self
  char buf[3];
  b.recv(buf, 3, 0, 9);
  EXPECT_EQ(std::string(buf, 3), "abc");
}

TEST(BootBasics, IdsFromAddressAreDeterministic) {
  auto a = TcpBootstrap::uniqueIdFromAddress("10.1.2.3:2900", "cafe", false);
  auto b = TcpBootstrap::uniqueIdFromAddress("10.1.2.3:2900", "cafe", false);
  auto c = TcpBootstrap::uniqueIdFromAddress("10.1.2.3:2900", "beef", false);
  auto d = TcpBootstrap::uniqueIdFromAddress("10.1.2.3:2900", "", false);
  EXPECT_TRUE(lccl::boot::sameId(a, b));
  EXPECT_FALSE(lccl::boot::sameId(a, c));
  EXPECT_FALSE(lccl::boot::sameId(a, d));
  auto info = lccl::boot::parseId(a);
  EXPECT_EQ(info.root.str(), "10.1.2.3:2900");
}

TEST(BootBasics, BadAddressesAreRejected) {
  for (const char* bad : {"nohost", "1.2.3.4", "1.2.3.4:", "1.2.3.4:99999", "1.2.3.4:http", ":80"})
    EXPECT_THROW(TcpBootstrap::uniqueIdFromAddress(bad, "", false), lccl::InvalidArgumentError)
        << bad;
}

TEST(BootBasics, CreateUniqueIdStartsALocalRootWithAFreshSecret) {
  int before = lccl::boot::runningLocalRoots();
  UniqueId a = lccl::boot::createUniqueId(5000ms, "lo");
  UniqueId b = lccl::boot::createUniqueId(5000ms, "lo");
  EXPECT_EQ(lccl::boot::runningLocalRoots(), before + 2);
  auto ia = lccl::boot::parseId(a), ib = lccl::boot::parseId(b);
  EXPECT_TRUE(ia.root.isLoopback());
  EXPECT_NE(std::memcmp(ia.secret, ib.secret, lccl::boot::kSecretBytes), 0);
  EXPECT_NE(ia.root.port(), ib.root.port());
  // A 2-rank job completes through root a; a 1-rank job stops root b unused.
  auto g = makeGroup(2, a);
  { TcpBootstrap solo(0, 1, b, 1000ms); }
  EXPECT_EQ(lccl::boot::runningLocalRoots(), before);
}

TEST(BootBasics, PublicCreateUniqueIdWorks) {
  UniqueId id = TcpBootstrap::createUniqueId();  // LCCL_SOCKET_IFNAME or first interface
  auto g = makeGroup(3, id);
  auto errs = runRanks(3, [&](int r) {
    int v[3] = {0, 0, 0};
    v[r] = r + 10;
    g[r]->allGather(v, sizeof(int));
    if (v[0] != 10 || v[1] != 11 || v[2] != 12) throw std::runtime_error("bad allGather");
  });
  for (auto& e : errs) EXPECT_FALSE(e) << what(e);
}

TEST(BootBasics, UnknownInterfaceNameIsAnError) {
  EXPECT_THROW(lccl::boot::createUniqueId(1000ms, "no-such-if"), lccl::InvalidArgumentError);
}

TEST(BootBasics, Ipv6Loopback) {
  UniqueId id;
  try {
    id = TcpBootstrap::uniqueIdFromAddress("[::1]:0", "v6", true);
  } catch (const lccl::Error& e) {
    GTEST_SKIP() << "no IPv6 loopback: " << e.what();
  }
  EXPECT_EQ(lccl::boot::parseId(id).root.family(), AF_INET6);
  auto g = makeGroup(3, id);
  auto errs = runRanks(3, [&](int r) {
    uint16_t all[3] = {};
    all[r] = uint16_t(100 + r);
    g[r]->allGather(all, sizeof(uint16_t));
    g[r]->barrier();
    if (all[0] != 100 || all[2] != 102) throw std::runtime_error("bad allGather over IPv6");
  });
  for (auto& e : errs) EXPECT_FALSE(e) << what(e);
}

TEST(BootBasics, InvalidConstructorArguments) {
  UniqueId id = TcpBootstrap::uniqueIdFromAddress("127.0.0.1:1", "s", false);
  EXPECT_THROW(TcpBootstrap(1, 1, id, 1000ms), lccl::InvalidArgumentError);
  EXPECT_THROW(TcpBootstrap(-1, 2, id, 1000ms), lccl::InvalidArgumentError);
  EXPECT_THROW(TcpBootstrap(0, 0, id, 1000ms), lccl::InvalidArgumentError);
  EXPECT_THROW(TcpBootstrap(0, 1, id, 0ms), lccl::InvalidArgumentError);
  UniqueId zero{};
  EXPECT_THROW(TcpBootstrap(0, 1, zero, 1000ms), lccl::InvalidArgumentError);
}

TEST(BootBasics, InvalidCallArguments) {
  auto g = makeGroup(2, loopbackId());
  char buf[4] = {};
  EXPECT_THROW(g[0]->send(buf, 4, 2, 0), lccl::InvalidArgumentError);
  EXPECT_THROW(g[0]->recv(buf, 4, -1, 0), lccl::InvalidArgumentError);
  EXPECT_THROW(g[0]->send(nullptr, 4, 1, 0), lccl::InvalidArgumentError);
  EXPECT_THROW(g[0]->send(buf, 4, 1, lccl::boot::kTagAllGather), lccl::InvalidArgumentError);
  EXPECT_THROW(g[0]->allGather(nullptr, 4), lccl::InvalidArgumentError);
  // Negative user tags are fine.
  g[0]->send(buf, 4, 1, -5);
  g[1]->recv(buf, 4, 0, -5);
}

// ---- messages -----------------------------------------------------------------------

TEST(BootMessages, ZeroByteMessagesAndSelfSends) {
  auto g = makeGroup(2, loopbackId());
  g[0]->send(nullptr, 0, 1, 1);
  g[0]->send("xy", 2, 0, 1);
  g[1]->recv(nullptr, 0, 0, 1);
  char buf[2];
  g[0]->recv(buf, 2, 0, 1);
  EXPECT_EQ(std::string(buf, 2), "xy");
}

TEST(BootMessages, LargeMessagesBothWaysDoNotDeadlock) {
  auto g = makeGroup(2, loopbackId());
  const size_t big = 24u << 20;  // far beyond any socket buffer
  auto errs = runRanks(2, [&](int r) {
    auto out = payload(5, r, 0, big);
    g[r]->send(out.data(), big, 1 - r, 0);  // both send first
    std::vector<char> in(big);
    g[r]->recv(in.data(), big, 1 - r, 0);
    if (in != payload(5, 1 - r, 0, big)) throw std::runtime_error("corrupt large message");
  });
  for (auto& e : errs) EXPECT_FALSE(e) << what(e);
}

TEST(BootMessages, ConcurrentCallersOnOneBootstrap) {
  auto g = makeGroup(2, loopbackId());
  auto sender = [&](int tag) {
    for (int i = 0; i < 200; ++i) g[0]->send(&i, sizeof(i), 1, tag);
  };
  std::thread a(sender, 1), b(sender, 2);
  for (int tag : {2, 1})
    for (int i = 0; i < 200; ++i) {
      int v = -1;
      g[1]->recv(&v, sizeof(v), 0, tag);
      ASSERT_EQ(v, i) << "tag " << tag;
    }
  a.join();
  b.join();
}

TEST(BootMessages, SizeMismatchIsSocketError) {
  auto g = makeGroup(2, loopbackId());
  char sixteen[16] = {};
  g[0]->send(sixteen, 16, 1, 4);
  char eight[8];
  try {
    g[1]->recv(eight, 8, 0, 4);
    FAIL() << "size mismatch accepted";
  } catch (const lccl::SocketError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("bootstrap.recv [rank 1, peer 0]"), std::string::npos) << m;
    EXPECT_NE(m.find("16 bytes"), std::string::npos) << m;
    EXPECT_NE(m.find("expects 8"), std::string::npos) << m;
  }
}

TEST(BootMessages, RecvBytesAboveTheLimitIsSocketError) {
  auto g = makeGroup(2, loopbackId());
  g[0]->sendBytes(std::vector<char>(1000, 'a'), 1, 2);
  EXPECT_THROW(g[1]->recvBytes(0, 2, 999), lccl::SocketError);
}

// ---- failures --------------------------------------------------------------------------

TEST(BootFailures, RecvTimeoutNamesRankPeerAndCall) {
  auto g = makeGroup(2, loopbackId(), 300ms);
  try {
    char c;
    g[0]->recv(&c, 1, 1, 9);
    FAIL() << "recv returned without a message";
  } catch (const lccl::TimeoutError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("bootstrap.recv [rank 0, peer 1]"), std::string::npos) << m;
    EXPECT_NE(m.find("tag 9"), std::string::npos) << m;
    EXPECT_EQ(e.site().peer, 1);
  }
  // The bootstrap stays usable after a timeout.
  g[1]->send("z", 1, 0, 9);
  char c = 0;
  g[0]->recv(&c, 1, 1, 9);
  EXPECT_EQ(c, 'z');
}

TEST(BootFailures, DestroyedPeerGivesRemoteError) {
  auto g = makeGroup(2, loopbackId(), 3000ms);
  g[1]->send("a", 1, 0, 1);
  g[1].reset();  // closes its sockets
  char c;
  g[0]->recv(&c, 1, 1, 1);  // already on the wire: still delivered
  EXPECT_EQ(c, 'a');
  EXPECT_THROW(g[0]->recv(&c, 1, 1, 2), lccl::RemoteError);
}

TEST(BootFailures, TamperedSecretIsRejectedByTheRoot) {
  UniqueId id = loopbackId("right");
  UniqueId bad = id;
  bad.bytes[offsetof(lccl::boot::IdLayout, secret)] ^= 0x5a;
  try {
    TcpBootstrap b(1, 2, bad, 3000ms);
    FAIL() << "joined with a wrong secret";
  } catch (const lccl::RemoteError& e) {
    EXPECT_NE(std::string(e.what()).find("wrong secret"), std::string::npos) << e.what();
  }
  auto g = makeGroup(2, id);  // the root kept waiting for the real ranks
  auto errs = runRanks(2, [&](int r) { g[r]->barrier(); });
  EXPECT_FALSE(errs[0]) << what(errs[0]);
  EXPECT_FALSE(errs[1]) << what(errs[1]);
}

TEST(BootFailures, DuplicateRankIsInvalidUsage) {
  UniqueId id = loopbackId();
  auto errs = runRanks(2, [&](int) { TcpBootstrap b(0, 2, id, 3000ms); });
  // One of the two rank-0s is refused; its failure stops the local root, so
  // the other gets a RemoteError right away instead of waiting for rank 1.
  std::vector<int> codes = {codeOf(errs[0]), codeOf(errs[1])};
  std::sort(codes.begin(), codes.end());
  EXPECT_EQ(codes[0], int(lccl::ErrorCode::InvalidUsage))
      << what(errs[0]) << " / " << what(errs[1]);
  EXPECT_EQ(codes[1], int(lccl::ErrorCode::Remote)) << what(errs[0]) << " / " << what(errs[1]);
  std::string msgs = what(errs[0]) + what(errs[1]);
  EXPECT_NE(msgs.find("joined twice"), std::string::npos) << msgs;
}

TEST(BootFailures, NranksMismatchIsInvalidUsage) {
  UniqueId id = loopbackId();
  auto errs = runRanks(2, [&](int r) { TcpBootstrap b(r, r == 0 ? 2 : 3, id, 3000ms); });
  int invalid = 0;
  for (auto& e : errs) invalid += codeOf(e) == int(lccl::ErrorCode::InvalidUsage);
  EXPECT_EQ(invalid, 1) << what(errs[0]) << " / " << what(errs[1]);
  EXPECT_TRUE(errs[0] && errs[1]);
}

TEST(BootFailures, RootGivesUpWhenRanksAreMissing) {
  UniqueId id = lccl::boot::uniqueIdFromAddress("127.0.0.1:0", "x", true, 300ms);
  try {
    TcpBootstrap b(0, 3, id, 5000ms);
    FAIL() << "a 3-rank job formed with one rank";
  } catch (const lccl::TimeoutError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("missing: 1,2"), std::string::npos) << m;
    EXPECT_NE(m.find("bootstrap.init [rank 0]"), std::string::npos) << m;
  }
}

TEST(BootFailures, NoRootIsATimeout) {
  // Reserve a port, then close it: nothing listens there.
  auto l = lccl::boot::listenOn(lccl::boot::resolveHostPort("127.0.0.1:0"), lccl::ErrorSite{});
  std::string addr = "127.0.0.1:" + std::to_string(lccl::boot::localAddress(l.get()).port());
  l.reset();
  UniqueId id = TcpBootstrap::uniqueIdFromAddress(addr, "", false);
  EXPECT_THROW(TcpBootstrap(1, 2, id, 300ms), lccl::TimeoutError);
}

// ---- environment-based init ----------------------------------------------------------

lccl::Env envOf(std::map<std::string, std::string> vars) {
  return lccl::Env([vars](const char* n) -> const char* {
    auto it = vars.find(n);
    return it == vars.end() ? nullptr : it->second.c_str();
  });
}

int freePort() {
  auto l = lccl::boot::listenOn(lccl::boot::resolveHostPort("127.0.0.1:0"), lccl::ErrorSite{});
  return lccl::boot::localAddress(l.get()).port();
}

TEST(BootEnv, FromEnvFormsAGroup) {
  const std::string addr = "127.0.0.1:" + std::to_string(freePort());
  const int n = 4;
  auto errs = runRanks(n, [&](int r) {
    // Ranks 2 and 3 use the torchrun names, 0 and 1 the LCCL ones.
    std::map<std::string, std::string> vars = {{"LCCL_ROOT_ADDR", addr},
                                               {"LCCL_BOOTSTRAP_SECRET", "00ff17"},
                                               {"LCCL_BOOTSTRAP_TIMEOUT_MS", "10000"}};
    vars[r < 2 ? "LCCL_RANK" : "RANK"] = std::to_string(r);
    vars[r < 2 ? "LCCL_WORLD_SIZE" : "WORLD_SIZE"] = std::to_string(n);
    auto b = lccl::boot::bootstrapFromEnv(envOf(vars));
    if (b->rank() != r || b->size() != n || b->timeout() != 10000ms)
      throw std::runtime_error("bad rank/size");
    std::vector<int> all(n, -1);
    all[r] = r * r;
    b->allGather(all.data(), sizeof(int));
    for (int i = 0; i < n; ++i)
      if (all[i] != i * i) throw std::runtime_error("bad allGather");
  });
  for (auto& e : errs) EXPECT_FALSE(e) << what(e);
}

TEST(BootEnv, MissingOrBadVariablesAreNamed) {
  auto expectMsg = [](std::map<std::string, std::string> vars, const std::string& needle) {
    try {
      lccl::boot::bootstrapFromEnv(envOf(vars));
      ADD_FAILURE() << "accepted " << needle;
    } catch (const lccl::Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expectMsg({{"LCCL_RANK", "0"}, {"LCCL_WORLD_SIZE", "2"}}, "LCCL_ROOT_ADDR");
  expectMsg({{"LCCL_ROOT_ADDR", "127.0.0.1:1"}, {"LCCL_WORLD_SIZE", "2"}}, "LCCL_RANK (or RANK)");
  expectMsg({{"LCCL_ROOT_ADDR", "127.0.0.1:1"}, {"RANK", "0"}}, "LCCL_WORLD_SIZE");
  expectMsg({{"LCCL_ROOT_ADDR", "127.0.0.1:1"}, {"RANK", "x"}, {"WORLD_SIZE", "2"}}, "LCCL_RANK");
  expectMsg({{"LCCL_ROOT_ADDR", "127.0.0.1:1"}, {"RANK", "2"}, {"WORLD_SIZE", "2"}}, "not in [0");
  expectMsg({{"LCCL_ROOT_ADDR", "127.0.0.1:1"},
             {"RANK", "1"},
             {"WORLD_SIZE", "2"},
             {"LCCL_BOOTSTRAP_TIMEOUT_MS", "0"}},
            "LCCL_BOOTSTRAP_TIMEOUT_MS");
  expectMsg({{"LCCL_ROOT_ADDR", "localhost"}, {"RANK", "1"}, {"WORLD_SIZE", "2"}}, "host:port");
}

TEST(BootEnv, SingleRankFromEnv) {
  auto b = lccl::boot::bootstrapFromEnv(
      envOf({{"LCCL_ROOT_ADDR", "127.0.0.1:0"}, {"LCCL_RANK", "0"}, {"LCCL_WORLD_SIZE", "1"}}));
  EXPECT_EQ(b->size(), 1);
  b->barrier();
}

}  // namespace
