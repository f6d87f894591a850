// lccl-bench-host: host-side hot paths, no GPU.
//
//   BM_AllGather/<ranks>/<bytes>   TcpBootstrap::allGather over loopback, ranks as threads
//   BM_Barrier/<ranks>             TcpBootstrap::barrier
//   BM_PingPong/<bytes>            send + recv round trip between two ranks
//   BM_BootstrapInit/<ranks>       constructing a TcpBootstrap group (root included)
//   BM_SerializeRoundTrip/<n>      Writer/Reader of n (int, double, string) records
//
// Rank 0 runs in the benchmark thread and is the one timed; the other ranks run
// the same operation in helper threads. Helpers stop after the operation whose
// index rank 0 publishes once its timed loop is over (see runGroup).
#include <benchmark/benchmark.h>

#include <atomic>
#include <climits>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "lccl/bootstrap.hpp"
#include "lccl/serialize.hpp"

namespace {

using lccl::TcpBootstrap;
using Group = std::vector<std::unique_ptr<TcpBootstrap>>;

// n ranks over loopback, constructed concurrently (construction is collective).
Group makeGroup(int n) {
  lccl::UniqueId id = TcpBootstrap::uniqueIdFromAddress("127.0.0.1:0", "", true);
  Group g(n);
  std::vector<std::thread> threads;
  for (int r = 0; r < n; ++r)
    threads.emplace_back([&, r] {
      g[r] = std::make_unique<TcpBootstrap>(r, n, id, std::chrono::milliseconds(20000));
    });
  for (auto& t : threads) t.join();
  return g;
}

// Runs op(rank) on every rank once per benchmark iteration. Every op must be a
// collective in which no rank completes before rank 0 has entered it: then a
// helper that completes op N has seen the target rank 0 stored before op N.
void runGroup(benchmark::State& state, Group& g, const std::function<void(int)>& op) {
  std::atomic<int64_t> target{INT64_MAX};
  std::vector<std::thread> helpers;
  for (size_t r = 1; r < g.size(); ++r)
    helpers.emplace_back([&, r] {
      for (int64_t i = 0; i < target.load(); ++i) op(static_cast<int>(r));
    });
  for (auto _ : state) op(0);
  target.store(static_cast<int64_t>(state.iterations()) + 1);
  op(0);  // the last one, which lets every helper read the target
  for (auto& t : helpers) t.join();
}

void BM_AllGather(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const size_t bytes = static_cast<size_t>(state.range(1));
  Group g = makeGroup(n);
  std::vector<std::vector<char>> bufs(n, std::vector<char>(n * bytes, 1));
  runGroup(state, g, [&](int r) { g[r]->allGather(bufs[r].data(), bytes); });
  state.SetBytesProcessed(state.iterations() * int64_t(n) * int64_t(bytes));
}
BENCHMARK(BM_AllGather)
    ->ArgsProduct({{2, 4, 8}, {8, 4096, 1 << 20}})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

void BM_Barrier(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  Group g = makeGroup(n);
  runGroup(state, g, [&](int r) { g[r]->barrier(); });
}
BENCHMARK(BM_Barrier)
    ->Arg(2)
    ->Arg(4)
    ->Arg(8)
    ->Arg(16)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

void BM_PingPong(benchmark::State& state) {
  const size_t bytes = static_cast<size_t>(state.range(0));
  Group g = makeGroup(2);
  std::vector<std::vector<char>> bufs(2, std::vector<char>(bytes, 7));
  runGroup(state, g, [&](int r) {
    if (r == 0) {
      g[0]->send(bufs[0].data(), bytes, 1, 0);
      g[0]->recv(bufs[0].data(), bytes, 1, 0);
    } else {
      g[1]->recv(bufs[1].data(), bytes, 0, 0);
      g[1]->send(bufs[1].data(), bytes, 0, 0);
    }
  });
  state.SetBytesProcessed(state.iterations() * 2 * int64_t(bytes));
}
BENCHMARK(BM_PingPong)
    ->Arg(8)
    ->Arg(65536)
    ->Arg(4 << 20)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

void BM_BootstrapInit(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  for (auto _ : state) {
    Group g = makeGroup(n);
    benchmark::DoNotOptimize(g.data());
  }
}
BENCHMARK(BM_BootstrapInit)->Arg(2)->Arg(8)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_SerializeRoundTrip(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  std::string text = "peer-handle-0123456789abcdef";
  int64_t sum = 0;
  for (auto _ : state) {
    lccl::Writer w;
    for (int i = 0; i < n; ++i) w.put<int64_t>(i).put<double>(i * 0.5).putString(text);
    std::vector<char> bytes = w.take();
    lccl::Reader rd(bytes, "bench");
    for (int i = 0; i < n; ++i) {
      sum += rd.get<int64_t>();
      benchmark::DoNotOptimize(rd.get<double>());
      sum += static_cast<int64_t>(rd.getString().size());
    }
    rd.expectEnd();
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_SerializeRoundTrip)->Arg(1)->Arg(64)->Arg(1024);

}  // namespace

BENCHMARK_MAIN();
