// TcpBootstrap with ranks as forked processes (the id is created in the
// parent, whose background thread is the root), peers that die, and
// environment-based init in freshly spawned processes.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <spawn.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <map>

#include "../../src/bootstrap/protocol.hpp"
#include "test_boot_util.hpp"

extern char** environ;

namespace {

using namespace boottest;
using lccl::TcpBootstrap;
using lccl::UniqueId;

// Everything a rank process does in the happy-path test; false on wrong data.
bool exerciseRank(int r, int n, const UniqueId& id) {
  TcpBootstrap b(r, n, id, 10000ms);
  const uint32_t seed = 77;
  const size_t bytes = 1000 + randomSize(seed, n, 0, 3000);
  std::vector<char> all(bytes * n);
  auto mine = payload(seed, r, 0, bytes);
  std::memcpy(all.data() + r * bytes, mine.data(), bytes);
  b.allGather(all.data(), bytes);
  for (int p = 0; p < n; ++p)
    if (std::memcmp(all.data() + p * bytes, payload(seed, p, 0, bytes).data(), bytes) != 0)
      return false;
  b.barrier();
  for (int p = 0; p < n; ++p)  // all pairs, two tags, received in reverse tag order
    for (int tag : {1, 2})
      b.sendBytes(payload(seed, r * 10 + tag, p, randomSize(seed, r, p + tag, 20000)), p, tag);
  for (int p = n - 1; p >= 0; --p)
    for (int tag : {2, 1})
      if (b.recvBytes(p, tag) !=
          payload(seed, p * 10 + tag, r, randomSize(seed, p, r + tag, 20000)))
        return false;
  b.barrier();
  return true;
}

class BootProcesses : public testing::TestWithParam<int> {};

TEST_P(BootProcesses, CollectivesAndPointToPoint) {
  const int n = GetParam();
  UniqueId id = TcpBootstrap::createUniqueId();
  Children kids;
  kids.spawn(n, [&](int r) { return childOutcome([&] { return exerciseRank(r, n, id); }); });
  auto codes = kids.wait(60s);
  for (int r = 0; r < n; ++r) EXPECT_EQ(codes[r], kOk) << "rank " << r;
}

INSTANTIATE_TEST_SUITE_P(Ranks, BootProcesses, testing::Values(2, 4, 8),
                         [](const testing::TestParamInfo<int>& i) {
                           return std::to_string(i.param) + "procs";
                         });

// ---- a peer dies in the middle of the job ---------------------------------------------

enum class Death { Exit, SelfKill, KilledByParent };

// Three ranks exchange once; rank 2 then dies (how: `death`) while ranks 0
// and 1 keep exchanging. Returns the exit codes of the three children.
std::vector<int> runWithDyingRank(Death death) {
  UniqueId id = TcpBootstrap::createUniqueId();
  int ready[2];
  EXPECT_EQ(::pipe(ready), 0);
  Children kids;
  kids.spawn(3, [&](int r) {
    TcpBootstrap b(r, 3, id, 3000ms);
    int v[3] = {};
    b.allGather(v, sizeof(int));
    b.barrier();
    if (r == 2) {
      if (death == Death::Exit) ::_exit(kOk);
      if (death == Death::SelfKill) ::raise(SIGKILL);
      [[maybe_unused]] ssize_t w = ::write(ready[1], "x", 1);
      ::pause();  // the parent kills us while the others wait on us
    }
    return childOutcome([&] {
      for (int i = 0; i < 3; ++i) b.allGather(v, sizeof(int));
      return true;
    });
  });
  if (death == Death::KilledByParent) {
    pollfd p{ready[0], POLLIN, 0};
    EXPECT_EQ(::poll(&p, 1, 15000), 1) << "rank 2 never got ready";
    kids.signal(2, SIGKILL);
  }
  auto codes = kids.wait(20s);
  ::close(ready[0]);
  ::close(ready[1]);
  return codes;
}

class BootPeerDeath : public testing::TestWithParam<Death> {};

TEST_P(BootPeerDeath, SurvivorsGetRemoteOrTimeoutError) {
  auto codes = runWithDyingRank(GetParam());
  // Rank 0 waits on rank 2 (its ring predecessor), whose connection is gone.
  EXPECT_EQ(codes[0], kGotRemoteError);
  EXPECT_TRUE(codes[1] == kGotRemoteError || codes[1] == kGotTimeoutError) << codes[1];
  EXPECT_TRUE(codes[2] == kOk || codes[2] == 128 + SIGKILL) << codes[2];
}

INSTANTIATE_TEST_SUITE_P(How, BootPeerDeath,
                         testing::Values(Death::Exit, Death::SelfKill, Death::KilledByParent),
                         [](const testing::TestParamInfo<Death>& i) {
                           switch (i.param) {
                             case Death::Exit: return std::string("Exit");
                             case Death::SelfKill: return std::string("SelfKill");
                             default: return std::string("KilledByParent");
                           }
                         });

TEST(BootProcessFailures, TamperedIdIsRejectedOthersComplete) {
  UniqueId id = TcpBootstrap::createUniqueId();
  UniqueId bad = id;
  bad.bytes[offsetof(lccl::boot::IdLayout, secret) + 3] ^= 1;
  Children impostor;  // first, alone: the root must turn it away
  impostor.spawn(1, [&](int) {
    return childOutcome([&] {
      TcpBootstrap b(1, 2, bad, 3000ms);  // claims rank 1
      return true;
    });
  });
  EXPECT_EQ(impostor.wait(20s)[0], kGotRemoteError);
  Children kids;  // the real ranks still meet at the same root
  kids.spawn(2, [&](int r) {
    return childOutcome([&] {
      TcpBootstrap b(r, 2, id, 10000ms);
      int v[2] = {0, 0};
      v[r] = 5 + r;
      b.allGather(v, sizeof(int));
      return v[0] == 5 && v[1] == 6;
    });
  });
  auto codes = kids.wait(30s);
  EXPECT_EQ(codes[0], kOk);
  EXPECT_EQ(codes[1], kOk);
}

// A forked helper (say, a data-loader worker) that destroys its copy of a
// bootstrap only closes its own descriptors: the parent's job goes on.
TEST(BootProcessFailures, ForkedChildDestroyingAnInheritedCopyLeavesTheParentAlone) {
  auto g = makeGroup(2, loopbackId());
  g[0]->send("a", 1, 1, 1);  // open the connections before forking
  char c = 0;
  g[1]->recv(&c, 1, 0, 1);
  Children kids;
  kids.spawn(1, [&](int) {
    g.clear();  // destroys the inherited copies of both ranks
    return int(kOk);
  });
  ASSERT_EQ(kids.wait(20s)[0], kOk);
  g[0]->send("b", 1, 1, 2);
  g[1]->recv(&c, 1, 0, 2);
  EXPECT_EQ(c, 'b');
  g[1]->send("c", 1, 0, 3);
  g[0]->recv(&c, 1, 1, 3);
  EXPECT_EQ(c, 'c');
}

// ---- TcpBootstrap::fromEnv() in fresh processes -----------------------------------------

// One rank of an environment-initialized job: what the processes that
// BootEnvSpawn starts run instead of the tests. 0 on success.
int envChildMain() {
  try {
    auto b = TcpBootstrap::fromEnv();
    const int n = b->size();
    std::vector<int> all(n, -1);
    all[b->rank()] = 1000 + b->rank();
    b->allGather(all.data(), sizeof(int));
    for (int r = 0; r < n; ++r)
      if (all[r] != 1000 + r) return 2;
    b->barrier();
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "env child: %s\n", e.what());
    return 3;
  }
}

