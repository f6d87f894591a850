// The LL one-shot exchange: every rank writes a piece of its input to each
// peer as LL16 packets (slot `rank` of the peer's LL region), and each rank
// then reduces or unpacks the pieces it received. The packet flag is the only
// synchronisation; flags advance once per LL call on every rank, and the two
// flag parities alternate between two regions, which is safe because every LL
// collective makes each rank wait for every other rank's data of the same call.
#pragma once

#include "../kernel_common.cuh"
#include "staged.cuh"
#include "words.cuh"

namespace lccl::detail {

// Writes the piece for each peer into that peer's slot `rank`.
__device__ inline void llPublish(const KernelArgs& a, uint32_t flag) {
  const size_t words = (a.bytes + 7) / 8;
  const size_t slot = a.layout.llSlotOffset(flag, a.rank, a.nranks);
  for (size_t w = globalThread(); w < words; w += globalThreads())
    for (int p = 0; p < a.nranks; ++p) {
      if (p == a.rank) continue;
      const uint64_t v = loadWord(pieceFor(a, p), w, a.bytes);
      a.ch[p].writePacket<LL16Packet>(slot + w * sizeof(LL16Packet), v, flag);
    }
}

// Word w of rank r's piece for me (my own piece comes from my input).
__device__ __forceinline__ bool llWord(const KernelArgs& a, uint32_t flag, int r, size_t w,
                                       uint64_t& v) {
  if (r == a.rank) {
    v = loadWord(pieceFor(a, a.rank), w, a.bytes);
    return true;
  }
  const size_t off = a.layout.llSlotOffset(flag, r, a.nranks) + w * sizeof(LL16Packet);
  return a.ch[r].readPacket<LL16Packet>(off, flag, v);
}

// recv = reduction over ranks (in rank order) of every rank's piece for me.
template <typename T, ReduceOp Op>
__device__ inline void llReduce(const KernelArgs& a, uint32_t flag) {
  const size_t words = (a.bytes + 7) / 8;
  for (size_t w = globalThread(); w < words; w += globalThreads()) {
    PackReducer<T, Op, 8> acc;
    for (int r = 0; r < a.nranks; ++r) {
      uint64_t v;
      if (!llWord(a, flag, r, w, v)) return;
      if (r == 0) acc.first(toPack<T>(v));
      else acc.add(toPack<T>(v));
    }
    storeWord(a.recv, w, a.bytes, fromPack(acc.result(a.nranks)));
  }
}

// recv piece r = rank r's piece for me, for every r (mine copied locally,
// skipped when it is already in place).
__device__ inline void llUnpack(const KernelArgs& a, uint32_t flag) {
  const size_t words = (a.bytes + 7) / 8;
  for (size_t w = globalThread(); w < words; w += globalThreads())
    for (int r = 0; r < a.nranks; ++r) {
      char* dst = a.recv + static_cast<size_t>(r) * a.recvStride;
      if (r == a.rank && dst == pieceFor(a, r)) continue;
      uint64_t v;
      if (!llWord(a, flag, r, w, v)) return;
      storeWord(dst, w, a.bytes, v);
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

// --- two-shot over LL packets (AllReduce) ---------------------------------
// Words of the input are split into nranks shards; shard q is reduced by rank
// q. Within a sender's slot, the first half carries reduce-scatter packets,
// the second half all-gather packets. Every phase below walks its words with
// the same thread mapping, so in-place calls are safe: a word of the input is
// read (sent or reduced) by the same thread that later overwrites it.

struct ShardWords {
  size_t begin, end;
};

__device__ __forceinline__ ShardWords shardWords(size_t words, int nranks, int q) {
  const size_t per = (words + nranks - 1) / nranks;
  const size_t b = min(per * q, words);
  return {b, min(b + per, words)};
}

// Reduce-scatter hop: the words of shard q go to rank q.
__device__ inline void llSendShards(const KernelArgs& a, uint32_t flag, size_t words) {
  const size_t slot = a.layout.llSlotOffset(flag, a.rank, a.nranks);
  for (int q = 0; q < a.nranks; ++q) {
    if (q == a.rank) continue;
    const ShardWords s = shardWords(words, a.nranks, q);
    for (size_t w = s.begin + globalThread(); w < s.end; w += globalThreads())
      a.ch[q].writePacket<LL16Packet>(slot + (w - s.begin) * sizeof(LL16Packet),
                                      loadWord(a.send, w, a.bytes), flag);
  }
}

// Reduce my shard (rank order), keep it, and send it to every peer (all-gather hop).
template <typename T, ReduceOp Op>
__device__ inline void llReduceShard(const KernelArgs& a, uint32_t flag, size_t words) {
  const ShardWords s = shardWords(words, a.nranks, a.rank);
  const size_t gather = a.layout.llSlotBytes / 2;
  const size_t mySlot = a.layout.llSlotOffset(flag, a.rank, a.nranks);
  for (size_t w = s.begin + globalThread(); w < s.end; w += globalThreads()) {
    const size_t pkt = (w - s.begin) * sizeof(LL16Packet);
    PackReducer<T, Op, 8> acc;
    for (int r = 0; r < a.nranks; ++r) {
      uint64_t v;
      if (r == a.rank) v = loadWord(a.send, w, a.bytes);
      else if (!a.ch[r].readPacket<LL16Packet>(a.layout.llSlotOffset(flag, r, a.nranks) + pkt, flag, v)) return;
      if (r == 0) acc.first(toPack<T>(v));
      else acc.add(toPack<T>(v));
    }
    const uint64_t out = fromPack(acc.result(a.nranks));
    for (int p = 0; p < a.nranks; ++p)
      if (p != a.rank) a.ch[p].writePacket<LL16Packet>(mySlot + gather + pkt, out, flag);
    storeWord(a.recv, w, a.bytes, out);
  }
}

// All-gather hop: shard q's result from rank q.
__device__ inline void llGatherShards(const KernelArgs& a, uint32_t flag, size_t words) {
  const size_t gather = a.layout.llSlotBytes / 2;
  for (int q = 0; q < a.nranks; ++q) {
    if (q == a.rank) continue;
    const ShardWords s = shardWords(words, a.nranks, q);
    const size_t slot = a.layout.llSlotOffset(flag, q, a.nranks) + gather;
    for (size_t w = s.begin + globalThread(); w < s.end; w += globalThreads()) {
      uint64_t v;
      if (!a.ch[q].readPacket<LL16Packet>(slot + (w - s.begin) * sizeof(LL16Packet), flag, v)) return;
      storeWord(a.recv, w, a.bytes, v);
    }
  }
}

}  // namespace lccl::detail
