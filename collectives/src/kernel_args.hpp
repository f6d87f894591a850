// The arguments every collective kernel receives (host-includable).
#pragma once

#include <cstddef>
#include <cstdint>

#include "layout.hpp"
#include "lccl/primitives/memory_channel_device.hpp"

namespace lccl::detail {

// Bootstrap tags used while setting up collectives (outside the semaphore range).
constexpr int kCollTagBase = 0x43000000;

// The collectives (host and device code name them alike).
enum class Kind { AllReduce, ReduceScatter, Reduce, AllGather, AllToAll, Broadcast };

// Device-resident state of one Collectives instance (zero-initialised).
struct CollState {
  uint32_t flag;                    // LL flag of the last completed call
  uint32_t arrived;                 // blocks that have begun the current call
  uint64_t blockEpoch[kMaxBlocks];  // barriers passed by block b (same on every rank)
};

// Everything a collective kernel needs, passed by value as a __grid_constant__
// parameter: device functions take it by reference without a per-thread copy,
// and ch[peer] is an indexed constant-bank load (no global-memory round trip
// before the first remote store).
struct KernelArgs {
  MemoryChannelDeviceHandle ch[kMaxRanks];  // ch[peer]; ch[rank] unused
  CollState* state;
  char* scratch;  // this rank's scratch (the peers' are reached through ch)
  ScratchLayout layout;
  const char* send;
  char* recv;
  size_t bytes;       // bytes per piece handled by this launch
  size_t sendStride;  // distance between the per-peer pieces of send (0: one piece for all)
  size_t recvStride;  // distance between the per-peer pieces of recv (0: one piece)
  size_t chunk;       // direct path: bytes per chunk (directChunkBytes)
  int sendBlocks;     // LL128: blocks that only send (0: every block sends, then receives)
  int root;
  int rank;
  int nranks;
};

}  // namespace lccl::detail
