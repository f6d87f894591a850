// checkPlan stage 4: semaphore ownership, signal/wait counts, barrier counts.
#include <string>
#include <vector>

#include "check_internal.hpp"
#include "paths.hpp"

namespace lccl::plan::detail {
namespace {

struct Use {
  uint32_t op;
  uint32_t pos;  // index in the op's channel list
};

// Every signal and wait of every channel end, in program order per threadblock.
struct SemaphoreUses {
  std::vector<std::vector<std::vector<Use>>> signals, waits;  // [rank][channel]
};

SemaphoreUses collectUses(const Plan& p) {
  SemaphoreUses u;
  u.signals.resize(p.nranks);
  u.waits.resize(p.nranks);
  for (int r = 0; r < p.nranks; ++r) {
    const RankProgram& prog = p.ranks[r];
    u.signals[r].resize(prog.channels.size());
    u.waits[r].resize(prog.channels.size());
    for (uint32_t i = 0; i < prog.ops.size(); ++i) {
      const Op& op = prog.ops[i];
      if (op.kind != OpKind::Signal && op.kind != OpKind::Wait) continue;
      auto& table = op.kind == OpKind::Signal ? u.signals[r] : u.waits[r];
      for (uint32_t k = 0; k < op.numChannels; ++k)
        table[prog.chans(op)[k].channel].push_back(Use{i, k});
    }
  }
  return u;
}

// All signals (or waits) of one channel end must come from one threadblock,
// so that the n-th signal pairs with the n-th wait in every execution.
void checkOwner(const Plan& p, Diagnostics& d, int r, const std::vector<Use>& uses,
                const char* what) {
  if (uses.empty()) return;
  const RankProgram& prog = p.ranks[r];
  uint32_t owner = threadblockOf(prog, uses[0].op);
  for (const Use& u : uses) {
    uint32_t tb = threadblockOf(prog, u.op);
    if (tb == owner) continue;
    const Channel& ch = prog.channels[prog.chans(prog.ops[u.op])[u.pos].channel];
    d.error(chanPath(p, r, u.op, u.pos),
            "threadblocks " + std::to_string(owner) + " and " + std::to_string(tb) + " both " +
                what + " channel " + std::to_string(ch.id) + "; one threadblock must own them");
    return;
  }
}

void checkCounts(const Plan& p, Diagnostics& d, const SemaphoreUses& u, int r, int32_t c) {
  const Channel& ch = p.ranks[r].channels[c];
  if (ch.peerIndex < 0) return;
  const auto& sent = u.signals[r][c];
  const auto& waited = u.waits[ch.peer][ch.peerIndex];
  std::string id = std::to_string(ch.id);
  if (waited.size() > sent.size()) {
    const Use& w = waited[sent.size()];
    d.error(chanPath(p, ch.peer, w.op, w.pos),
            "wait #" + std::to_string(sent.size() + 1) + " on channel " + id +
                " has no matching signal: rank " + std::to_string(r) + " signals channel " + id +
                " " + std::to_string(sent.size()) + " time(s)");
  } else if (sent.size() > waited.size()) {
    const Use& s = sent[waited.size()];
    d.error(chanPath(p, r, s.op, s.pos), "signal #" + std::to_string(waited.size() + 1) +
                                             " on channel " + id + " is never waited for: rank " +
                                             std::to_string(ch.peer) + " waits on channel " + id +
                                             " " + std::to_string(waited.size()) + " time(s)");
  }
}

}  // namespace

void checkSemaphores(const Plan& p, Diagnostics& d) {
  SemaphoreUses u = collectUses(p);
  for (int r = 0; r < p.nranks; ++r)
    for (size_t c = 0; c < p.ranks[r].channels.size(); ++c) {
      checkOwner(p, d, r, u.signals[r][c], "signal");
      checkOwner(p, d, r, u.waits[r][c], "wait on");
    }
  if (d.hasErrors()) return;
  for (int r = 0; r < p.nranks && !d.full(); ++r)
    for (size_t c = 0; c < p.ranks[r].channels.size(); ++c)
      checkCounts(p, d, u, r, static_cast<int32_t>(c));
}

void checkBarriers(const Plan& p, Diagnostics& d) {
  for (int r = 0; r < p.nranks; ++r) {
    const RankProgram& prog = p.ranks[r];
    std::vector<uint32_t> counts(prog.threadblocks.size(), 0);
    for (uint32_t i = 0; i < prog.ops.size(); ++i)
      if (prog.ops[i].kind == OpKind::Barrier) ++counts[threadblockOf(prog, i)];
    for (size_t t = 1; t < counts.size(); ++t)
      if (counts[t] != counts[0]) {
        d.error(p.path + "ranks[" + std::to_string(r) + "].threadblocks[" + std::to_string(t) + "]",
                "passes " + std::to_string(counts[t]) + " barrier(s) but threadblock 0 passes " +
                    std::to_string(counts[0]) +
                    "; every threadblock of a rank meets at each barrier");
        break;
      }
  }
}

}  // namespace lccl::plan::detail
