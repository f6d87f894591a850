// The executor's registered memory: one arena per rank, the same layout on
// every rank, mapped by every peer. See executor.hpp for what lives there.
#pragma once

#include <cstdint>
#include <vector>

#include "lccl/communicator.hpp"
#include "lccl/executors/plan.hpp"
#include "lccl/memory.hpp"

namespace lccl::exec {

// Bytes of each region (one LL parity for `ll`) and channel slots per pair of
// ranks. Every rank computes the same capacities from the same calls.
struct Capacity {
  uint64_t in = 0, out = 0, scratch = 0, ll = 0;
  uint32_t pairSlots = 0;

  bool covers(const Capacity& need) const;
  Capacity grownTo(const Capacity& need) const;  // each field: itself, or need rounded up to 2^k
};

struct ArenaLayout {
  uint64_t in = 0, out = 0, scratch = 0, ll = 0, counters = 0, total = 0;
  uint32_t pairSlots = 0;
  uint64_t llBytes = 0;  // one parity

  static ArenaLayout make(const Capacity& cap, int nranks);
  // Offset of the region holding `buffer` (scratch: the LL region when `ll`).
  uint64_t region(plan::Buffer buffer, bool ll) const;
  // Index of the counter that `sender` bumps in the receiver's arena for
  // channel slot `slot`, replica 0 (replica j: + j).
  uint64_t counterIndex(int sender, uint32_t slot) const;
};

class Arena {
 public:
  explicit Arena(Communicator& comm);
  ~Arena();
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // Makes the arena hold at least `need`; collective and host-synchronising
  // when it must grow (every rank grows at the same call). True if it grew.
  bool ensure(const Capacity& need);
  bool covers(const Capacity& need) const { return base_ != nullptr && cap_.covers(need); }

  char* local() const { return base_; }
  char* peer(int rank) const;
  const ArenaLayout& layout() const { return layout_; }
  uint64_t generation() const { return generation_; }
  uint64_t* outbound() const { return counters_; }  // local: signals sent, by counterIndex(peer, slot)
  uint64_t* expected() const { return counters_ + counterCount(); }  // local: signals consumed

 private:
  uint64_t counterCount() const;
  void release();

  Communicator& comm_;
  Capacity cap_;
  ArenaLayout layout_;
  char* base_ = nullptr;
  uint64_t* counters_ = nullptr;
  RegisteredMemory mine_;
  std::vector<RegisteredMemory> peers_;
  uint64_t generation_ = 0;
};

}  // namespace lccl::exec
