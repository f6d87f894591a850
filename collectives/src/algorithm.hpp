// Algorithm selection for the collectives: a table by size and rank count,
// overridable with LCCL_ALGO / LCCL_PROTO (NCCL_ALGO / NCCL_PROTO honoured).
#pragma once

#include <cstddef>
#include <string>

namespace lccl::detail {

enum class Algo { OneShot, TwoShot };
enum class Proto { LL, Simple };

struct Choice {
  Algo algo;
  Proto proto;
};

const char* algoName(Algo a);
const char* protoName(Proto p);

// Largest AllReduce (bytes) served by the one-shot LL algorithm; must fit the
// LL scratch reserved per peer.
constexpr size_t kOneShotMaxBytes = 512u << 10;

// Default choice for an AllReduce of `bytes` over `nranks` ranks.
Choice selectAllReduce(size_t bytes, int nranks);
// Applies an override such as LCCL_ALGO="oneshot" / "twoshot" and
// LCCL_PROTO="LL" / "Simple" (case-insensitive; "^x" excludes x). Throws
// InvalidArgumentError on unknown names. An override that cannot serve the
// size (one-shot above kOneShotMaxBytes) is ignored with the default kept.
Choice applyOverrides(Choice c, size_t bytes, const std::string& algo, const std::string& proto);

}  // namespace lccl::detail
