// sim_memory.hpp (private) — the simulator's per-rank buffers and the
// collective's reference results.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "lccl/executors/plan.hpp"

namespace lccl::plan::detail {

constexpr uint32_t kPacketFlag = 1;  // the flag of this (single) execution; buffers start at 0

class SimMemory {
 public:
  SimMemory(const Plan& plan, uint32_t chunkElems);

  static uint64_t bytesNeeded(const Plan& plan, uint32_t chunkElems);

  // Random inputs (kept for reference) and poisoned outputs and scratch.
  void initialise(std::mt19937_64& rng);

  // Reads / writes `count` chunks of `buffer` at `chunk` of `rank` (aliasing
  // resolved) as elements. Packet variants go through LL16 packets in scratch.
  void read(int rank, Buffer buffer, uint32_t chunk, uint32_t count, uint64_t* out) const;
  void write(int rank, Buffer buffer, uint32_t chunk, uint32_t count, const uint64_t* in);
  bool readPackets(int rank, uint32_t chunk, uint32_t count,
                   uint64_t* out) const;  // false: flag missing
  void writePackets(int rank, uint32_t chunk, uint32_t count, const uint64_t* in);

  uint32_t chunkElems() const { return elems_; }
  uint64_t chunkBytes() const { return elems_ * sizeof(uint64_t); }
  const std::vector<uint64_t>& input(int rank) const { return inputs_[rank]; }

 private:
  uint8_t* at(int rank, Buffer buffer, uint32_t chunk);
  const uint8_t* at(int rank, Buffer buffer, uint32_t chunk) const;

  const Plan& plan_;
  uint32_t elems_;
  std::vector<std::vector<uint8_t>> bytes_[kNumBuffers];  // [buffer][rank]
  std::vector<std::vector<uint64_t>> inputs_;             // [rank] initial input elements
};

uint64_t combine(ReduceKind op, uint64_t a, uint64_t b);

// The collective's result on `rank` as elements of its output buffer, or
// false when the collective leaves that rank's output undefined.
bool expectedOutput(const Plan& plan, const SimMemory& mem, int rank, std::vector<uint64_t>& out);

}  // namespace lccl::plan::detail
