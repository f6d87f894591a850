// Algorithm selection for the collectives: a table by size and rank count,
// overridable with LCCL_ALGO / LCCL_PROTO (NCCL_ALGO / NCCL_PROTO honoured).
//
// AllReduce has three implementations, named by algorithm x protocol:
//   oneshot + LL      every rank sends its whole input to every peer as packets
//   twoshot + LL      reduce-scatter then all-gather, both as packets
//   twoshot + Simple  staged reduce-scatter then all-gather through peer memory
#pragma once

#include <cstddef>
#include <string>

namespace lccl::detail {

enum class Algo { OneShot, TwoShot };
enum class Proto { LL, Simple };

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

// Default limit on all ranks' LL pieces together for AllGather,
// ReduceScatter and AllToAll (LCCL_LL_MAX_BYTES=0): measured where LL stops
// leading the Simple and zero-copy paths (2 ranks: 2 MiB, 4 ranks: 1 MiB).
constexpr size_t defaultLLTotalBytes(int nranks) { return nranks <= 2 ? (2u << 20) : (1u << 20); }

// Size limits of one Collectives instance, from the environment.
struct SizeLimits {
  size_t llTotal;  // LL while all ranks' pieces together stay within this
  size_t pipeMin;  // two-shot AllReduce runs pipelined from this size
  int direct;      // two ranks, Reduce and Broadcast: the direct path (LCCL_DIRECT: 0 never,
                   // 1 by size, 2 beyond LL)
  size_t directChunk;  // its chunk (LCCL_DIRECT_CHUNK_BYTES, 0: by size)
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
