// The LL one-shot exchange: every rank writes a piece of its input to each
// peer as packets (slot `rank` of the peer's LL or LL128 region), and each
// rank then reduces or unpacks the pieces it received. The protocol P (LL16
// or LL128, device/protocols.cuh) is a template parameter: it says how a
// piece is cut into units, which worker (thread or warp) moves a unit, and
// how a unit is written and read. The packet flag is the only
// synchronisation; flags advance once per LL call on every rank, and the two
// flag parities alternate between two regions, which is safe because every LL
// collective makes each rank wait for every other rank's data of the same call.
#pragma once

#include "../kernel_common.cuh"
#include "staged.cuh"
#include "protocols.cuh"

namespace lccl::detail {

// Writes the piece for each peer into that peer's slot `rank`.
template <class P>
__device__ inline void llPublish(const KernelArgs& a, uint32_t flag, const Role& role) {
  const size_t units = P::units(a.bytes);
  const size_t slot = P::slot(a, flag, a.rank);
  for (size_t u = P::worker(role); u < units; u += P::workers(role)) {
    typename P::Val v{};
    if (!a.sendStride) v = P::load(a.send, u, a.bytes);  // one piece for every peer
    for (int p = 0; p < a.nranks; ++p) {
      if (p == a.rank) continue;
      if (a.sendStride) v = P::load(pieceFor(a, p), u, a.bytes);
      P::write(a.ch[p], slot + P::at(u), v, flag);
    }
  }
}

// Unit u of rank r's piece for me (my own piece comes from my input).
template <class P>
__device__ __forceinline__ bool llWord(const KernelArgs& a, uint32_t flag, int r, size_t u,
                                       typename P::Val& v) {
  if (r == a.rank) {
    v = P::load(pieceFor(a, a.rank), u, a.bytes);
    return true;
  }
  return P::read(a.ch[r], P::slot(a, flag, r) + P::at(u), flag, v);
}

// recv = reduction over ranks (in rank order) of every rank's piece for me.
template <class P, typename T, ReduceOp Op>
__device__ inline void llReduce(const KernelArgs& a, uint32_t flag, const Role& role) {
  const size_t units = P::units(a.bytes);
  for (size_t u = P::worker(role); u < units; u += P::workers(role)) {
    PackReducer<T, Op, P::kValBytes> acc;
    for (int r = 0; r < a.nranks; ++r) {
      typename P::Val v;
      if (!llWord<P>(a, flag, r, u, v)) return;
      if (r == 0) acc.first(P::template toPack<T>(v));
      else acc.add(P::template toPack<T>(v));
    }
    P::store(a.recv, u, a.bytes, P::fromPack(acc.result(a.nranks)));
  }
}

// recv piece r = rank r's piece for me, for every r (mine copied locally,
// skipped when it is already in place).
template <class P>
__device__ inline void llUnpack(const KernelArgs& a, uint32_t flag, const Role& role) {
  const size_t units = P::units(a.bytes);
  for (size_t u = P::worker(role); u < units; u += P::workers(role))
    for (int r = 0; r < a.nranks; ++r) {
      char* dst = a.recv + static_cast<size_t>(r) * a.recvStride;
      if (r == a.rank && dst == pieceFor(a, r)) continue;
      typename P::Val v;
      if (!llWord<P>(a, flag, r, u, v)) return;
      P::store(dst, u, a.bytes, v);
    }
}

// --- rooted LL (Broadcast, Reduce) -------------------------------------------
// Data flows between the root and the others only. The parity argument above
// needs every rank to wait, in every LL call, for a packet of that call from
// each rank that writes to it in later calls, i.e. from every peer: so each
// rank sends a one-packet token (packet 0 of its slot) to every peer it sends
// no data to, and waits for the token of every peer it gets no data from.
// Tokens are sent first and awaited last; thread p of block 0 serves peer p.
__device__ inline void llSendToken(const KernelArgs& a, uint32_t flag, int peer) {
  a.ch[peer].writePacket<LL16Packet>(a.layout.llSlotOffset(flag, a.rank, a.nranks), 0, flag);
}

__device__ inline bool llWaitToken(const KernelArgs& a, uint32_t flag, int peer) {
  uint64_t v;
  return a.ch[peer].readPacket<LL16Packet>(a.layout.llSlotOffset(flag, peer, a.nranks), flag, v);
}

// The peer block 0's thread serves, or -1.
__device__ __forceinline__ int tokenPeer(const KernelArgs& a) {
  const int p = static_cast<int>(threadIdx.x);
  return blockIdx.x == 0 && p < a.nranks && p != a.rank ? p : -1;
}

// Root: my input to every peer (and to my output when not in place).
// Others: the root's packets to my output.
__device__ inline void llBroadcastData(const KernelArgs& a, uint32_t flag) {
  const size_t words = (a.bytes + 7) / 8;
  const size_t slot = a.layout.llSlotOffset(flag, a.root, a.nranks);
  for (size_t w = globalThread(); w < words; w += globalThreads()) {
    uint64_t v;
    if (a.rank == a.root) {
      v = loadWord(a.send, w, a.bytes);
      for (int p = 0; p < a.nranks; ++p)
        if (p != a.rank) a.ch[p].writePacket<LL16Packet>(slot + w * sizeof(LL16Packet), v, flag);
      if (a.recv == a.send) continue;
    } else if (!a.ch[a.root].readPacket<LL16Packet>(slot + w * sizeof(LL16Packet), flag, v)) {
      return;
    }
    storeWord(a.recv, w, a.bytes, v);
  }
}

// Non-root: my input to the root's slot for me.
__device__ inline void llSendToRoot(const KernelArgs& a, uint32_t flag) {
  const size_t words = (a.bytes + 7) / 8;
  const size_t slot = a.layout.llSlotOffset(flag, a.rank, a.nranks);
  for (size_t w = globalThread(); w < words; w += globalThreads())
    a.ch[a.root].writePacket<LL16Packet>(slot + w * sizeof(LL16Packet), loadWord(a.send, w, a.bytes), flag);
}

// --- two-shot over LL packets (AllReduce, Reduce, Broadcast) --------------
// Units of the input are split into nranks shards; shard q is reduced (or,
// for Broadcast, forwarded) by rank q. Within a sender's slot, the first
// half carries the first hop's packets (reduce-scatter, or the root's
// scatter), the second half the second hop's (all-gather, or for Reduce the
// gather into the root). Every phase below walks its units with the same
// worker mapping, so in-place calls are safe: a unit of the input is read
// (sent or reduced) by the same worker that later overwrites it. Every rank
// hears from every peer in every call (Reduce: in the first hop, Broadcast:
// in the second), which keeps the flag parities safe (see the top of this
// file).

struct ShardWords {
  size_t begin, end;
};

__device__ __forceinline__ ShardWords shardWords(size_t units, int nranks, int q) {
  const size_t per = (units + nranks - 1) / nranks;
  const size_t b = min(per * q, units);
  return {b, min(b + per, units)};
}

// Reduce-scatter hop: the units of shard q go to rank q.
template <class P>
__device__ inline void llSendShards(const KernelArgs& a, uint32_t flag, size_t units, const Role& role) {
  const size_t slot = P::slot(a, flag, a.rank);
  for (int q = 0; q < a.nranks; ++q) {
    if (q == a.rank) continue;
    const ShardWords s = shardWords(units, a.nranks, q);
    for (size_t u = s.begin + P::worker(role); u < s.end; u += P::workers(role))
      P::write(a.ch[q], slot + P::at(u - s.begin), P::load(a.send, u, a.bytes), flag);
  }
}

// Reduce my shard (rank order) and pass it on: AllReduce keeps it and sends
// it to every peer (all-gather hop); Reduce (a.root >= 0) sends it to the
// root, which keeps its own.
template <class P, typename T, ReduceOp Op>
__device__ inline void llReduceShard(const KernelArgs& a, uint32_t flag, size_t units, const Role& role) {
  const ShardWords s = shardWords(units, a.nranks, a.rank);
  const size_t gather = P::slotBytes(a) / 2;
  const size_t mySlot = P::slot(a, flag, a.rank);
  for (size_t u = s.begin + P::worker(role); u < s.end; u += P::workers(role)) {
    const size_t at = P::at(u - s.begin);
    PackReducer<T, Op, P::kValBytes> acc;
    for (int r = 0; r < a.nranks; ++r) {
      typename P::Val v;
      if (r == a.rank) v = P::load(a.send, u, a.bytes);
      else if (!P::read(a.ch[r], P::slot(a, flag, r) + at, flag, v)) return;
      if (r == 0) acc.first(P::template toPack<T>(v));
      else acc.add(P::template toPack<T>(v));
    }
    const typename P::Val out = P::fromPack(acc.result(a.nranks));
    for (int p = 0; p < a.nranks; ++p)
      if (p != a.rank && (a.root < 0 || p == a.root)) P::write(a.ch[p], mySlot + gather + at, out, flag);
    if (a.root < 0 || a.rank == a.root) P::store(a.recv, u, a.bytes, out);
  }
}

// Broadcast: my shard, from the root's scatter (the root: from its input),
// to my output and to every peer (all-gather hop).
template <class P>
__device__ inline void llForwardShard(const KernelArgs& a, uint32_t flag, size_t units, const Role& role) {
  const ShardWords s = shardWords(units, a.nranks, a.rank);
  const size_t gather = P::slotBytes(a) / 2;
  const size_t mySlot = P::slot(a, flag, a.rank);
  const bool root = a.rank == a.root;
  for (size_t u = s.begin + P::worker(role); u < s.end; u += P::workers(role)) {
    const size_t at = P::at(u - s.begin);
    typename P::Val v;
    if (root) v = P::load(a.send, u, a.bytes);
    else if (!P::read(a.ch[a.root], P::slot(a, flag, a.root) + at, flag, v)) return;
    for (int p = 0; p < a.nranks; ++p)
      if (p != a.rank) P::write(a.ch[p], mySlot + gather + at, v, flag);
    if (!root || a.recv != a.send) P::store(a.recv, u, a.bytes, v);
  }
}

// All-gather hop: shard q's result from rank q, into my output where
// `store` (a Broadcast root in place only waits for them: they are its
// input already).
template <class P>
__device__ inline void llGatherShards(const KernelArgs& a, uint32_t flag, size_t units, const Role& role,
                                      bool store = true) {
  const size_t gather = P::slotBytes(a) / 2;
  for (int q = 0; q < a.nranks; ++q) {
    if (q == a.rank) continue;
    const ShardWords s = shardWords(units, a.nranks, q);
    const size_t slot = P::slot(a, flag, q) + gather;
    for (size_t u = s.begin + P::worker(role); u < s.end; u += P::workers(role)) {
      typename P::Val v;
      if (!P::read(a.ch[q], slot + P::at(u - s.begin), flag, v)) return;
      if (store) P::store(a.recv, u, a.bytes, v);
    }
  }
}

}  // namespace lccl::detail
