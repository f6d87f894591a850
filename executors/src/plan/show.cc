// lccl-plan show: one line per op, chunk references spelled out.
#include "lccl/executors/show.hpp"

#include <cstdio>

namespace lccl::plan {
namespace {

std::string chunks(Buffer b, uint32_t chunk, uint32_t count) {
  std::string out = std::string(bufferName(b)) + "[" + std::to_string(chunk);
  if (count > 1) out += ".." + std::to_string(chunk + count - 1);
  return out + "]";
}

std::string ref(const RankProgram& prog, const ChunkRef& r, uint32_t count) {
  if (r.channel < 0) return chunks(r.buffer, r.chunk, count);
  const Channel& ch = prog.channels[r.channel];
  return "rank " + std::to_string(ch.peer) + ":" + chunks(r.buffer, r.chunk, count) + " (ch " +
         std::to_string(ch.id) + ")";
}

std::string list(const RankProgram& prog, const ChunkRef* refs, uint32_t n, uint32_t count) {
  std::string out;
  for (uint32_t i = 0; i < n; ++i) out += (i ? ", " : "") + ref(prog, refs[i], count);
  return out;
}

std::string opText(const Plan& p, const RankProgram& prog, const Op& op) {
  switch (op.kind) {
    case OpKind::Signal:
    case OpKind::Wait:
    case OpKind::Flush: {
      std::string out;
      for (uint32_t i = 0; i < op.numChannels; ++i) {
        const Channel& ch = prog.channels[prog.chans(op)[i].channel];
        out += (i ? ", " : "") + std::string("ch ") + std::to_string(ch.id) + " (rank " +
               std::to_string(ch.peer) + ")";
      }
      return out;
    }
    case OpKind::Barrier: return "";
    case OpKind::Reduce:
    case OpKind::ReadReduceCopy:
    case OpKind::ReducePackets:
      return list(prog, prog.dsts(op), op.numDsts, op.count) + " = " +
             (op.numSrcs > 1 ? reduceKindName(p.reduce) : "copy") + "(" +
             list(prog, prog.srcs(op), op.numSrcs, op.count) + ")";
    default:
      return ref(prog, prog.srcs(op)[0], op.count) + " -> " + ref(prog, prog.dsts(op)[0], op.count);
  }
}

std::string channelsText(const RankProgram& prog) {
  std::string out;
  for (const Channel& ch : prog.channels) {
    out += "    ch " + std::to_string(ch.id) + " <-> rank " + std::to_string(ch.peer);
    if (ch.hasSrc) out += std::string(", src ") + bufferName(ch.src);
    if (ch.hasDst) out += std::string(", dst ") + bufferName(ch.dst) + " (the peer's)";
    out += "\n";
  }
  return out;
}

}  // namespace

std::string showPlan(const Plan& p) {
  std::string out = "plan " + p.name + ": " + collectiveName(p.collective);
  if (p.reduce != ReduceKind::None) out += std::string(" (") + reduceKindName(p.reduce) + ")";
  if (p.root >= 0) out += " root " + std::to_string(p.root);
  out += ", " + std::to_string(p.nranks) + " ranks, protocol " + protocolName(p.protocol) +
         (p.inplace ? ", in place\n" : ", out of place\n");
  out += "buffers: input " + std::to_string(p.bufferChunks(Buffer::Input)) + ", output " +
         std::to_string(p.bufferChunks(Buffer::Output)) + ", scratch " +
         std::to_string(p.bufferChunks(Buffer::Scratch)) + " chunks\n";
  for (int r = 0; r < p.nranks; ++r) {
    const RankProgram& prog = p.ranks[r];
    out += "rank " + std::to_string(r) + "\n" + channelsText(prog);
    for (size_t t = 0; t < prog.threadblocks.size(); ++t) {
      const Threadblock& tb = prog.threadblocks[t];
      out += "  threadblock " + std::to_string(t) + "\n";
      for (uint32_t i = 0; i < tb.numOps; ++i) {
        const Op& op = prog.ops[tb.firstOp + i];
        char head[48];
        std::snprintf(head, sizeof head, "    %3u  %-16s ", i, opKindName(op.kind));
        out += head + opText(p, prog, op) + "\n";
      }
    }
  }
  return out;
}

std::string showPlanFile(const PlanFile& f) {
  if (!f.hasVariants) return showPlan(f.variants[0].plan);
  std::string out =
      "plan file " + f.name + ": " + std::to_string(f.variants.size()) + " variants\n";
  for (size_t i = 0; i < f.variants.size(); ++i) {
    const Variant& v = f.variants[i];
    out +=
        "\nvariant " + std::to_string(i) + ": input bytes [" + std::to_string(v.minBytes) + ", " +
        (v.maxBytes == UINT64_MAX ? std::string("unbounded") : std::to_string(v.maxBytes)) + ")\n";
    out += showPlan(v.plan);
  }
  return out;
}

}  // namespace lccl::plan
