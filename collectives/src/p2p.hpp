// Point-to-point transfers (send/recv, and AllToAllv built from them): what
// the host hands the p2p kernel. Each block serves one (peer, direction) task
// with up to kMaxP2POps buffers, moved in chunks through the receiver's inbox
// for that sender (two slots, so the next chunk is written while the last is
// copied out). Flow control: the sender signals `data` per chunk, the receiver
// signals `ack` once it has copied a chunk out; a sender reuses a slot only
// after its ack, and its kernel ends only when every chunk was acknowledged.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

#include "layout.hpp"
#include "lccl/primitives/semaphore_device.hpp"

namespace lccl::detail {

constexpr int kMaxP2POps = 4;  // buffers per (peer, direction) in one group

// Per peer, resolved at setup (device array indexed by peer).
struct P2PChannel {
  MemoryDevice2DeviceSemaphoreDeviceHandle data;  // sender -> receiver: chunk ready
  MemoryDevice2DeviceSemaphoreDeviceHandle ack;   // receiver -> sender: chunk consumed
  char* remoteInbox;  // my inbox in the peer's scratch (where my sends land)
  char* localInbox;   // the peer's inbox in my scratch (where its sends land)
};

struct P2PBuffer {
  char* ptr;
  size_t bytes;
};

struct P2PTask {
  int peer;
  int isSend;
  int nops;
  P2PBuffer ops[kMaxP2POps];
};

struct P2PArgs {
  P2PTask tasks[2 * kMaxRanks];
  const P2PChannel* chans;
  size_t slotBytes;  // half an inbox
};

void launchP2P(const P2PArgs& a, int ntasks, cudaStream_t stream);

}  // namespace lccl::detail