// Runs before main() in every process of this binary: in a spawned rank
// (LCCL_TEST_ENV_CHILD set) it runs the rank and exits, so no test runs there.
[[maybe_unused]] const bool kIsEnvChild = [] {
  if (std::getenv("LCCL_TEST_ENV_CHILD") != nullptr) ::_exit(envChildMain());
  return false;
}();

pid_t spawnEnvChild(const std::map<std::string, std::string>& vars) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv = *e;
    if (kv.rfind("LCCL_", 0) == 0 || kv.rfind("NCCL_", 0) == 0 || kv.rfind("RANK=", 0) == 0 ||
        kv.rfind("WORLD_SIZE=", 0) == 0 || kv.rfind("GTEST_", 0) == 0)
      continue;
    env.push_back(kv);
  }
  for (const auto& [k, v] : vars) env.push_back(k + "=" + v);
  std::vector<char*> envp, argv;
  for (auto& s : env) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string exe = "/proc/self/exe";
  argv = {exe.data(), nullptr};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, exe.c_str(), &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  return rc == 0 ? pid : -1;
}

TEST(BootEnvSpawn, PublicFromEnvInFreshProcesses) {
  int port = 0;
  {
    auto l = lccl::boot::listenOn(lccl::boot::resolveHostPort("127.0.0.1:0"), lccl::ErrorSite{});
    port = lccl::boot::localAddress(l.get()).port();
  }
  const int n = 3;
  Children kids;
  for (int r = 0; r < n; ++r) {
    // Rank 1 uses the torchrun name RANK; all use WORLD_SIZE (the alias).
    pid_t pid = spawnEnvChild({{"LCCL_TEST_ENV_CHILD", "1"},
                               {"LCCL_ROOT_ADDR", "127.0.0.1:" + std::to_string(port)},
                               {r == 1 ? "RANK" : "LCCL_RANK", std::to_string(r)},
                               {"WORLD_SIZE", std::to_string(n)},
                               {"LCCL_BOOTSTRAP_SECRET", "abc123"},
                               {"LCCL_BOOTSTRAP_TIMEOUT_MS", "10000"}});
    ASSERT_GT(pid, 0);
    kids.adopt(pid);
  }
  auto codes = kids.wait(30s);
  for (int r = 0; r < n; ++r) EXPECT_EQ(codes[r], 0) << "rank " << r;
}

}  // namespace
