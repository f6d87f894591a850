#include "program.hpp"

#include <cuda_runtime.h>

#include <algorithm>
#include <map>

#include "lccl/errors.hpp"

namespace lccl::exec {

using plan::Buffer;
using plan::OpKind;

Program::~Program() {
  if (device) (void)cudaFree(device);
}

namespace {

// Which region of rank r's memory some peer's channel reaches (after aliasing).
void analyseReach(Program& p, const plan::Plan& pl) {
  for (auto& v : p.peerReaches) v.assign(pl.nranks, 0);
  for (int q = 0; q < pl.nranks; ++q)
    for (const plan::Channel& ch : pl.ranks[q].channels) {
      if (!ch.hasDst || ch.dst == Buffer::Scratch) continue;
      const plan::Location loc = plan::resolve(pl, ch.peer, ch.dst, 0);
      if (loc.buffer != Buffer::Scratch) p.peerReaches[static_cast<int>(loc.buffer)][ch.peer] = 1;
    }
}

// Channel slots: the k-th channel (in id order) between two ranks has slot k
// on both ends.
void assignSlots(Program& p, const plan::Plan& pl) {
  p.pairSlots = 0;
  for (int r = 0; r < pl.nranks; ++r) {
    std::map<int, std::vector<int32_t>> idsByPeer;
    for (const plan::Channel& ch : pl.ranks[r].channels) idsByPeer[ch.peer].push_back(ch.id);
    for (auto& kv : idsByPeer) {
      std::sort(kv.second.begin(), kv.second.end());
      p.pairSlots = std::max<uint32_t>(p.pairSlots, static_cast<uint32_t>(kv.second.size()));
    }
    if (r != p.rank) continue;
    for (const plan::Channel& ch : pl.ranks[r].channels) {
      const auto& ids = idsByPeer[ch.peer];
      p.slotOf.push_back(static_cast<uint32_t>(
          std::lower_bound(ids.begin(), ids.end(), ch.id) - ids.begin()));
    }
  }
}

// Writer rank of each of my LL scratch chunks (-1: none), from every rank's put-packets.
std::vector<int32_t> packetWriters(const plan::Plan& pl, int rank) {
  std::vector<int32_t> w(pl.bufferChunks(Buffer::Scratch), -1);
  for (int q = 0; q < pl.nranks; ++q) {
    const plan::RankProgram& rp = pl.ranks[q];
    for (const plan::Op& op : rp.ops) {
      if (op.kind != OpKind::PutPackets) continue;
      for (uint32_t i = 0; i < op.numDsts; ++i) {
        const plan::ChunkRef& d = rp.dsts(op)[i];
        if (d.channel < 0 || rp.channels[d.channel].peer != rank) continue;
        for (uint32_t c = 0; c < op.count && d.chunk + c < w.size(); ++c) w[d.chunk + c] = q;
      }
    }
  }
  return w;
}

// Per op: the peer its waits depend on (channel peer, or the writer of the
// first packet source), and the packet-path flag.
std::vector<int32_t> annotateOps(const plan::Plan& pl, int rank, std::vector<plan::Op>& ops) {
  const plan::RankProgram& rp = pl.ranks[rank];
  const bool ll = pl.protocol == plan::Protocol::LL;
  const std::vector<int32_t> writers = packetWriters(pl, rank);
  std::vector<int32_t> peer(ops.size(), -1);
  for (size_t i = 0; i < ops.size(); ++i) {
    plan::Op& op = ops[i];
    op.reserved = 0;
    const bool packetKind = op.kind == OpKind::PutPackets || op.kind == OpKind::ReadPackets ||
                            op.kind == OpKind::ReducePackets;
    if (packetKind) op.reserved |= kOpPacketPath;
    if (op.numChannels > 0) peer[i] = rp.channels[rp.chans(op)[0].channel].peer;
    for (uint32_t s = 0; s < op.numSrcs; ++s) {
      const plan::ChunkRef& r = rp.srcs(op)[s];
      if (!ll || r.buffer != Buffer::Scratch || r.channel >= 0) continue;
      op.reserved |= kOpPacketPath;
      if (peer[i] < 0 && r.chunk < writers.size()) peer[i] = writers[r.chunk];
    }
  }
  return peer;
}

uint64_t align16(uint64_t v) { return (v + 15) / 16 * 16; }

template <class T>
void put(char* blob, uint64_t& off, const std::vector<T>& v, const T*& where) {
  where = reinterpret_cast<const T*>(blob + off);
  if (!v.empty())
    LCCL_CUDA_CHECK(cudaMemcpy(blob + off, v.data(), sizeof(T) * v.size(), cudaMemcpyHostToDevice));
  off = align16(off + sizeof(T) * v.size());
}

}  // namespace

void analyseProgram(Program& p, const plan::Plan& pl, int rank, ProgramArrays& out) {
  p.plan = &pl;
  p.name = pl.name;
  p.rank = rank;
  const plan::RankProgram& rp = pl.ranks.at(rank);
  p.myTbs = static_cast<int>(rp.threadblocks.size());
  p.maxTbs = 0;
  for (const plan::RankProgram& r : pl.ranks)
    p.maxTbs = std::max(p.maxTbs, static_cast<int>(r.threadblocks.size()));
  analyseReach(p, pl);
  p.slotOf.clear();
  assignSlots(p, pl);
  out.ops = rp.ops;
  out.opPeer = annotateOps(pl, rank, out.ops);
}

void buildProgram(Program& p, const plan::Plan& pl, int rank) {
  ProgramArrays arrays;
  analyseProgram(p, pl, rank, arrays);
  const plan::RankProgram& rp = pl.ranks[rank];
  const uint64_t bytes = align16(sizeof(plan::Threadblock) * rp.threadblocks.size()) +
                         align16(sizeof(plan::Op) * arrays.ops.size()) +
                         align16(sizeof(plan::ChunkRef) * rp.refs.size()) +
                         align16(sizeof(int32_t) * arrays.opPeer.size()) +
                         sizeof(DevChannel) * std::max<size_t>(rp.channels.size(), 1);
  LCCL_CUDA_CHECK(cudaMalloc(&p.device, bytes));
  char* blob = static_cast<char*>(p.device);
  uint64_t off = 0;
  put(blob, off, rp.threadblocks, p.tbs);
  put(blob, off, arrays.ops, p.ops);
  put(blob, off, rp.refs, p.refs);
  put(blob, off, arrays.opPeer, p.opPeer);
  p.channels = reinterpret_cast<DevChannel*>(blob + off);
}

Capacity needOf(const Program& p, uint64_t chunkBytes) {
  const plan::Plan& pl = *p.plan;
  Capacity c;
  for (int r = 0; r < pl.nranks; ++r) {
    if (p.reaches(r, Buffer::Input)) c.in = pl.bufferChunks(Buffer::Input) * chunkBytes;
    if (p.reaches(r, Buffer::Output)) c.out = pl.bufferChunks(Buffer::Output) * chunkBytes;
  }
  const uint64_t scratchChunks = pl.bufferChunks(Buffer::Scratch);
  if (p.ll()) c.ll = scratchChunks * packetChunkBytes(chunkBytes);
  else c.scratch = scratchChunks * chunkBytes;
  c.pairSlots = p.pairSlots;
  return c;
}

void bindChannels(Program& p, const Arena& arena) {
  const plan::Plan& pl = *p.plan;
  const plan::RankProgram& rp = pl.ranks[p.rank];
  const ArenaLayout& l = arena.layout();
  std::vector<DevChannel> table(rp.channels.size());
  for (size_t c = 0; c < rp.channels.size(); ++c) {
    const plan::Channel& ch = rp.channels[c];
    DevChannel& d = table[c];
    d.peer = ch.peer;
    if (ch.hasDst) {
      const plan::Location loc = plan::resolve(pl, ch.peer, ch.dst, 0);
      d.dst = arena.peer(ch.peer) + l.region(loc.buffer, p.ll());
      d.dstChunkOffset = loc.chunk;
    }
    const uint64_t mine = l.counterIndex(ch.peer, p.slotOf[c]);
    const uint64_t theirs = l.counterIndex(p.rank, p.slotOf[c]);
    d.inbound = reinterpret_cast<uint64_t*>(arena.local() + l.counters) + mine;
    d.remoteInbound = reinterpret_cast<uint64_t*>(arena.peer(ch.peer) + l.counters) + theirs;
    d.outbound = arena.outbound() + mine;
    d.expected = arena.expected() + mine;
  }
  if (!table.empty())
    LCCL_CUDA_CHECK(cudaMemcpy(p.channels, table.data(), sizeof(DevChannel) * table.size(),
                               cudaMemcpyHostToDevice));
  p.boundTo = arena.generation();
}

}  // namespace lccl::exec
