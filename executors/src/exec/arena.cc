#include "arena.hpp"

#include <cuda_runtime.h>

#include <algorithm>

#include "exec_args.hpp"
#include "lccl/errors.hpp"
#include "lccl/gpu.hpp"
#include "lccl/logging.hpp"

namespace lccl::exec {
namespace {

constexpr int kArenaTagBase = 0x45000000;  // bootstrap tags of arena exchanges
constexpr uint64_t kAlign = 256;

uint64_t roundUpPow2(uint64_t v) {
  if (v == 0) return 0;
  uint64_t p = kAlign;
  while (p < v) p <<= 1;
  return p;
}

uint64_t grow(uint64_t have, uint64_t need) { return need <= have ? have : roundUpPow2(need); }

}  // namespace

bool Capacity::covers(const Capacity& n) const {
  return n.in <= in && n.out <= out && n.scratch <= scratch && n.ll <= ll &&
         n.pairSlots <= pairSlots;
}

Capacity Capacity::grownTo(const Capacity& n) const {
  Capacity c;
  c.in = grow(in, n.in);
  c.out = grow(out, n.out);
  c.scratch = grow(scratch, n.scratch);
  c.ll = grow(ll, n.ll);
  c.pairSlots = std::max(pairSlots, n.pairSlots);
  return c;
}

ArenaLayout ArenaLayout::make(const Capacity& cap, int nranks) {
  ArenaLayout l;
  l.in = 0;
  l.out = l.in + cap.in;
  l.scratch = l.out + cap.out;
  l.ll = l.scratch + cap.scratch;
  l.llBytes = cap.ll;
  l.counters = l.ll + 2 * cap.ll;
  l.pairSlots = cap.pairSlots;
  l.total = l.counters + sizeof(uint64_t) * static_cast<uint64_t>(nranks) * cap.pairSlots * kMaxReplicas;
  if (l.total == 0) l.total = kAlign;
  return l;
}

uint64_t ArenaLayout::region(plan::Buffer b, bool ll_) const {
  switch (b) {
    case plan::Buffer::Input: return in;
    case plan::Buffer::Output: return out;
    case plan::Buffer::Scratch: return ll_ ? ll : scratch;
  }
  return 0;
}

uint64_t ArenaLayout::counterIndex(int sender, uint32_t slot) const {
  return (static_cast<uint64_t>(sender) * pairSlots + slot) * kMaxReplicas;
}

Arena::Arena(Communicator& comm) : comm_(comm) {}

Arena::~Arena() {
  (void)cudaDeviceSynchronize();
  peers_.clear();
  mine_ = RegisteredMemory();
  if (base_) (void)cudaFree(base_);
  if (counters_) (void)cudaFree(counters_);
}

char* Arena::peer(int rank) const { return static_cast<char*>(peers_.at(rank).data()); }

uint64_t Arena::counterCount() const {
  return static_cast<uint64_t>(comm_.size()) * layout_.pairSlots * kMaxReplicas;
}

// Every rank's kernels on the old arena have ended before anyone unmaps or frees it.
void Arena::release() {
  LCCL_CUDA_CHECK(cudaDeviceSynchronize());
  comm_.bootstrap().barrier();
  peers_.clear();
  mine_ = RegisteredMemory();
  comm_.bootstrap().barrier();
  if (base_) LCCL_CUDA_CHECK(cudaFree(base_));
  if (counters_) LCCL_CUDA_CHECK(cudaFree(counters_));
  base_ = nullptr;
  counters_ = nullptr;
}

bool Arena::ensure(const Capacity& need) {
  if (base_ && cap_.covers(need)) return false;
  release();
  cap_ = cap_.grownTo(need);
  layout_ = ArenaLayout::make(cap_, comm_.size());
  LCCL_INFO("executor arena: %llu bytes (in %llu, out %llu, scratch %llu, LL 2x%llu, %u slots/pair)",
            static_cast<unsigned long long>(layout_.total), static_cast<unsigned long long>(cap_.in),
            static_cast<unsigned long long>(cap_.out), static_cast<unsigned long long>(cap_.scratch),
            static_cast<unsigned long long>(cap_.ll), cap_.pairSlots);
  LCCL_CUDA_CHECK(cudaMalloc(&base_, layout_.total));
  LCCL_CUDA_CHECK(cudaMemset(base_, 0, layout_.total));
  const size_t counterBytes = 2 * sizeof(uint64_t) * std::max<uint64_t>(counterCount(), 1);
  LCCL_CUDA_CHECK(cudaMalloc(&counters_, counterBytes));
  LCCL_CUDA_CHECK(cudaMemset(counters_, 0, counterBytes));
  LCCL_CUDA_CHECK(cudaDeviceSynchronize());
  mine_ = comm_.registerMemory(base_, layout_.total);
  ++generation_;
  peers_ = comm_.exchangeMemory(mine_, kArenaTagBase + static_cast<int>(generation_ & 0xfffff));
  return true;
}

}  // namespace lccl::exec
