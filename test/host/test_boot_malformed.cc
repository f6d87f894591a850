// Malformed and unauthenticated traffic against the root and a rank's
// listener: it is rejected without crashing, and legitimate ranks either
// complete or fail with a clear error. The test speaks the wire protocol
// itself (src/bootstrap/protocol.hpp) to play a fake rank.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <future>

#include "../../src/bootstrap/internal.hpp"
#include "../../src/bootstrap/protocol.hpp"
#include "test_boot_util.hpp"

namespace {

using namespace boottest;
using namespace lccl::boot;
using lccl::TcpBootstrap;
using lccl::UniqueId;

Fd dial(const SockAddr& a) {
  return connectTo(a, Clock::now() + 5s, lccl::ErrorSite{"test"}, true);
}

void sendRaw(int fd, const void* p, size_t n) {
  writeAll(fd, p, n, nullptr, 0, Clock::now() + 5s, lccl::ErrorSite{"test"});
}

void sendFrame(int fd, int tag, const void* p, size_t n) {
  FrameHeader h = makeHeader(tag, n);
  writeAll(fd, &h, sizeof(h), p, n, Clock::now() + 5s, lccl::ErrorSite{"test"});
}

// True once the other side has closed `fd` (EOF or reset) within 5 s; any
// data it sends first is discarded.
bool closedByPeer(int fd) {
  auto deadline = Clock::now() + 5s;
  char buf[4096];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (pollUntil(&p, 1, deadline) == 0) return false;
    size_t got = 0;
    if (readSome(fd, buf, sizeof(buf), got, lccl::ErrorSite{"test"}) == Io::Closed) return true;
  }
}

Hello helloFor(const UniqueId& id, int rank, int nranks, const SockAddr& listen) {
  Hello h;
  h.rank = rank;
  h.nranks = nranks;
  std::memcpy(h.secret, parseId(id).secret, kSecretBytes);
  h.listen = toWire(listen);
  return h;
}

// A rank played by the test: registered with the root, owning a listener
// nobody uses, knowing everybody's address.
struct FakeRank {
  Fd listener;
  std::vector<SockAddr> table;
};

FakeRank joinAsFake(const UniqueId& id, int rank, int nranks) {
  FakeRank f;
  f.listener = listenOn(resolveHostPort("127.0.0.1:0"), lccl::ErrorSite{"test"});
  Fd root = dial(parseId(id).root);
  auto hello = encodeHello(helloFor(id, rank, nranks, localAddress(f.listener.get())));
  writeFrame(root.get(), kTagHello, hello, Clock::now() + 5s, lccl::ErrorSite{"test"});
  Table t = decodeTable(
      readFrame(root.get(), kTagTable, 1 << 16, Clock::now() + 10s, lccl::ErrorSite{"test"}));
  EXPECT_EQ(t.status, TableStatus::Ok) << t.message;
  for (auto& w : t.addrs) f.table.push_back(fromWire(w));
  return f;
}

// A connection to `to` introduced as rank `from` (with `secretOk` or not).
Fd introduce(const UniqueId& id, const SockAddr& to, int from, int toRank, int nranks,
             bool secretOk = true) {
  Fd fd = dial(to);
  ConnectMsg m;
  m.from = from;
  m.to = toRank;
  m.nranks = nranks;
  std::memcpy(m.secret, parseId(id).secret, kSecretBytes);
  if (!secretOk) m.secret[0] ^= 0xff;
  sendFrame(fd.get(), kTagConnect, &m, sizeof(m));
  return fd;
}

