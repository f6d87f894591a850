// lccl/executors/simulate.hpp — running a plan on the CPU with real data.
//
// Each rank gets real byte buffers (input, output, scratch; in-place plans
// alias them as the collective says). Inputs hold random non-zero integers
// (8-byte elements, odd ones for prod so products never vanish), outputs and
// scratch hold poison, LL scratch holds packets laid out like LL16Packet
// (data0, flag, data1, flag). The plan runs in a random valid interleaving of
// its threadblocks (schedule.hpp, seeded), every op moving or reducing real
// bytes, and each rank's output is then compared with the collective's
// definition (integer arithmetic, so sum/prod/max/min/avg are exact).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lccl/executors/plan.hpp"
#include "lccl/executors/schedule.hpp"

namespace lccl::plan {

struct SimulateOptions {
  uint64_t seed = 1;
  uint32_t chunkElems = 4;  // 8-byte elements per chunk
  ScheduleOrder order = ScheduleOrder::Random;
};

struct ChannelTraffic {
  int rank;
  int32_t channelId;
  int peer;
  uint64_t bytesWritten = 0;  // put, put-packets (packet bytes), read-reduce-copy to the peer
  uint64_t bytesRead = 0;     // get, read-reduce-copy from the peer
};

struct SimulateResult {
  bool ok = false;
  std::vector<std::string> errors;  // mismatches, deadlock, or why it could not run
  std::vector<ChannelTraffic> traffic;
  uint64_t opsExecuted = 0;
  uint64_t messageBytes = 0;  // each rank's input buffer
};

constexpr uint64_t kMaxSimulationBytes = 256u << 20;  // all buffers of all ranks
constexpr uint64_t kMaxSimulationWork = 1ull << 31;   // element reads + writes

// Simulates a plan that passed checkPlan(). Never throws for any plan.
SimulateResult simulatePlan(const Plan& plan, const SimulateOptions& options);

}  // namespace lccl::plan
