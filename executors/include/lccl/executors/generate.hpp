// lccl/executors/generate.hpp — plans for standard algorithms, any rank count.
//
//   allreduce-ring        reduce-scatter then all-gather around a ring, n-1 steps each
//   allreduce-oneshot     every rank reads (simple) or receives (LL) every input, reduces all
//   allreduce-twoshot     rank r reduces chunk r from every input, then sends it to everyone
//   allreduce-auto        variants: oneshot LL below 64 KiB, twoshot simple above
//   allgather-direct      every rank sends its input to every peer
//   reducescatter-direct  rank r reduces chunk r of every rank's input
//   alltoall-direct       one threadblock per peer, each moving one block
//
// Each algorithm is written for both protocols: simple (put/get/read-reduce-
// copy with signal/wait handshakes) and LL (packets, no semaphores).
#pragma once

#include <string>
#include <vector>

#include "lccl/executors/plan.hpp"

namespace lccl::plan {

struct AlgorithmInfo {
  const char* name;
  Collective collective;
  bool protocols;  // accepts --protocol (false: the algorithm chooses)
  bool inplace;    // can generate an in-place plan
  const char* description;
};

const std::vector<AlgorithmInfo>& algorithms();

struct GenerateOptions {
  std::string algorithm;
  int nranks = 0;
  Protocol protocol = Protocol::Simple;
  ReduceKind reduce = ReduceKind::Sum;  // for reducing collectives
  bool inplace = false;
};

constexpr int kMinGenerateRanks = 2;
constexpr int kMaxGenerateRanks = 64;

// The plan's name: ALGO-PROTOCOL-N[-OP][-inplace] ("allreduce-ring-ll-4"); files are NAME.json.
std::string generatedName(const GenerateOptions& o);

// The plan file text (deterministic: same options, same bytes). Throws
// lccl::InvalidArgumentError for an unknown algorithm or unsupported options.
std::string generatePlan(const GenerateOptions& o);

// The plans shipped in executors/plans: every algorithm, both protocols where
// it has them, 2, 4 and 8 ranks, out of place, sum.
std::vector<GenerateOptions> shippedPlans();

}  // namespace lccl::plan
