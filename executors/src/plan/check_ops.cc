// checkPlan stage 3: each op on its own — channel buffers, protocol rules,
// the read-only input, reductions, repeated channels.
#include <string>
#include <vector>

#include "check_internal.hpp"
#include "paths.hpp"

namespace lccl::plan::detail {
namespace {

struct OpCtx {
  const Plan& p;
  Diagnostics& d;
  int rank;
  uint32_t index;
  const Op& op;
  const RankProgram& prog;
};

bool isPacketOp(OpKind k) {
  return k == OpKind::PutPackets || k == OpKind::ReadPackets || k == OpKind::ReducePackets;
}

std::string chName(const Channel& ch) { return "channel " + std::to_string(ch.id); }

// A remote reference must name the buffer its channel reaches.
void checkRemote(const OpCtx& c, const ChunkRef& ref, const std::string& path) {
  if (ref.channel < 0) return;
  const Channel& ch = c.prog.channels[ref.channel];
  std::string peer = "rank " + std::to_string(ch.peer) + "'s ";
  if (!ch.hasDst)
    c.d.error(path + ".buffer", chName(ch) + " has no dst buffer (declare \"dst\" on it)");
  else if (ch.dst != ref.buffer)
    c.d.error(path + ".buffer", chName(ch) + " reaches " + peer + bufferName(ch.dst) + ", not " +
                                    bufferName(ref.buffer));
}

// put / get / put-packets move data between the channel's src and dst buffers.
void checkChannelSrc(const OpCtx& c, const ChunkRef& local, const ChunkRef& remote,
                     const std::string& localPath) {
  const Channel& ch = c.prog.channels[remote.channel];
  std::string op = opKindName(c.op.kind);
  if (!ch.hasSrc)
    c.d.error(localPath + ".buffer", chName(ch) + " has no src buffer, which " + op + " uses");
  else if (ch.src != local.buffer)
    c.d.error(localPath + ".buffer", op + " uses the src buffer of " + chName(ch) + ", which is " +
                                         bufferName(ch.src) + ", not " + bufferName(local.buffer));
}

void checkProtocol(const OpCtx& c) {
  bool ll = c.p.protocol == Protocol::LL;
  std::string op = opKindName(c.op.kind);
  if (isPacketOp(c.op.kind) && !ll) {
    c.d.error(opPath(c.p, c.rank, c.index) + ".op", op + " needs protocol LL");
    return;
  }
  if (!ll) return;
  const ChunkRef* s = c.prog.srcs(c.op);
  const ChunkRef* t = c.prog.dsts(c.op);
  bool packetSrc = c.op.kind == OpKind::ReadPackets || c.op.kind == OpKind::ReducePackets;
  bool anyPacketSrc = false;
  for (uint32_t i = 0; i < c.op.numSrcs; ++i) {
    bool scratch = s[i].buffer == Buffer::Scratch;
    anyPacketSrc = anyPacketSrc || scratch;
    if (scratch && !packetSrc)
      c.d.error(srcPath(c.p, c.rank, c.index, i) + ".buffer",
                "in LL plans scratch holds packets: read it with read-packets or reduce-packets");
  }
  if (packetSrc && !anyPacketSrc)
    c.d.error(srcPath(c.p, c.rank, c.index, 0) + ".buffer", op + " reads packets from scratch");
  for (uint32_t i = 0; i < c.op.numDsts; ++i) {
    bool scratch = t[i].buffer == Buffer::Scratch;
    if (scratch != (c.op.kind == OpKind::PutPackets))
      c.d.error(dstPath(c.p, c.rank, c.index, i) + ".buffer",
                scratch ? "in LL plans scratch holds packets: only put-packets writes it"
                        : "put-packets writes the peer's scratch (its packet buffer)");
  }
}

void checkWrites(const OpCtx& c) {
  if (c.p.inplace) return;
  const ChunkRef* t = c.prog.dsts(c.op);
  for (uint32_t i = 0; i < c.op.numDsts; ++i)
    if (t[i].buffer == Buffer::Input)
      c.d.error(dstPath(c.p, c.rank, c.index, i) + ".buffer",
                "writes input, which is read-only (the plan is not in place)");
}

void checkReduction(const OpCtx& c) {
  bool reduces = c.op.kind == OpKind::Reduce || c.op.numSrcs > 1;
  if (!reduces || collectiveReduces(c.p.collective)) return;
  c.d.error(opPath(c.p, c.rank, c.index) + (srcIsList(c.op.kind) ? ".srcs" : ".op"),
            std::string(collectiveName(c.p.collective)) + " does not reduce");
}

void checkChannelList(const OpCtx& c) {
  const ChunkRef* ch = c.prog.chans(c.op);
  for (uint32_t i = 0; i < c.op.numChannels; ++i)
    for (uint32_t k = 0; k < i; ++k)
      if (ch[k].channel == ch[i].channel)
        c.d.error(chanPath(c.p, c.rank, c.index, i),
                  chName(c.prog.channels[ch[i].channel]) + " is listed twice");
}

void checkOp(const OpCtx& c) {
  const ChunkRef* s = c.prog.srcs(c.op);
  const ChunkRef* t = c.prog.dsts(c.op);
  for (uint32_t i = 0; i < c.op.numSrcs; ++i)
    checkRemote(c, s[i], srcPath(c.p, c.rank, c.index, i));
  for (uint32_t i = 0; i < c.op.numDsts; ++i)
    checkRemote(c, t[i], dstPath(c.p, c.rank, c.index, i));
  if (c.op.kind == OpKind::Put || c.op.kind == OpKind::PutPackets)
    checkChannelSrc(c, s[0], t[0], srcPath(c.p, c.rank, c.index, 0));
  if (c.op.kind == OpKind::Get) checkChannelSrc(c, t[0], s[0], dstPath(c.p, c.rank, c.index, 0));
  checkProtocol(c);
  checkWrites(c);
  checkReduction(c);
  checkChannelList(c);
}

}  // namespace

void checkOps(const Plan& p, Diagnostics& d) {
  for (int r = 0; r < p.nranks && !d.full(); ++r) {
    const RankProgram& prog = p.ranks[r];
    for (uint32_t i = 0; i < prog.ops.size() && !d.full(); ++i)
      checkOp(OpCtx{p, d, r, i, prog.ops[i], prog});
  }
}

}  // namespace lccl::plan::detail