TEST(BootMalformed, GarbageToTheRootIsRejected) {
  UniqueId id = uniqueIdFromAddress("127.0.0.1:0", "m", true, 10000ms);
  SockAddr root = parseId(id).root;
  std::vector<Fd> conns;
  conns.push_back(dial(root));
  sendRaw(conns.back().get(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27);  // wrong magic
  conns.push_back(dial(root));
  FrameHeader huge = makeHeader(kTagHello, 1ull << 40);
  sendRaw(conns.back().get(), &huge, sizeof(huge));  // absurd size
  conns.push_back(dial(root));
  Hello wrong = helloFor(id, 0, 2, root);
  wrong.secret[7] ^= 1;
  auto w = encodeHello(wrong);
  sendFrame(conns.back().get(), kTagHello, w.data(), w.size());  // wrong secret
  conns.push_back(dial(root));
  char zeros[48] = {};
  sendFrame(conns.back().get(), kTagConnect, zeros, sizeof(zeros));  // not a hello
  conns.push_back(dial(root));
  sendFrame(conns.back().get(), kTagHello, "short", 5);  // hello that does not decode
  for (size_t i = 0; i < conns.size(); ++i)
    EXPECT_TRUE(closedByPeer(conns[i].get())) << "connection " << i;
  {
    Fd truncated = dial(root);  // promises 100 bytes, sends 10, hangs up
    FrameHeader h = makeHeader(kTagHello, 100);
    sendRaw(truncated.get(), &h, sizeof(h));
    sendRaw(truncated.get(), "0123456789", 10);
  }
  // The root is still serving: a real group forms through it.
  auto g = makeGroup(2, id);
  auto errs = runRanks(2, [&](int r) { g[r]->barrier(); });
  EXPECT_FALSE(errs[0]) << what(errs[0]);
  EXPECT_FALSE(errs[1]) << what(errs[1]);
}

TEST(BootMalformed, RootAnswersOutOfRangeRankWithAnError) {
  UniqueId id = uniqueIdFromAddress("127.0.0.1:0", "m", true, 10000ms);
  Fd c = dial(parseId(id).root);
  auto h = encodeHello(helloFor(id, 5, 2, parseId(id).root));
  writeFrame(c.get(), kTagHello, h, Clock::now() + 5s, lccl::ErrorSite{"test"});
  Table t = decodeTable(
      readFrame(c.get(), kTagTable, 1 << 16, Clock::now() + 5s, lccl::ErrorSite{"test"}));
  EXPECT_EQ(t.status, TableStatus::InvalidUsage);
  EXPECT_NE(t.message.find("out of range"), std::string::npos) << t.message;
  auto g = makeGroup(2, id);  // still works afterwards
  EXPECT_EQ(g[1]->size(), 2);
}

// Rank 0 is real (in a thread), rank 1 is played by the test.
struct RealAndFake {
  UniqueId id = uniqueIdFromAddress("127.0.0.1:0", "rf", true, 10000ms);
  std::unique_ptr<TcpBootstrap> real;
  FakeRank fake;
  explicit RealAndFake(Ms timeout = 5000ms) {
    auto made = std::async(std::launch::async,
                           [&] { real = std::make_unique<TcpBootstrap>(0, 2, id, timeout); });
    fake = joinAsFake(id, 1, 2);
    made.get();
  }
  SockAddr realAddr() const { return fake.table.at(0); }
};

TEST(BootMalformed, GarbageToARankListenerIsRejected) {
  RealAndFake rf;
  auto received = std::async(std::launch::async, [&] {
    std::string a(4, '\0'), b(4, '\0');
    rf.real->recv(a.data(), 4, 1, 5);
    rf.real->recv(b.data(), 4, 1, 6);
    return a + b;
  });
  Fd garbage = dial(rf.realAddr());
  sendRaw(garbage.get(), "xxxxxxxxxxxxxxxxxxxxxxxx", 24);
  Fd huge = dial(rf.realAddr());
  FrameHeader h = makeHeader(kTagConnect, 1ull << 40);
  sendRaw(huge.get(), &h, sizeof(h));
  Fd wrongSecret = introduce(rf.id, rf.realAddr(), 1, 0, 2, /*secretOk=*/false);
  sendFrame(wrongSecret.get(), 5, "evil", 4);
  Fd wrongTarget = introduce(rf.id, rf.realAddr(), 1, 3, 2);  // meant for rank 3
  Fd good = introduce(rf.id, rf.realAddr(), 1, 0, 2);
  sendFrame(good.get(), 5, "good", 4);
  EXPECT_TRUE(closedByPeer(garbage.get()));
  EXPECT_TRUE(closedByPeer(huge.get()));
  EXPECT_TRUE(closedByPeer(wrongSecret.get()));
  EXPECT_TRUE(closedByPeer(wrongTarget.get()));
  sendFrame(good.get(), 6, "done", 4);
  EXPECT_EQ(received.get(), "gooddone");
}

TEST(BootMalformed, WrongMagicFromAPeerIsSocketError) {
  RealAndFake rf;
  Fd c = introduce(rf.id, rf.realAddr(), 1, 0, 2);
  sendFrame(c.get(), 5, "fine", 4);
  FrameHeader bad = makeHeader(6, 4);
  bad.magic = 0xdeadbeef;
  sendRaw(c.get(), &bad, sizeof(bad));
  char buf[4];
  rf.real->recv(buf, 4, 1, 5);  // what came before the garbage is delivered
  EXPECT_EQ(std::string(buf, 4), "fine");
  try {
    rf.real->recv(buf, 4, 1, 6);
    FAIL() << "accepted a frame with a wrong magic";
  } catch (const lccl::SocketError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("magic 0xdeadbeef"), std::string::npos) << m;
    EXPECT_NE(m.find("[rank 0, peer 1]"), std::string::npos) << m;
  }
  EXPECT_TRUE(closedByPeer(c.get()));
}

