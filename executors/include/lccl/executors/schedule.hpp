// lccl/executors/schedule.hpp — the abstract execution of a plan.
//
// Every threadblock of every rank is a sequential process running its ops in
// order. An op runs when it can:
//   wait            each listed channel has a signal not yet consumed (the
//                   n-th wait on a channel end consumes the peer's n-th signal);
//   barrier         every threadblock of the rank has arrived at this barrier;
//   read-packets,   every scratch chunk it reads has been written by a
//   reduce-packets  put-packets (the LL flag is the signal);
//   anything else   always.
// Nothing ever becomes unable to run once able (counts only grow), so whether
// a plan deadlocks does not depend on the order chosen: one run decides it.
// The checker runs it in round-robin order; the simulator in a random order
// from a seed, to exercise other interleavings with real data.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lccl/executors/plan.hpp"

namespace lccl::plan {

class ScheduleObserver {
 public:
  virtual ~ScheduleObserver() = default;
  // Op `op` (index into the rank's ops) of threadblock `tb` of `rank` runs now.
  virtual void execute(int rank, uint32_t tb, uint32_t op) = 0;
  // Threadblock `tb` of `rank` reached barrier number `k` (op `op`) and waits there.
  virtual void arriveAtBarrier(int rank, uint32_t tb, uint32_t op, uint32_t k) {}
};

enum class ScheduleOrder { RoundRobin, Random };

struct BlockedOp {
  int rank;
  uint32_t tb;
  uint32_t op;
  std::string reason;
};

struct ScheduleResult {
  bool completed = false;          // every threadblock ran all its ops
  uint64_t executed = 0;           // ops run
  std::vector<BlockedOp> blocked;  // where each unfinished threadblock is stuck
};

// Runs `plan` (which must have passed checkPlan's stages 1-4) to completion or
// deadlock, calling `observer` for every op in the order they run.
ScheduleResult runSchedule(const Plan& plan, ScheduleOrder order, uint64_t seed,
                           ScheduleObserver& observer);

}  // namespace lccl::plan
