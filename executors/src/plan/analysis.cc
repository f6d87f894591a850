// checkPlan stage 5: one abstract execution -> deadlocks, accesses, clocks.
#include "analysis.hpp"

#include "lccl/executors/schedule.hpp"
#include "paths.hpp"

namespace lccl::plan::detail {
namespace {

constexpr uint64_t kMaxClockEntries = 32u << 20;  // 128 MiB of vector clocks

AccessMode modeOf(const Plan& p, const Op& op, const ChunkRef& ref, bool isDst) {
  bool packets = p.protocol == Protocol::LL && ref.buffer == Buffer::Scratch;
  if (isDst) return packets ? AccessMode::PacketWrite : AccessMode::Write;
  return packets ? AccessMode::PacketRead : AccessMode::Read;
}

class Recorder : public ScheduleObserver {
 public:
  Recorder(const Plan& p, HappensBefore& hb) : p_(p), hb_(hb), barriers_(p.ranks.size()) {
    for (size_t r = 0; r < p.ranks.size(); ++r)
      barriers_[r].assign(p.ranks[r].threadblocks.size(), 0);
  }

  void execute(int rank, uint32_t tb, uint32_t opIndex) override {
    const RankProgram& prog = p_.ranks[rank];
    const Op& op = prog.ops[opIndex];
    switch (op.kind) {
      case OpKind::Signal:
      case OpKind::Wait:
        for (uint32_t k = 0; k < op.numChannels; ++k) {
          int32_t c = prog.chans(op)[k].channel;
          op.kind == OpKind::Signal ? hb_.signal(rank, tb, opIndex, c)
                                    : hb_.wait(rank, tb, opIndex, c);
        }
        return;
      case OpKind::Barrier: hb_.passBarrier(rank, tb, opIndex, barriers_[rank][tb]++); return;
      default: record(rank, tb, opIndex, op);
    }
  }

  void arriveAtBarrier(int rank, uint32_t tb, uint32_t op, uint32_t k) override {
    hb_.arriveAtBarrier(rank, tb, op, k);
  }

  std::vector<Access>& accesses() { return accesses_; }

 private:
  void record(int rank, uint32_t tb, uint32_t opIndex, const Op& op) {
    const RankProgram& prog = p_.ranks[rank];
    Event e = hb_.event(rank, tb, opIndex);
    for (uint32_t i = 0; i < op.numSrcs + op.numDsts; ++i) {
      bool isDst = i >= op.numSrcs;
      const ChunkRef& ref = prog.refs[op.firstRef + i];
      int owner = ref.channel < 0 ? rank : prog.channels[ref.channel].peer;
      Location loc = resolve(p_, owner, ref.buffer, ref.chunk);
      accesses_.push_back(Access{owner, loc.buffer, loc.chunk, op.count, modeOf(p_, op, ref, isDst),
                                 rank, opIndex, isDst, isDst ? i - op.numSrcs : i, e});
    }
  }

  const Plan& p_;
  HappensBefore& hb_;
  std::vector<std::vector<uint32_t>> barriers_;  // [rank][tb]: barriers passed
  std::vector<Access> accesses_;
};

}  // namespace

void analyse(const Plan& p, Diagnostics& d) {
  uint64_t entries = HappensBefore::estimateEntries(p);
  if (entries > kMaxClockEntries) {
    d.error(p.path + "ranks", "too large to analyse: " + std::to_string(entries) +
                                  " vector-clock entries (limit " +
                                  std::to_string(kMaxClockEntries) + ")");
    return;
  }
  HappensBefore hb(p);
  Recorder rec(p, hb);
  ScheduleResult res = runSchedule(p, ScheduleOrder::RoundRobin, 0, rec);
  for (const BlockedOp& b : res.blocked) d.error(opPath(p, b.rank, b.op), "deadlock: " + b.reason);
  if (!res.completed) return;  // races among a partial run would mislead
  hb.finish();
  checkRaces(p, hb, rec.accesses(), d);
}

}  // namespace lccl::plan::detail
