// Helpers shared by the bootstrap tests: ranks as threads, ranks as forked
// processes (bounded waits, children killed on expiry), random payloads.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "lccl/bootstrap.hpp"
#include "lccl/errors.hpp"

namespace boottest {

using namespace std::chrono_literals;
using Ms = std::chrono::milliseconds;

// Deterministic pseudo-random bytes for (seed, a, b).
inline std::vector<char> payload(uint32_t seed, int a, int b, size_t n) {
  std::mt19937 rng(seed * 7919u + static_cast<uint32_t>(a) * 131u + static_cast<uint32_t>(b));
  std::vector<char> v(n);
  for (auto& c : v) c = static_cast<char>(rng());
  return v;
}

inline size_t randomSize(uint32_t seed, int a, int b, size_t maxBytes) {
  std::mt19937 rng(seed ^ (static_cast<uint32_t>(a) << 16) ^ static_cast<uint32_t>(b) ^
                   0x5bd1e995u);
  return std::uniform_int_distribution<size_t>(0, maxBytes)(rng);
}

// Runs fn(rank) on n threads; returns each rank's exception (null if none).
inline std::vector<std::exception_ptr> runRanks(int n, const std::function<void(int)>& fn) {
  std::vector<std::exception_ptr> errs(n);
  std::vector<std::thread> threads;
  for (int r = 0; r < n; ++r)
    threads.emplace_back([&, r] {
      try {
        fn(r);
      } catch (...) {
        errs[r] = std::current_exception();
      }
    });
  for (auto& t : threads) t.join();
  return errs;
}

inline std::string what(const std::exception_ptr& e) {
  if (!e) return "(no error)";
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return ex.what();
  } catch (...) {
    return "(non-standard exception)";
  }
}

// The ErrorCode of a thrown lccl::Error, or -1 (no error / other exception).
inline int codeOf(const std::exception_ptr& e) {
  if (!e) return -1;
  try {
    std::rethrow_exception(e);
  } catch (const lccl::Error& err) {
    return static_cast<int>(err.code());
  } catch (...) {
    return -1;
  }
}

// Builds an n-rank group concurrently; throws the first rank's error.
inline std::vector<std::unique_ptr<lccl::TcpBootstrap>> makeGroup(int n, const lccl::UniqueId& id,
                                                                  Ms timeout = 10000ms) {
  std::vector<std::unique_ptr<lccl::TcpBootstrap>> g(n);
  auto errs =
      runRanks(n, [&](int r) { g[r] = std::make_unique<lccl::TcpBootstrap>(r, n, id, timeout); });
  for (auto& e : errs)
    if (e) std::rethrow_exception(e);
  return g;
}

inline lccl::UniqueId loopbackId(const std::string& secret = "test-secret") {
  return lccl::TcpBootstrap::uniqueIdFromAddress("127.0.0.1:0", secret, true);
}

// Forked ranks. fn(rank) runs in the child and returns its exit code (an
// exception exits with 98). Children never return into the test framework.
class Children {
 public:
  ~Children() { killAll(); }

  void spawn(int n, const std::function<int(int)>& fn) {
    std::fflush(nullptr);
    for (int r = 0; r < n; ++r) {
      pid_t pid = ::fork();
      if (pid == 0) {
        int code = 97;
        try {
          code = fn(r);
        } catch (const std::exception& e) {
          std::fprintf(stderr, "child rank %d: %s\n", r, e.what());
          code = 98;
        }
        std::fflush(nullptr);
        ::_exit(code);
      }
      pids_.push_back(pid);
    }
  }

  // Takes a child started some other way (posix_spawn) under this set's care.
  void adopt(pid_t pid) { pids_.push_back(pid); }
  // Sends `sig` to the i-th child.
  void signal(size_t i, int sig) { ::kill(pids_.at(i), sig); }

  // Waits up to `bound` for every child; kills the stragglers. Each result is
  // the exit code, 128 + signal when killed by a signal, or -1 when the wait
  // expired (the child was then killed).
  std::vector<int> wait(Ms bound) {
    std::vector<int> codes(pids_.size(), -1);
    std::vector<bool> done(pids_.size(), false);
    auto deadline = std::chrono::steady_clock::now() + bound;
    size_t left = pids_.size();
    while (left > 0 && std::chrono::steady_clock::now() < deadline) {
      for (size_t i = 0; i < pids_.size(); ++i) {
        int st = 0;
        if (done[i] || ::waitpid(pids_[i], &st, WNOHANG) != pids_[i]) continue;
        codes[i] = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        done[i] = true;
        --left;
      }
      if (left > 0) std::this_thread::sleep_for(5ms);
    }
    for (size_t i = 0; i < pids_.size(); ++i)
      if (!done[i]) reap(pids_[i]);
    pids_.clear();
    return codes;
  }

 private:
  static void reap(pid_t pid) {
    ::kill(pid, SIGKILL);
    int st = 0;
    ::waitpid(pid, &st, 0);
  }
  void killAll() {
    for (pid_t p : pids_) reap(p);
    pids_.clear();
  }
  std::vector<pid_t> pids_;
};

// Exit codes the children of the process tests use.
enum ChildCode : int {
  kOk = 0,
  kWrongData = 10,
  kGotRemoteError = 20,
  kGotTimeoutError = 21,
  kGotOtherLcclError = 22,
};

// Runs fn and maps its outcome to a ChildCode.
inline int childOutcome(const std::function<bool()>& fn) {
  try {
    return fn() ? kOk : kWrongData;
  } catch (const lccl::RemoteError&) {
    return kGotRemoteError;
  } catch (const lccl::TimeoutError&) {
    return kGotTimeoutError;
  } catch (const lccl::Error& e) {
    std::fprintf(stderr, "child: %s\n", e.what());
    return kGotOtherLcclError;
  }
}

}  // namespace boottest
