// The abstract execution shared by the deadlock check and the simulator.
#include "lccl/executors/schedule.hpp"

#include <random>

namespace lccl::plan {
namespace {

struct Proc {
  int rank;
  uint32_t tb;
  uint32_t pc;   // next op (index into the rank's ops)
  uint32_t end;  // one past the threadblock's last op
  uint32_t barriers = 0;
  bool arrived = false;
  bool done() const { return pc >= end; }
};

class Engine {
 public:
  Engine(const Plan& p, ScheduleObserver& obs) : p_(p), obs_(obs) {
    size_t n = p.ranks.size();
    sent_.resize(n);
    waited_.resize(n);
    packets_.resize(n);
    arrivals_.resize(n);
    for (size_t r = 0; r < n; ++r) {
      const RankProgram& prog = p.ranks[r];
      sent_[r].assign(prog.channels.size(), 0);
      waited_[r].assign(prog.channels.size(), 0);
      packets_[r].assign(p.bufferChunks(Buffer::Scratch), 0);
      for (uint32_t t = 0; t < prog.threadblocks.size(); ++t) {
        const Threadblock& tb = prog.threadblocks[t];
        procs_.push_back(Proc{static_cast<int>(r), t, tb.firstOp, tb.firstOp + tb.numOps});
      }
    }
  }

  ScheduleResult run(ScheduleOrder order, uint64_t seed) {
    order == ScheduleOrder::Random ? runRandom(seed) : runRoundRobin();
    ScheduleResult res;
    res.executed = executed_;
    for (Proc& pr : procs_)
      if (!pr.done()) res.blocked.push_back(BlockedOp{pr.rank, pr.tb, pr.pc, reason(pr)});
    res.completed = res.blocked.empty();
    return res;
  }

 private:
  void runRoundRobin() {
    for (bool progress = true; progress;) {
      progress = false;
      for (Proc& pr : procs_)
        while (!pr.done() && ready(pr)) {
          step(pr);
          progress = true;
        }
    }
  }

  void runRandom(uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<size_t> alive;
    for (size_t i = 0; i < procs_.size(); ++i)
      if (!procs_[i].done()) alive.push_back(i);
    while (!alive.empty()) {
      size_t start = rng() % alive.size(), found = alive.size();
      for (size_t k = 0; k < alive.size() && found == alive.size(); ++k)
        if (ready(procs_[alive[(start + k) % alive.size()]])) found = (start + k) % alive.size();
      if (found == alive.size()) return;  // deadlock
      Proc& pr = procs_[alive[found]];
      for (uint64_t burst = 1 + rng() % 4; burst > 0 && !pr.done() && ready(pr); --burst) step(pr);
      if (pr.done()) {
        alive[found] = alive.back();
        alive.pop_back();
      }
    }
  }

  bool ready(Proc& pr) {
    const RankProgram& prog = p_.ranks[pr.rank];
    const Op& op = prog.ops[pr.pc];
    switch (op.kind) {
      case OpKind::Wait: return firstMissingSignal(pr) < 0;
      case OpKind::Barrier: return barrierOpen(pr);
      case OpKind::ReadPackets:
      case OpKind::ReducePackets: return firstMissingPacket(pr) < 0;
      default: return true;
    }
  }

  // The index in the wait's channel list of a channel with no signal to consume, or -1.
  int firstMissingSignal(const Proc& pr) const {
    const RankProgram& prog = p_.ranks[pr.rank];
    const Op& op = prog.ops[pr.pc];
    for (uint32_t k = 0; k < op.numChannels; ++k) {
      int32_t c = prog.chans(op)[k].channel;
      const Channel& ch = prog.channels[c];
      if (ch.peerIndex < 0 || sent_[ch.peer][ch.peerIndex] <= waited_[pr.rank][c])
        return static_cast<int>(k);
    }
    return -1;
  }

