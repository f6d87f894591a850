// Port channels: TCP port transport across two network namespaces joined by a
// veth pair (a "two hosts" link on one machine). Needs root and iproute2;
// skips cleanly otherwise.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "../../src/transport/tcp/tcp_transport.hpp"
#include "test_boot_util.hpp"

namespace {

using namespace std::chrono_literals;
using lccl::detail::TcpPortTransport;

bool run(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0; }

// Two namespaces a/b with veth ends 10.231.7.1/24 and 10.231.7.2/24.
class VethPair {
 public:
  VethPair()
      : a_("lccl_a" + std::to_string(::getpid())), b_("lccl_b" + std::to_string(::getpid())) {
    ok_ = run("ip netns add " + a_) && run("ip netns add " + b_) &&
          run("ip link add " + a_ + "v type veth peer name " + b_ + "v") &&
          run("ip link set " + a_ + "v netns " + a_) &&
          run("ip link set " + b_ + "v netns " + b_) &&
          run(in(a_, "ip addr add 10.231.7.1/24 dev " + a_ + "v")) &&
          run(in(b_, "ip addr add 10.231.7.2/24 dev " + b_ + "v")) &&
          run(in(a_, "ip link set " + a_ + "v up")) && run(in(b_, "ip link set " + b_ + "v up")) &&
          run(in(a_, "ip link set lo up")) && run(in(b_, "ip link set lo up"));
  }
  ~VethPair() {
    run("ip netns del " + a_);  // deleting a namespace removes its veth end and the pair
    run("ip netns del " + b_);
  }
  bool ok() const { return ok_; }
  const std::string& a() const { return a_; }
  const std::string& b() const { return b_; }
  // Moves the calling (single-threaded, forked) process into namespace `ns`.
  static bool enter(const std::string& ns) {
    int fd = ::open(("/var/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool ok = ::setns(fd, CLONE_NEWNET) == 0;
    ::close(fd);
    return ok;
  }

 private:
  static std::string in(const std::string& ns, const std::string& cmd) {
    return "ip netns exec " + ns + " " + cmd;
  }
  std::string a_, b_;
  bool ok_ = false;
};

int listenerSide(const std::string& ns, int portPipe) {
  if (!VethPair::enter(ns)) return 10;
  auto addr = lccl::boot::resolveHostPort("10.231.7.1:0");
  auto listener = TcpPortTransport::listen(addr);
  const uint16_t port = addr.port();
  if (::write(portPipe, &port, sizeof port) != sizeof port) return 11;
  auto t = TcpPortTransport::accept(listener.get(), 0, 1, 5000ms);
  std::vector<char> dst(1 << 20, 0);
  uint64_t sem = 0;
  t->registerMemory(0, dst.data(), dst.size());
  t->registerSemaphores(&sem, 1);
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  // Two signals: after the put, and after the dialer's flush returned.
  while (__atomic_load_n(&sem, __ATOMIC_ACQUIRE) < 2) {
    if (std::chrono::steady_clock::now() > deadline) return 12;
    t->poll();
  }
  return dst == boottest::payload(3, 1, 0, dst.size()) ? 0 : 13;
}

int dialerSide(const std::string& ns, int portPipe) {
  if (!VethPair::enter(ns)) return 20;
  uint16_t port = 0;
  if (::read(portPipe, &port, sizeof port) != sizeof port) return 21;
  auto addr = lccl::boot::resolveHostPort("10.231.7.1:" + std::to_string(port));
  auto t = TcpPortTransport::dial(addr, 1, 0, 5000ms);
  std::vector<char> src = boottest::payload(3, 1, 0, 1 << 20);
  t->registerMemory(0, src.data(), src.size());
  t->put(0, 0, 0, 0, src.size());
  t->signal(0);
  t->flush();
  t->signal(0);
  return 0;
}

TEST(PortNetns, TcpAcrossVethPair) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to create network namespaces";
  VethPair veth;
  if (!veth.ok()) GTEST_SKIP() << "could not create namespaces/veth (iproute2 or permissions)";
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  boottest::Children kids;
  kids.spawn(2, [&](int r) {
    return r == 0 ? listenerSide(veth.a(), fds[1]) : dialerSide(veth.b(), fds[0]);
  });
  const auto codes = kids.wait(10000ms);
  ::close(fds[0]);
  ::close(fds[1]);
  EXPECT_EQ(codes, (std::vector<int>{0, 0}));
}

}  // namespace
