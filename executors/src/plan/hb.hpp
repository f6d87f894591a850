// hb.hpp (private) — the happens-before relation of one plan execution, as
// vector clocks.
//
// Processes: every threadblock, plus one "start" event per rank standing for
// everything the rank's caller did before the plan began (it precedes all of
// that rank's threadblocks). Edges: program order in a threadblock; a signal
// to the wait that consumes it (release/acquire); barrier arrivals of a rank
// to every departure from that barrier. LL packets are not edges: a packet
// publishes only its own data (packet.hpp), so they order nothing else.
//
// Clocks change only at waits and barriers, so each threadblock keeps one
// clock per "segment" between them, not one per op.
#pragma once

#include <cstdint>
#include <vector>

#include "lccl/executors/plan.hpp"

namespace lccl::plan::detail {

struct Event {
  uint32_t proc;   // threadblock process id
  uint32_t local;  // op index within its threadblock
};

class HappensBefore {
 public:
  explicit HappensBefore(const Plan& plan);

  // Clock entries the analysis of `plan` would store (to refuse huge plans first).
  static uint64_t estimateEntries(const Plan& plan);

  uint32_t proc(int rank, uint32_t tb) const { return tbBase_[rank] + tb; }
  Event event(int rank, uint32_t tb, uint32_t op) const;

  // Called in execution order (by a ScheduleObserver).
  void signal(int rank, uint32_t tb, uint32_t op, int32_t channel);
  void wait(int rank, uint32_t tb, uint32_t op, int32_t channel);
  void arriveAtBarrier(int rank, uint32_t tb, uint32_t op, uint32_t k);
  void passBarrier(int rank, uint32_t tb, uint32_t op, uint32_t k);
  void finish();  // after the run: computes each rank's end clock

  bool before(Event a, Event b) const;       // a happens-before b
  bool afterStart(int rank, Event e) const;  // rank's start happens-before e
  bool beforeEnd(int rank, Event e) const;   // e happens-before all of rank's threadblocks end

 private:
  struct Segment {
    uint32_t start;  // first op (local index) the clock applies to
    uint64_t clock;  // offset into pool_
  };
  uint64_t newClock();
  const uint32_t* clockOf(Event e) const;
  void joinInto(uint64_t dst, const uint32_t* src);
  uint64_t snapshot(uint32_t proc, uint32_t local);  // current clock, own entry local+1

  const Plan& plan_;
  uint32_t numProcs_ = 0;   // threadblocks + one start process per rank
  uint32_t startBase_ = 0;  // process id of rank 0's start event
  std::vector<uint32_t> tbBase_;
  std::vector<std::vector<Segment>> segments_;               // per threadblock process
  std::vector<uint32_t> pool_;                               // clocks, numProcs_ entries each
  std::vector<std::vector<std::vector<uint64_t>>> signals_;  // [rank][channel][n] -> clock
  std::vector<std::vector<uint32_t>> waits_;                 // [rank][channel] consumed
  std::vector<std::vector<uint64_t>> barriers_;              // [rank][k] -> clock
  std::vector<uint64_t> ends_;                               // [rank] -> clock
};

}  // namespace lccl::plan::detail