  // A scratch chunk the op reads whose packets have not arrived, or -1.
  int64_t firstMissingPacket(const Proc& pr) const {
    const RankProgram& prog = p_.ranks[pr.rank];
    const Op& op = prog.ops[pr.pc];
    for (uint32_t k = 0; k < op.numSrcs; ++k) {
      const ChunkRef& s = prog.srcs(op)[k];
      if (s.buffer != Buffer::Scratch || s.channel != kLocal) continue;
      for (uint32_t c = s.chunk; c < s.chunk + op.count; ++c)
        if (!packets_[pr.rank][c]) return c;
    }
    return -1;
  }

  bool barrierOpen(Proc& pr) {
    auto& arrivals = arrivals_[pr.rank];
    if (!pr.arrived) {
      pr.arrived = true;
      if (arrivals.size() <= pr.barriers) arrivals.resize(pr.barriers + 1, 0);
      ++arrivals[pr.barriers];
      obs_.arriveAtBarrier(pr.rank, pr.tb, pr.pc, pr.barriers);
    }
    return arrivals[pr.barriers] == p_.ranks[pr.rank].threadblocks.size();
  }

  void step(Proc& pr) {
    const RankProgram& prog = p_.ranks[pr.rank];
    const Op& op = prog.ops[pr.pc];
    obs_.execute(pr.rank, pr.tb, pr.pc);
    ++executed_;
    if (op.kind == OpKind::Signal || op.kind == OpKind::Wait) {
      auto& counts = op.kind == OpKind::Signal ? sent_[pr.rank] : waited_[pr.rank];
      for (uint32_t k = 0; k < op.numChannels; ++k) ++counts[prog.chans(op)[k].channel];
    } else if (op.kind == OpKind::Barrier) {
      ++pr.barriers;
      pr.arrived = false;
    } else if (op.kind == OpKind::PutPackets) {
      const ChunkRef& d = prog.dsts(op)[0];
      auto& written = packets_[prog.channels[d.channel].peer];
      for (uint32_t c = d.chunk; c < d.chunk + op.count; ++c) written[c] = 1;
    }
    ++pr.pc;
  }

  std::string reason(const Proc& pr) const {
    const RankProgram& prog = p_.ranks[pr.rank];
    const Op& op = prog.ops[pr.pc];
    if (op.kind == OpKind::Wait) {
      int k = firstMissingSignal(pr);
      const Channel& ch = prog.channels[prog.chans(op)[k < 0 ? 0 : k].channel];
      uint64_t got = ch.peerIndex < 0 ? 0 : sent_[ch.peer][ch.peerIndex];
      return "wait on channel " + std::to_string(ch.id) + " needs signal #" +
             std::to_string(waited_[pr.rank][prog.chans(op)[k < 0 ? 0 : k].channel] + 1) +
             " from rank " + std::to_string(ch.peer) + ", which sent " + std::to_string(got) +
             " before it blocked or finished";
    }
    if (op.kind == OpKind::Barrier) return barrierReason(pr);
    int64_t c = firstMissingPacket(pr);
    return std::string(opKindName(op.kind)) + " waits for packets in scratch chunk " +
           std::to_string(c) + " that no put-packets writes before the others block";
  }

  std::string barrierReason(const Proc& pr) const {
    for (const Proc& other : procs_) {
      if (other.rank != pr.rank || other.arrived) continue;
      return "barrier #" + std::to_string(pr.barriers) + " of rank " + std::to_string(pr.rank) +
             " never opens: threadblock " + std::to_string(other.tb) +
             (other.done() ? " finished without reaching it" : " is blocked before it");
    }
    return "barrier #" + std::to_string(pr.barriers) + " never opens";
  }

  const Plan& p_;
  ScheduleObserver& obs_;
  std::vector<Proc> procs_;
  std::vector<std::vector<uint64_t>> sent_, waited_;  // [rank][channel]
  std::vector<std::vector<uint8_t>> packets_;         // [rank][scratch chunk]: written
  std::vector<std::vector<uint32_t>> arrivals_;       // [rank][barrier number]
  uint64_t executed_ = 0;
};

}  // namespace

ScheduleResult runSchedule(const Plan& plan, ScheduleOrder order, uint64_t seed,
                           ScheduleObserver& observer) {
  return Engine(plan, observer).run(order, seed);
}

}  // namespace lccl::plan
