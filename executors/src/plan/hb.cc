#include "hb.hpp"

#include <algorithm>

namespace lccl::plan::detail {

HappensBefore::HappensBefore(const Plan& plan) : plan_(plan) {
  for (const RankProgram& prog : plan.ranks) {
    tbBase_.push_back(numProcs_);
    numProcs_ += static_cast<uint32_t>(prog.threadblocks.size());
  }
  startBase_ = numProcs_;
  numProcs_ += static_cast<uint32_t>(plan.ranks.size());
  segments_.resize(startBase_);
  signals_.resize(plan.ranks.size());
  waits_.resize(plan.ranks.size());
  barriers_.resize(plan.ranks.size());
  for (size_t r = 0; r < plan.ranks.size(); ++r) {
    signals_[r].resize(plan.ranks[r].channels.size());
    waits_[r].assign(plan.ranks[r].channels.size(), 0);
    for (uint32_t t = 0; t < plan.ranks[r].threadblocks.size(); ++t) {
      uint64_t c = newClock();
      pool_[c + startBase_ + r] = 1;  // the rank's start precedes its threadblocks
      segments_[tbBase_[r] + t].push_back(Segment{0, c});
    }
  }
}

uint64_t HappensBefore::estimateEntries(const Plan& plan) {
  uint64_t procs = plan.ranks.size(), clocks = 0;
  for (const RankProgram& prog : plan.ranks) {
    procs += prog.threadblocks.size();
    clocks += 2 * prog.threadblocks.size() + 1;  // first and final clocks, the rank's end
    for (const Op& op : prog.ops) {
      if (op.kind == OpKind::Signal || op.kind == OpKind::Wait) clocks += 1 + op.numChannels;
      if (op.kind == OpKind::Barrier) clocks += 3;  // arrival, departure, the barrier's own
    }
  }
  return procs * clocks;
}

uint64_t HappensBefore::newClock() {
  uint64_t offset = pool_.size();
  pool_.resize(pool_.size() + numProcs_, 0);
  return offset;
}

Event HappensBefore::event(int rank, uint32_t tb, uint32_t op) const {
  return Event{proc(rank, tb), op - plan_.ranks[rank].threadblocks[tb].firstOp};
}

void HappensBefore::joinInto(uint64_t dst, const uint32_t* src) {
  uint32_t* d = pool_.data() + dst;
  for (uint32_t i = 0; i < numProcs_; ++i) d[i] = std::max(d[i], src[i]);
}

uint64_t HappensBefore::snapshot(uint32_t proc, uint32_t local) {
  uint64_t c = newClock();  // may reallocate pool_: read the segment after
  const Segment& seg = segments_[proc].back();
  std::copy_n(pool_.data() + seg.clock, numProcs_, pool_.data() + c);
  pool_[c + proc] = local + 1;
  return c;
}

void HappensBefore::signal(int rank, uint32_t tb, uint32_t op, int32_t channel) {
  Event e = event(rank, tb, op);
  signals_[rank][channel].push_back(snapshot(e.proc, e.local));
}

void HappensBefore::wait(int rank, uint32_t tb, uint32_t op, int32_t channel) {
  Event e = event(rank, tb, op);
  const Channel& ch = plan_.ranks[rank].channels[channel];
  uint64_t sig = signals_[ch.peer][ch.peerIndex][waits_[rank][channel]++];
  uint64_t c = snapshot(e.proc, e.local);
  joinInto(c, pool_.data() + sig);
  auto& segs = segments_[e.proc];
  if (segs.back().start == e.local)
    segs.back().clock = c;  // several channels in one wait
  else
    segs.push_back(Segment{e.local, c});
}

void HappensBefore::arriveAtBarrier(int rank, uint32_t tb, uint32_t op, uint32_t k) {
  Event e = event(rank, tb, op);
  auto& bars = barriers_[rank];
  while (bars.size() <= k) bars.push_back(newClock());
  uint64_t c = snapshot(e.proc, e.local);
  joinInto(bars[k], pool_.data() + c);
}

void HappensBefore::passBarrier(int rank, uint32_t tb, uint32_t op, uint32_t k) {
  Event e = event(rank, tb, op);
  uint64_t c = snapshot(e.proc, e.local);
  joinInto(c, pool_.data() + barriers_[rank][k]);
  segments_[e.proc].push_back(Segment{e.local, c});
}

void HappensBefore::finish() {
  ends_.clear();
  for (size_t r = 0; r < plan_.ranks.size(); ++r) {
    uint64_t end = newClock();
    for (uint32_t t = 0; t < plan_.ranks[r].threadblocks.size(); ++t) {
      uint32_t p = tbBase_[r] + t;
      uint64_t last = snapshot(p, plan_.ranks[r].threadblocks[t].numOps);
      joinInto(end, pool_.data() + last);
    }
    ends_.push_back(end);
  }
}

const uint32_t* HappensBefore::clockOf(Event e) const {
  const auto& segs = segments_[e.proc];
  auto it = std::upper_bound(segs.begin(), segs.end(), e.local,
                             [](uint32_t l, const Segment& s) { return l < s.start; });
  return pool_.data() + (it - 1)->clock;
}

bool HappensBefore::before(Event a, Event b) const {
  if (a.proc == b.proc) return a.local < b.local;
  return clockOf(b)[a.proc] > a.local;
}

bool HappensBefore::afterStart(int rank, Event e) const {
  return clockOf(e)[startBase_ + rank] > 0;
}

bool HappensBefore::beforeEnd(int rank, Event e) const {
  return pool_[ends_[rank] + e.proc] > e.local;
}

}  // namespace lccl::plan::detail
