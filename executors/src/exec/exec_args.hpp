// What the plan interpreter kernel receives (host-includable): the rank's
// program as uploaded once per plan, the device channel table, and the
// per-call buffer bases. See docs/plan-format.md, "Execution model".
#pragma once

#include <cstddef>
#include <cstdint>

#include "lccl/device_error.hpp"
#include "lccl/executors/plan.hpp"
#include "lccl/primitives/detail/macros.hpp"

namespace lccl::exec {

constexpr int kThreads = 512;         // threads of every interpreter block
constexpr int kMaxReplicas = 64;      // copies of each plan threadblock (see replicasFor)
constexpr int kMaxBlocks = 64;        // interpreter blocks of one rank in one launch
constexpr size_t kReplicaMinBytes = 16u << 10;  // a replica handles at least this much of a chunk
constexpr uint32_t kObjectTag = 0x80000000u;    // DeviceErrorSlot::objectId of executor waits
constexpr uint8_t kOpPacketPath = 1;  // plan::Op::reserved bit (set at upload): the op reads or writes LL packets

// objectId recorded by a timed-out executor wait: tag | replica << 20 | op index.
inline constexpr uint32_t waitObjectId(uint32_t op, uint32_t replica) {
  return kObjectTag | (replica & 0x3ffu) << 20 | (op & 0xfffffu);
}

// Replica j's bytes [begin, end) of every chunk: equal 16-byte aligned
// parts, the last replica also takes the tail (empty parts are allowed).
LCCL_HOST_DEVICE void replicaSlice(uint64_t chunkBytes, uint32_t j, uint32_t replicas,
                                   uint64_t& begin, uint64_t& end) {
  const uint64_t vecs = chunkBytes / 16;
  const uint64_t per = (vecs + replicas - 1) / replicas;
  begin = per * 16 * j < vecs * 16 ? per * 16 * j : vecs * 16;
  const uint64_t e = begin + per * 16 < vecs * 16 ? begin + per * 16 : vecs * 16;
  end = j + 1 == replicas ? chunkBytes : e;
}

// One of this rank's channel ends, bound to the executor's memory.
struct DevChannel {
  char* dst = nullptr;               // the peer's buffer (its region in the peer's arena)
  uint32_t dstChunkOffset = 0;       // chunks added to every reference (in-place aliasing)
  int32_t peer = -1;
  uint64_t* inbound = nullptr;       // my counters for signals from the peer (replica 0; +j)
  uint64_t* remoteInbound = nullptr; // the peer's counters for my signals (replica 0; +j)
  uint64_t* outbound = nullptr;      // local: signals sent (replica 0; +j)
  uint64_t* expected = nullptr;      // local: signals consumed (replica 0; +j)
};

// One barrier of the rank's blocks per replica (sense reversal: count + generation).
struct BlockBarrier {
  uint32_t count;
  uint32_t generation;
};

// Device-resident state of one Executor (zero-initialised).
struct ExecState {
  uint32_t epoch;       // LL flag of the last completed call (0: none yet)
  uint32_t doneBlocks;  // blocks finished in the current call
  BlockBarrier barrier[kMaxReplicas];
};

struct ExecArgs {
  const plan::Threadblock* tbs;
  const plan::Op* ops;
  const plan::ChunkRef* refs;
  const DevChannel* channels;
  const int32_t* opPeer;   // per op: the peer a wait/packet read depends on (-1: none)
  char* base[plan::kNumBuffers];  // this rank's input, output, scratch (LL: parity 0)
  uint64_t chunkBytes;        // bytes of one chunk
  uint64_t packetChunkBytes;  // LL scratch bytes of one chunk (16 per 8 data bytes)
  uint64_t parityBytes;       // LL: bytes between the two scratch parities (0: simple)
  ExecState* state;
  DeviceErrorSlot* errorSlot;
  uint64_t timeoutNs;
  int rank;
  int nranks;
  int numTbs;    // threadblocks of this rank in the plan
  int replicas;  // blocks per plan threadblock; gridDim.x = numTbs * replicas
  bool llScratch;  // protocol LL: scratch holds packets
};

}  // namespace lccl::exec
