// Plan parsing and validation (lccl_plan_core), no GPU:
//
//   BM_PlanParse/<ranks>     JSON text -> flat plan (allreduce-ring, simple)
//   BM_PlanCheck/<ranks>     parse + every check, deadlock and race analysis included
//   BM_PlanSimulate/<ranks>  CPU simulation of the checked plan (4 elements per chunk)
#include <benchmark/benchmark.h>

#include <string>

#include "lccl/executors/check.hpp"
#include "lccl/executors/generate.hpp"
#include "lccl/executors/plan_json.hpp"
#include "lccl/executors/simulate.hpp"

namespace {

using namespace lccl::plan;

std::string ringPlan(int ranks) {
  return generatePlan(
      GenerateOptions{"allreduce-ring", ranks, Protocol::Simple, ReduceKind::Sum, false});
}

void BM_PlanParse(benchmark::State& state) {
  std::string text = ringPlan(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    PlanFile f;
    Diagnostics d;
    benchmark::DoNotOptimize(parsePlan(text, f, d));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_PlanParse)->Arg(4)->Arg(8)->Arg(16);

void BM_PlanCheck(benchmark::State& state) {
  std::string text = ringPlan(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    PlanFile f;
    Diagnostics d;
    if (!loadAndCheck(text, f, d)) state.SkipWithError("plan does not check");
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_PlanCheck)->Arg(4)->Arg(8)->Arg(16);

void BM_PlanSimulate(benchmark::State& state) {
  PlanFile f;
  Diagnostics d;
  loadAndCheck(ringPlan(static_cast<int>(state.range(0))), f, d);
  SimulateOptions o;
  for (auto _ : state)
    if (!simulatePlan(f.variants[0].plan, o).ok) state.SkipWithError("simulation mismatch");
}
BENCHMARK(BM_PlanSimulate)->Arg(4)->Arg(8)->Arg(16);

}  // namespace
