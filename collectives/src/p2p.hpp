// Point-to-point transfers (send/recv, and AllToAllv built from them): what
// the host hands the p2p kernel.
//
// A group's transfers are sorted into tasks, one per (peer, direction). A task
// runs on `nblocks` blocks (1..kMaxP2PBlocks, from its size: the sender and the
// receiver compute the same number); block j moves slice j of every buffer of
// the task, in chunks, through its own part of the receiver's inbox for that
// sender (two slots, so the next chunk is written while the last is copied
// out). Flow control uses chunk counters in the scratch: the sender's block j
// writes ready[me][j] = chunks sent, the receiver's block j writes
// ack[me][j] = chunks consumed; a slot is reused only after its chunk was
// acknowledged. Counters persist across calls (P2PState), so a call needs no
// final handshake: once a chunk is in the peer's inbox the send buffer is free.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

#include "layout.hpp"
#include "lccl/primitives/wait_bound.hpp"

namespace lccl::detail {

constexpr int kMaxP2POps = 4;  // buffers per (peer, direction) in one group

// Per peer, resolved at setup (device array indexed by peer).
struct P2PChannel {
  DeviceWaitBound bound;  // timeout and error reporting for waits on this peer
  char* remoteInbox;      // my inbox in the peer's scratch (where my sends land)
  char* localInbox;       // the peer's inbox in my scratch (where its sends land)
  uint64_t* remoteReady;  // ready[me][*] in the peer's scratch
  uint64_t* localReady;   // ready[peer][*] in mine
  uint64_t* remoteAck;    // ack[me][*] in the peer's scratch
  uint64_t* localAck;     // ack[peer][*] in mine
};

// Chunks sent to / received from each peer by each block index (device memory).
struct P2PState {
  uint64_t sent[kMaxRanks][kMaxP2PBlocks];
  uint64_t received[kMaxRanks][kMaxP2PBlocks];
};

struct P2PBuffer {
  char* ptr;
  size_t bytes;
};

struct P2PTask {
  int peer;
  int isSend;
  int nops;
  int firstBlock;
  int nblocks;
  P2PBuffer ops[kMaxP2POps];
};

struct P2PArgs {
  P2PTask tasks[2 * kMaxRanks];
  int ntasks;
  const P2PChannel* chans;
  P2PState* state;
  size_t slotBytes;   // one slot of one block's part of an inbox
};

// Blocks of a task of `bytes` bytes: one per 256 KiB, 1..kMaxP2PBlocks.
inline int p2pBlocks(size_t bytes) {
  const size_t k = bytes / (256u << 10);
  return static_cast<int>(k < 1 ? 1 : (k > kMaxP2PBlocks ? kMaxP2PBlocks : k));
}

void launchP2P(const P2PArgs& a, int blocks, cudaStream_t stream);

}  // namespace lccl::detail
