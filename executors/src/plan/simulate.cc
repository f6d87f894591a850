// The CPU simulator: real bytes moved by every op, in a seeded random valid
// interleaving, then outputs compared with the collective's definition.
#include "lccl/executors/simulate.hpp"

#include <exception>

#include "sim_memory.hpp"

namespace lccl::plan {
namespace {

using detail::SimMemory;

class Executor : public ScheduleObserver {
 public:
  Executor(const Plan& p, SimMemory& mem, SimulateResult& res) : p_(p), mem_(mem), res_(res) {
    for (size_t r = 0; r < p.ranks.size(); ++r) {
      base_.push_back(res.traffic.size());
      for (const Channel& ch : p.ranks[r].channels)
        res.traffic.push_back(ChannelTraffic{static_cast<int>(r), ch.id, ch.peer});
    }
  }

  void execute(int rank, uint32_t tb, uint32_t opIndex) override {
    const RankProgram& prog = p_.ranks[rank];
    const Op& op = prog.ops[opIndex];
    if (op.numSrcs == 0) return;  // signal, wait, flush, barrier move no data
    uint64_t elems = uint64_t{op.count} * mem_.chunkElems();
    acc_.resize(elems);
    tmp_.resize(elems);
    for (uint32_t i = 0; i < op.numSrcs; ++i) {
      load(rank, op, prog.srcs(op)[i], i == 0 ? acc_.data() : tmp_.data());
      if (i > 0)
        for (uint64_t e = 0; e < elems; ++e) acc_[e] = detail::combine(p_.reduce, acc_[e], tmp_[e]);
    }
    for (uint32_t i = 0; i < op.numDsts; ++i) store(rank, op, prog.dsts(op)[i]);
  }

 private:
  int owner(int rank, const ChunkRef& ref) const {
    return ref.channel < 0 ? rank : p_.ranks[rank].channels[ref.channel].peer;
  }

  void load(int rank, const Op& op, const ChunkRef& ref, uint64_t* out) {
    bool packets = p_.protocol == Protocol::LL && ref.buffer == Buffer::Scratch;
    if (packets && !mem_.readPackets(rank, ref.chunk, op.count, out))
      res_.errors.push_back("internal: rank " + std::to_string(rank) + " read scratch chunk " +
                            std::to_string(ref.chunk) + " before its packets arrived");
    if (!packets) mem_.read(owner(rank, ref), ref.buffer, ref.chunk, op.count, out);
    if (ref.channel >= 0) res_.traffic[base_[rank] + ref.channel].bytesRead += bytes(op);
  }

  void store(int rank, const Op& op, const ChunkRef& ref) {
    bool packets = op.kind == OpKind::PutPackets;
    if (packets)
      mem_.writePackets(owner(rank, ref), ref.chunk, op.count, acc_.data());
    else
      mem_.write(owner(rank, ref), ref.buffer, ref.chunk, op.count, acc_.data());
    if (ref.channel >= 0)
      res_.traffic[base_[rank] + ref.channel].bytesWritten += bytes(op) * (packets ? 2 : 1);
  }

  uint64_t bytes(const Op& op) const { return op.count * mem_.chunkBytes(); }

  const Plan& p_;
  SimMemory& mem_;
  SimulateResult& res_;
  std::vector<size_t> base_;  // first traffic entry of each rank
  std::vector<uint64_t> acc_, tmp_;
};

// Why the plan cannot be simulated at this size, or "".
std::string tooLarge(const Plan& p, const SimulateOptions& o) {
  if (o.chunkElems == 0 || o.chunkElems > (1u << 16)) return "chunk elements must be 1..65536";
  uint64_t bytes = SimMemory::bytesNeeded(p, o.chunkElems);
  if (bytes > kMaxSimulationBytes)
    return "needs " + std::to_string(bytes) + " bytes of buffers (limit " +
           std::to_string(kMaxSimulationBytes) + "); use fewer chunk elements";
  uint64_t work = 0;
  for (const RankProgram& prog : p.ranks)
    for (const Op& op : prog.ops)
      work += (uint64_t{op.numSrcs} + op.numDsts) * op.count * o.chunkElems;
  if (work > kMaxSimulationWork) return "needs " + std::to_string(work) + " element moves";
  return "";
}

// Divides reduction results by nranks (avg), then compares every checked output.
void verify(const Plan& p, SimMemory& mem, SimulateResult& res) {
  std::vector<uint64_t> expected, got;
  size_t mismatches = 0;
  uint32_t chunks = p.bufferChunks(Buffer::Output);
  for (int r = 0; r < p.nranks; ++r) {
    if (!detail::expectedOutput(p, mem, r, expected)) continue;
    got.resize(expected.size());
    mem.read(r, Buffer::Output, 0, chunks, got.data());
    if (p.reduce == ReduceKind::Avg) {
      for (auto& v : got) v /= static_cast<uint64_t>(p.nranks);
      mem.write(r, Buffer::Output, 0, chunks, got.data());
    }
    for (size_t i = 0; i < got.size(); ++i) {
      if (got[i] == expected[i]) continue;
      if (mismatches++ < 8)
        res.errors.push_back("rank " + std::to_string(r) + " output chunk " +
                             std::to_string(i / mem.chunkElems()) + " element " +
                             std::to_string(i % mem.chunkElems()) + ": expected " +
                             std::to_string(expected[i]) + ", got " + std::to_string(got[i]));
    }
  }
  if (mismatches > 8)
    res.errors.push_back("... " + std::to_string(mismatches - 8) + " more mismatching elements");
}

}  // namespace

SimulateResult simulatePlan(const Plan& p, const SimulateOptions& o) {
  SimulateResult res;
  try {
    std::string why = tooLarge(p, o);
    if (!why.empty()) {
      res.errors.push_back("cannot simulate: " + why);
      return res;
    }
    SimMemory mem(p, o.chunkElems);
    std::mt19937_64 rng(o.seed);
    mem.initialise(rng);
    res.messageBytes = uint64_t{p.bufferChunks(Buffer::Input)} * mem.chunkBytes();
    Executor exec(p, mem, res);
    ScheduleResult run = runSchedule(p, o.order, rng(), exec);
    res.opsExecuted = run.executed;
    for (const BlockedOp& b : run.blocked)
      res.errors.push_back(opPath(p, b.rank, b.op) + ": deadlock: " + b.reason);
    if (run.completed) verify(p, mem, res);
  } catch (const std::exception& e) {
    res.errors.push_back(std::string("internal error while simulating: ") + e.what());
  }
  res.ok = res.errors.empty();
  return res;
}

}  // namespace lccl::plan
