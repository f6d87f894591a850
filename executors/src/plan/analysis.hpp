// analysis.hpp (private) — checkPlan stage 5: deadlock and race analysis.
//
// One abstract execution (schedule.hpp) of the plan records every memory
// access and builds the happens-before relation (hb.hpp). Then:
//   deadlock   threadblocks left blocked are reported where they wait;
//   races      two accesses to overlapping chunks of the same memory, at least
//              one a write, neither happening before the other (LL packets:
//              a packet chunk written twice is an error; a packet read never
//              races its write, the flag orders them);
//   lifetime   an access to a peer's memory must come after the peer's start
//              (its caller may still use the buffers before) and before the
//              peer ends (its caller may reuse them after) — the reason plans
//              open and close with signal/wait handshakes. LL scratch is
//              exempt: flags protect it across calls.
// Chunk reads and writes are resolved through in-place aliasing first.
#pragma once

#include <cstdint>
#include <vector>

#include "hb.hpp"
#include "lccl/executors/diagnostics.hpp"
#include "lccl/executors/plan.hpp"

namespace lccl::plan::detail {

enum class AccessMode : uint8_t { Read, Write, PacketRead, PacketWrite };

struct Access {
  int owner;       // rank whose memory is touched
  Buffer buffer;   // where the chunks live (after aliasing)
  uint32_t first;  // chunk range [first, first + count)
  uint32_t count;
  AccessMode mode;
  int rank;     // rank running the op
  uint32_t op;  // index into that rank's ops
  bool isDst;   // which reference: srcs[ref] or dsts[ref]
  uint32_t ref;
  Event event;
};

// Adds diagnostics for races and lifetime violations among `accesses`
// (which it reorders). Limits its work on pathological plans (reported).
void checkRaces(const Plan& plan, const HappensBefore& hb, std::vector<Access>& accesses,
                Diagnostics& d);

void analyse(const Plan& plan, Diagnostics& d);

}  // namespace lccl::plan::detail
