// Algorithm selection for the collectives: a table by size and rank count,
// overridable with LCCL_ALGO / LCCL_PROTO (NCCL_ALGO / NCCL_PROTO honoured).
//
// AllReduce has five implementations, named by algorithm x protocol:
//   oneshot + LL / LL128  every rank sends its whole input to every peer as packets
//   twoshot + LL / LL128  reduce-scatter then all-gather, both as packets
//   twoshot + Simple      staged reduce-scatter then all-gather through peer memory
// LL packets carry 8 data bytes in 16; LL128 lines 120 in 128 (packet.hpp).
#pragma once

#include <cstddef>
#include <string>

#include "lccl/primitives/packet.hpp"

namespace lccl::detail {

enum class Algo { OneShot, TwoShot };
enum class Proto { LL, LL128, Simple };

struct Choice {
  Algo algo;
  Proto proto;
  bool operator==(const Choice& o) const { return algo == o.algo && proto == o.proto; }
};

const char* algoName(Algo a);
const char* protoName(Proto p);

// LL capacity: data bytes one sender may put in one peer's LL slot per call.
// Two ranks get a larger slot: measured on 2 H100s, one-shot LL leads the
// Simple paths up to 2 MiB (1 MiB: 9.7 vs 14.5 us, 2 MiB: 15.4 vs 17.3).
// Beyond two ranks LL serves up to 1 MiB per call (two-shot), which 512 KiB
// per sender covers.
constexpr size_t kOneShotMaxBytes = 512u << 10;
constexpr size_t kTwoRankLLBytes = 2u << 20;
constexpr size_t llCapacity(int nranks) { return nranks <= 2 ? kTwoRankLLBytes : kOneShotMaxBytes; }

// LL128 slots: units (480 data bytes each, an even number) one sender may
// put in one peer's LL128 slot per call: at least 32 MiB / nranks of data
// (4 ranks: 8 MiB per sender; the scratch holds two parities), so that
// one-shot carries 32 MiB / nranks and two-shot 16 MiB.
constexpr size_t kLL128TotalBytes = 32u << 20;
constexpr size_t ll128SlotUnits(int nranks) {
  const size_t units = ll128Units(kLL128TotalBytes / static_cast<size_t>(nranks));
  return (units + 1) / 2 * 2;
}
// Units of a two-shot LL128 shard of `bytes`: the shards split the units.
constexpr size_t ll128ShardUnits(size_t bytes, int nranks) {
  return (ll128Units(bytes) + nranks - 1) / static_cast<size_t>(nranks);
}

// Whether one sender's piece of `bytes` fits an LL128 slot.
constexpr bool ll128Fits(size_t bytes, int nranks) {
  return ll128Units(bytes) <= ll128SlotUnits(nranks);
}

// AllReduce by size, up to 4 ranks (bytes per rank): one-shot LL16 up to
// oneShotLL, one-shot LL128 up to oneShotLL128, two-shot LL128 up to
// twoShotLL128 (while it fits the slots), Simple beyond.
struct SelectTable {
  size_t oneShotLL, oneShotLL128, twoShotLL128;
};
// Measured on H100s (NVSwitch), bf16, CUDA graph: 2 ranks, LL16 / LL128
// one-shot / LL128 two-shot / Simple: 128 KiB 3.71 / 3.53 / - / -, 1 MiB
// 9.67 / 6.61 / 6.33 / -, 2 MiB - / 9.96 / 10.45 / 17.37, 16 MiB - / 75.4 /
// 59.8 / 61.5 us; 4 ranks: 32 KiB 3.90 / 3.95, 64 KiB 4.67 / 4.18, 256 KiB
// 9.27 / 6.00 / 7.44, 512 KiB - / 9.73 / 7.88, 4 MiB - / 49.8 / 32.0 / 33.4,
// 8 MiB - / - / 62.3 / 52.0 us.
constexpr SelectTable kSelect[] = {
    {64u << 10, 2u << 20, 16u << 20},   // 2 ranks
    {32u << 10, 256u << 10, 4u << 20},  // 3 - 4 ranks
};

// Default limit on all ranks' LL pieces together for AllGather,
// ReduceScatter and AllToAll (LCCL_LL_MAX_BYTES=0): measured where LL stops
// leading the Simple and zero-copy paths (2 ranks: 2 MiB, 4 ranks: 1 MiB).
constexpr size_t defaultLLTotalBytes(int nranks) { return nranks <= 2 ? (2u << 20) : (1u << 20); }

// Default limit on all ranks' LL128 pieces together for AllGather,
// ReduceScatter and AllToAll (LCCL_LL128_MAX_BYTES=0). Measured on H100s
// (LL128 / push, us): 2 ranks, 16 MiB AllToAll 40.2 / 36.6; 4 ranks, with
// sender and receiver blocks apart (ll128Split), 16 MiB AllGather 45.3 /
// 53.1, ReduceScatter 45.4 / 51.0, AllToAll 46.4 / 53.6, 32 MiB 85.2 /
// 95.3, 87.0 / 92.0, 87.3 / 95.3 (a 32 MiB piece set fills the 4-rank
// LL128 slots; before the split, 16 MiB trailed the push path). Beyond 4
// ranks unmeasured: the 2-rank limit.
constexpr size_t defaultLL128TotalBytes(int nranks) {
  return nranks >= 3 && nranks <= 4 ? (32u << 20) : (8u << 20);
}

// Reduce and Broadcast on 3+ ranks beyond LL16: two-shot LL128 (Reduce: a
// reduce-scatter, then the reduced shards gathered into the root;
// Broadcast: the root scatters the shards, then an all-gather) while a
// shard fits half an LL128 slot and the piece is within the limit below;
// beyond, the Simple paths. Two ranks keep LL16 and the direct path. From
// 64 KiB only, so that every rank owns a non-empty shard (more than nranks
// x (nranks - 1) units) and so hears from every peer in every call, which
// the flag parities rely on. Measured on 4 H100s (LL128 / Simple, us,
// bf16): Reduce 1 MiB 8.21 / 19.92, 4 MiB 24.25 / 34.90, 16 MiB 82.05 /
// 93.40 (NCCL 10.90, 24.09, 62.26); Broadcast 1 MiB 8.5 / 15.5, 4 MiB
// 24.3 / 30.0, 16 MiB 91.2 / 80.9 (NCCL 12.6, 25.7, 67.1).
constexpr size_t kRootedLL128MinBytes = 64u << 10;
constexpr size_t kReduceLL128MaxBytes = 16u << 20;
constexpr size_t kBroadcastLL128MaxBytes = 8u << 20;
constexpr bool rootedLL128Serves(size_t piece, int nranks, bool broadcast) {
  const size_t maxBytes = broadcast ? kBroadcastLL128MaxBytes : kReduceLL128MaxBytes;
  return nranks >= 3 && piece >= kRootedLL128MinBytes && piece <= maxBytes &&
         ll128ShardUnits(piece, nranks) <= ll128SlotUnits(nranks) / 2;
}

// LL128 kernels with sender and receiver blocks apart (Role in
// kernel_common.cuh): 0 no, 1 within one block per SM, 2 within two.
// Measured on 4 H100s (same run, us, every block / apart): AllGather 4 MiB
// 17.4 / 15.3, 8 MiB 29.9 / 25.5, ReduceScatter and AllToAll alike; 2 MiB
// 9.7 / 10.2; AllReduce two-shot 1 MiB 9.6 / 10.3, 4 MiB 31.9 / 31.9; on
// 2 H100s two-shot AllReduce 16 MiB 59.9 / 55.1 (two per SM), 4 MiB 17.2 /
// 16.8, one-shot 1 MiB 6.7 / 7.2. `mode` is LCCL_LL128_SPLIT: 0 never, 1 by
// size, 2 / 3 always (one / two blocks per SM).
constexpr size_t kSplitMinBytes = 4u << 20;
constexpr int ll128Split(int mode, bool allReduce, bool twoShot, size_t totalBytes, int nranks) {
  if (mode != 1) return mode >= 2 ? mode - 1 : 0;
  if (totalBytes < kSplitMinBytes) return 0;
  if (!allReduce) return nranks >= 3 ? 1 : 0;
  return twoShot && nranks == 2 ? 2 : 0;
}

// `c`, or where it uses `p`, the feasible choice without `p` closest to it
// (for links that cannot carry a protocol: LL128 over PCIe).
Choice withoutProto(Choice c, size_t bytes, int nranks, Proto p);

// Protocols allowed by an LCCL_PROTO spec ("", "x" or "^x"), one bit per
// Proto; throws InvalidArgumentError on unknown names.
unsigned protoMask(const std::string& spec);
constexpr unsigned protoBit(Proto p) { return 1u << static_cast<int>(p); }
constexpr unsigned kAllProtos = 7u;

// Size limits of one Collectives instance, from the environment.
struct SizeLimits {
  unsigned protos;     // LCCL_PROTO for AllGather, ReduceScatter, AllToAll (protoMask)
  size_t ll128Total;   // LL128 while all ranks' pieces together stay within this
  size_t llTotal;  // LL while all ranks' pieces together stay within this
  size_t pipeMin;  // two-shot AllReduce runs pipelined from this size
  size_t pushPipeMin;  // the push paths run pipelined from this piece size
  int direct;      // two ranks, Reduce and Broadcast: the direct path (LCCL_DIRECT: 0 never,
                   // 1 by size, 2 beyond LL)
  size_t directChunk;  // its chunk (LCCL_DIRECT_CHUNK_BYTES, 0: by size)
  int ll128Split;      // LL128: sender and receiver blocks apart (LCCL_LL128_SPLIT, ll128Split)
};

// Whether `c` can serve an AllReduce of `bytes` over `nranks` ranks.
bool feasible(Choice c, size_t bytes, int nranks);
// Default choice for an AllReduce of `bytes` over `nranks` ranks.
Choice selectAllReduce(size_t bytes, int nranks);
// Applies overrides such as algo="oneshot"/"twoshot" and proto="LL"/"Simple"
// (case-insensitive; "^x" excludes x). Throws InvalidArgumentError on unknown
// names. What the override fixes is kept, the rest is completed so that the
// result is feasible; an override that cannot be served is ignored.
Choice applyOverrides(Choice c, size_t bytes, int nranks, const std::string& algo,
                      const std::string& proto);

}  // namespace lccl::detail
