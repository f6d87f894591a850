// init.hpp — creating communicators (InitRank*, InitAll, Split, Shrink share it).
#pragma once

#include <vector>

#include "comm.hpp"
#include "config.hpp"
#include "lccl/bootstrap.hpp"

namespace lccl::nccl {

// Tags of the messages the NCCL layer sends over a parent's bootstrap.
constexpr int kSplitIdTag = 0x4e430001;
constexpr int kShrinkIdTag = 0x4e430002;
constexpr int kFallbackIdTag = 0x4e430003;

struct InitSpec {
  int nranks = 0;
  int rank = -1;
  UniqueId id{};
  int device = -1;
  Config config;
};

// The current CUDA device; CudaError (ncclUnhandledCudaError) with a clear
// message where no GPU is usable.
int requireGpu(const char* call);

// Creates, initialises and registers a communicator, stored in *out. Inside a
// group the initialisation runs at ncclGroupEnd (the handle is valid at once).
void createComm(ncclComm_t* out, const InitSpec& spec, const char* call);

// Wraps a fallback NCCL communicator.
ncclComm* wrapDelegated(ncclComm_t real, int device, const Config& config);

// The members agree on an lccl unique id for a new communicator: the leader
// (lowest parent rank among `members`) creates it and sends it to the others
// over the parent's bootstrap.
UniqueId shareId(Bootstrap& parent, const std::vector<int>& members, int leader, int tag);

}  // namespace lccl::nccl
