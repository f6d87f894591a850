// One plan as this rank's executor runs it: the program uploaded to the
// device once, which buffers peers reach (and so must live in the arena), and
// the channel table bound to the current arena.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "arena.hpp"
#include "exec_args.hpp"
#include "lccl/executors/plan.hpp"

namespace lccl::exec {

struct Program {
  const plan::Plan* plan = nullptr;
  std::string name;
  int rank = -1;
  int myTbs = 0;   // this rank's threadblocks
  int maxTbs = 0;  // the most any rank has (replicas are chosen from it)
  uint32_t pairSlots = 0;  // the most channels between two ranks
  // Region (Input/Output) that some peer reaches on rank r, for each rank.
  std::vector<uint8_t> peerReaches[2];
  std::vector<uint32_t> slotOf;  // per channel of this rank: its index among channels to that peer
  void* device = nullptr;        // tbs | ops | refs | opPeer | channels
  const plan::Threadblock* tbs = nullptr;
  const plan::Op* ops = nullptr;
  const plan::ChunkRef* refs = nullptr;
  const int32_t* opPeer = nullptr;
  DevChannel* channels = nullptr;
  uint64_t boundTo = 0;  // arena generation of the channel table (0: not bound)

  Program() = default;
  Program(const Program&) = delete;
  Program& operator=(const Program&) = delete;
  ~Program();

  bool reaches(int r, plan::Buffer region) const {
    return region != plan::Buffer::Scratch && peerReaches[static_cast<int>(region)][r];
  }
  bool ll() const { return plan->protocol == plan::Protocol::LL; }
};

// The host side of a program: this rank's ops with Op::reserved flags
// (kOpPacketPath) and, per op, the peer its waits depend on (-1: none).
struct ProgramArrays {
  std::vector<plan::Op> ops;
  std::vector<int32_t> opPeer;
};

// Fills everything of `p` but the device arrays (no GPU needed).
void analyseProgram(Program& p, const plan::Plan& plan, int rank, ProgramArrays& out);
// analyseProgram, then uploads the arrays (synchronous copies).
void buildProgram(Program& p, const plan::Plan& plan, int rank);
// Arena needs of the plan at `chunkBytes` (the same on every rank).
Capacity needOf(const Program& p, uint64_t chunkBytes);
// Writes the channel table for the arena's current generation.
void bindChannels(Program& p, const Arena& arena);

inline uint64_t packetChunkBytes(uint64_t chunkBytes) { return (chunkBytes + 7) / 8 * 16; }

}  // namespace lccl::exec