TEST(BootMalformed, HugeSizeFromAPeerIsSocketError) {
  RealAndFake rf;
  Fd c = introduce(rf.id, rf.realAddr(), 1, 0, 2);
  FrameHeader huge = makeHeader(5, kMaxFrameBytes + 1);
  sendRaw(c.get(), &huge, sizeof(huge));
  char buf[8];
  try {
    rf.real->recv(buf, 8, 1, 5);
    FAIL() << "accepted an oversized frame header";
  } catch (const lccl::SocketError& e) {
    EXPECT_NE(std::string(e.what()).find("bound"), std::string::npos) << e.what();
  }
}

TEST(BootMalformed, MessageCutShortIsRemoteError) {
  RealAndFake rf;
  {
    Fd c = introduce(rf.id, rf.realAddr(), 1, 0, 2);
    FrameHeader h = makeHeader(5, 100);
    sendRaw(c.get(), &h, sizeof(h));
    sendRaw(c.get(), "0123456789", 10);
  }  // the fake peer hangs up mid-message
  std::vector<char> buf(100);
  try {
    rf.real->recv(buf.data(), buf.size(), 1, 5);
    FAIL() << "accepted a truncated message";
  } catch (const lccl::RemoteError& e) {
    EXPECT_NE(std::string(e.what()).find("middle of a message"), std::string::npos) << e.what();
  }
}

TEST(BootMalformed, SecondConnectionClaimingTheSameRankIsRejected) {
  RealAndFake rf;
  Fd first = introduce(rf.id, rf.realAddr(), 1, 0, 2);
  sendFrame(first.get(), 5, "one!", 4);
  char buf[4];
  rf.real->recv(buf, 4, 1, 5);  // `first` is now rank 1's connection
  Fd second = introduce(rf.id, rf.realAddr(), 1, 0, 2);
  sendFrame(second.get(), 5, "two!", 4);
  sendFrame(first.get(), 7, "ping", 4);
  rf.real->recv(buf, 4, 1, 7);  // services (and rejects) `second` meanwhile, or later:
  EXPECT_EQ(std::string(buf, 4), "ping");
  auto pending = std::async(std::launch::async, [&] {
    char b[4];
    rf.real->recv(b, 4, 1, 8);
    return std::string(b, 4);
  });
  EXPECT_TRUE(closedByPeer(second.get()));
  sendFrame(first.get(), 8, "last", 4);
  EXPECT_EQ(pending.get(), "last");
}

TEST(BootMalformed, RecvTimingOutMidMessageLosesNothing) {
  RealAndFake rf(400ms);
  Fd c = introduce(rf.id, rf.realAddr(), 1, 0, 2);
  const auto msg = payload(3, 1, 0, 1000);
  FrameHeader h = makeHeader(5, msg.size());
  sendRaw(c.get(), &h, sizeof(h));
  sendRaw(c.get(), msg.data(), 300);  // the rest comes after the receiver gave up
  std::vector<char> first(msg.size(), 0);
  EXPECT_THROW(rf.real->recv(first.data(), first.size(), 1, 5), lccl::TimeoutError);
  std::fill(first.begin(), first.end(), char(0x55));
  sendRaw(c.get(), msg.data() + 300, msg.size() - 300);
  std::vector<char> second(msg.size(), 0);
  rf.real->recv(second.data(), second.size(), 1, 5);
  EXPECT_EQ(second, msg);
  EXPECT_EQ(std::count(first.begin(), first.end(), char(0x55)), long(first.size()))
      << "the abandoned buffer was written to after its recv returned";
}

// Regression: a message half-read while no recv wanted it, then completed
// during a recv for its tag, must not let the next one overwrite it.
TEST(BootMalformed, QueuedMessageIsNotOvertakenByTheNextOne) {
  RealAndFake rf(300ms);
  Fd c = introduce(rf.id, rf.realAddr(), 1, 0, 2);
  const auto first = payload(8, 1, 0, 50000), second = payload(8, 2, 0, 50000);
  FrameHeader h = makeHeader(5, first.size());
  sendRaw(c.get(), &h, sizeof(h));
  sendRaw(c.get(), first.data(), 20000);
  char ignored;
  EXPECT_THROW(rf.real->recv(&ignored, 1, 1, 9), lccl::TimeoutError);  // reads `first` partly
  sendRaw(c.get(), first.data() + 20000, first.size() - 20000);
  sendRaw(c.get(), &h, sizeof(h));
  sendRaw(c.get(), second.data(), second.size());
  std::vector<char> a(first.size()), b(second.size());
  rf.real->recv(a.data(), a.size(), 1, 5);
  rf.real->recv(b.data(), b.size(), 1, 5);
  EXPECT_EQ(a, first);
  EXPECT_EQ(b, second);
}

}  // namespace
