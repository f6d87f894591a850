// The abstract execution shared by the deadlock check and the simulator.
//
// Threadblocks that cannot run are parked on what they wait for (a channel's
// signals, their rank's barrier, a scratch chunk's packets) and woken when it
// happens, so a run costs O(ops + wake-ups), whatever the number of
// threadblocks.
#include "lccl/executors/schedule.hpp"

#include <deque>
#include <random>
#include <unordered_map>

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

enum class Outcome { Done, Blocked, Runnable };

class Engine {
 public:
  Engine(const Plan& p, ScheduleObserver& obs) : p_(p), obs_(obs) {
    size_t n = p.ranks.size();
    sent_.resize(n);
    waited_.resize(n);
    signalWaiters_.resize(n);
    barrierWaiters_.resize(n);
    packets_.resize(n);
    arrivals_.resize(n);
    for (size_t r = 0; r < n; ++r) {
      const RankProgram& prog = p.ranks[r];
      sent_[r].assign(prog.channels.size(), 0);
      waited_[r].assign(prog.channels.size(), 0);
      signalWaiters_[r].resize(prog.channels.size());
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
  // Each threadblock in turn runs as far as it can; woken ones rejoin the queue.
  void runRoundRobin() {
    for (uint32_t i = 0; i < procs_.size(); ++i) queue_.push_back(i);
    while (!queue_.empty()) {
      uint32_t id = queue_.front();
      queue_.pop_front();
      if (advance(id, UINT64_MAX) == Outcome::Blocked) park(id);
    }
  }

  // A random runnable threadblock runs a burst of 1-4 ops, until none can run.
  void runRandom(uint64_t seed) {
    std::mt19937_64 rng(seed);
    for (uint32_t i = 0; i < procs_.size(); ++i) queue_.push_back(i);
    while (!queue_.empty()) {
      size_t k = rng() % queue_.size();
      std::swap(queue_[k], queue_.back());
      uint32_t id = queue_.back();
      queue_.pop_back();
      Outcome o = advance(id, 1 + rng() % 4);
      if (o == Outcome::Runnable) queue_.push_back(id);
      if (o == Outcome::Blocked) park(id);
    }
  }

  Outcome advance(uint32_t id, uint64_t maxOps) {
    Proc& pr = procs_[id];
    for (uint64_t n = 0; n < maxOps; ++n) {
      if (pr.done()) return Outcome::Done;
      if (!ready(pr)) return Outcome::Blocked;
      step(pr);
    }
    return pr.done() ? Outcome::Done : Outcome::Runnable;
  }

  bool ready(Proc& pr) {
    switch (p_.ranks[pr.rank].ops[pr.pc].kind) {
      case OpKind::Wait: return firstMissingSignal(pr) < 0;
      case OpKind::Barrier: return barrierOpen(pr);
      case OpKind::ReadPackets:
      case OpKind::ReducePackets: return firstMissingPacket(pr) < 0;
      default: return true;
    }
  }

  // Parks a blocked threadblock on what it waits for.
  void park(uint32_t id) {
    const Proc& pr = procs_[id];
    const RankProgram& prog = p_.ranks[pr.rank];
    const Op& op = prog.ops[pr.pc];
    if (op.kind == OpKind::Wait)
      signalWaiters_[pr.rank][prog.chans(op)[firstMissingSignal(pr)].channel].push_back(id);
    else if (op.kind == OpKind::Barrier)
      barrierWaiters_[pr.rank].push_back(id);
    else
      packetWaiters_[packetKey(pr.rank, static_cast<uint32_t>(firstMissingPacket(pr)))].push_back(
          id);
  }

  void wake(std::vector<uint32_t>& waiters) {
    for (uint32_t id : waiters) queue_.push_back(id);
    waiters.clear();
  }

  static uint64_t packetKey(int rank, uint32_t chunk) {
    return (static_cast<uint64_t>(rank) << 32) | chunk;
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
    size_t all = p_.ranks[pr.rank].threadblocks.size();
    if (!pr.arrived) {
      pr.arrived = true;
      if (arrivals.size() <= pr.barriers) arrivals.resize(pr.barriers + 1, 0);
      if (++arrivals[pr.barriers] == all) wake(barrierWaiters_[pr.rank]);
      obs_.arriveAtBarrier(pr.rank, pr.tb, pr.pc, pr.barriers);
    }
    return arrivals[pr.barriers] == all;
  }

  void step(Proc& pr) {
    const RankProgram& prog = p_.ranks[pr.rank];
    const Op& op = prog.ops[pr.pc];
    obs_.execute(pr.rank, pr.tb, pr.pc);
    ++executed_;
    if (op.kind == OpKind::Signal) {
      for (uint32_t k = 0; k < op.numChannels; ++k) {
        const Channel& ch = prog.channels[prog.chans(op)[k].channel];
        ++sent_[pr.rank][prog.chans(op)[k].channel];
        if (ch.peerIndex >= 0) wake(signalWaiters_[ch.peer][ch.peerIndex]);
      }
    } else if (op.kind == OpKind::Wait) {
      for (uint32_t k = 0; k < op.numChannels; ++k) ++waited_[pr.rank][prog.chans(op)[k].channel];
    } else if (op.kind == OpKind::Barrier) {
      ++pr.barriers;
      pr.arrived = false;
    } else if (op.kind == OpKind::PutPackets) {
      const ChunkRef& d = prog.dsts(op)[0];
      int peer = prog.channels[d.channel].peer;
      for (uint32_t c = d.chunk; c < d.chunk + op.count; ++c) {
        packets_[peer][c] = 1;
        auto it = packetWaiters_.find(packetKey(peer, c));
        if (it != packetWaiters_.end()) wake(it->second);
      }
    }
    ++pr.pc;
  }

  std::string reason(const Proc& pr) const {
    const RankProgram& prog = p_.ranks[pr.rank];
    const Op& op = prog.ops[pr.pc];
    if (op.kind == OpKind::Wait) {
      int k = firstMissingSignal(pr);
      int32_t c = prog.chans(op)[k < 0 ? 0 : k].channel;
      const Channel& ch = prog.channels[c];
      uint64_t got = ch.peerIndex < 0 ? 0 : sent_[ch.peer][ch.peerIndex];
      return "wait on channel " + std::to_string(ch.id) + " needs signal #" +
             std::to_string(waited_[pr.rank][c] + 1) + " from rank " + std::to_string(ch.peer) +
             ", which sent " + std::to_string(got) + " before it blocked or finished";
    }
    if (op.kind == OpKind::Barrier) return barrierReason(pr);
    return std::string(opKindName(op.kind)) + " waits for packets in scratch chunk " +
           std::to_string(firstMissingPacket(pr)) +
           " that no put-packets writes before the others block";
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
  std::deque<uint32_t> queue_;                                         // runnable threadblocks
  std::vector<std::vector<uint64_t>> sent_, waited_;                   // [rank][channel]
  std::vector<std::vector<std::vector<uint32_t>>> signalWaiters_;      // [rank][channel]
  std::vector<std::vector<uint32_t>> barrierWaiters_;                  // [rank]
  std::unordered_map<uint64_t, std::vector<uint32_t>> packetWaiters_;  // (rank, chunk)
  std::vector<std::vector<uint8_t>> packets_;    // [rank][scratch chunk]: written
  std::vector<std::vector<uint32_t>> arrivals_;  // [rank][barrier number]
  uint64_t executed_ = 0;
};

}  // namespace

ScheduleResult runSchedule(const Plan& plan, ScheduleOrder order, uint64_t seed,
                           ScheduleObserver& observer) {
  return Engine(plan, observer).run(order, seed);
}

}  // namespace lccl::plan
