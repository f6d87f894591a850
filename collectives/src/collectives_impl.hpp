// Collectives::Impl: the state behind one Collectives instance, shared by
// the collective and the send/recv code.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "algorithm.hpp"
#include "hierarchical.hpp"
#include "kernel_args.hpp"
#include "launch.hpp"
#include "lccl/collectives.hpp"
#include "lccl/errors.hpp"
#include "lccl/logging.hpp"
#include "lccl/primitives/memory_channel.hpp"
#include "p2p.hpp"
#include "windows.hpp"

namespace lccl {

struct CollOp;

// Within one node rank/nranks are the communicator's; when ranks span nodes
// they are this rank's index and the rank count of its node (the single-node
// kernels then run inside the node) and `crossNode` drives the port channels
// to the other nodes (hierarchical.hpp).
struct Collectives::Impl {
  std::shared_ptr<Communicator> comm;
  int rank = 0, nranks = 1, smCount = 1;
  int minBlocks = 1, maxBlocks = 1;  // LCCL_MIN_CTAS / LCCL_MAX_CTAS within [1, smCount]
  detail::SizeLimits limits{};       // LCCL_LL_MAX_BYTES, LCCL_PIPE_MIN_BYTES, LCCL_DIRECT
  int worldRank = 0, worldSize = 1;
  detail::NodeLayout nodes{};
  std::unique_ptr<detail::CrossNode> crossNode;
  detail::ScratchLayout layout{};

  void* scratch = nullptr;
  void* preMulBuf = nullptr;  // PreMulSum: this rank's scaled input (local only)
  detail::CollState* state = nullptr;
  detail::P2PChannel* p2pTable = nullptr;             // device array, index = peer
  detail::P2PState* p2pState = nullptr;                // device memory, zeroed
  std::vector<MemoryChannel> channels;  // each keeps its semaphore alive
  detail::KernelArgs base{};  // channels, scratch, state: fixed per instance
  int groupDepth = 0;
  std::string algoOverride, protoOverride;  // setAllReduceOverride; both "": environment
  bool ll128 = true;  // every peer's link carries LL128 lines whole (TransportCaps::wholeLines128)
  struct PendingP2P {
    bool isSend;
    char* buf;
    size_t bytes;
    int peer;
    cudaStream_t stream;
  };
  std::vector<PendingP2P> pending;  // send/recv collected until groupEnd
  struct Window {  // registerWindow
    uint64_t id;   // same on every rank (registration order)
    detail::WindowRange local;
    std::vector<RegisteredMemory> peers;  // index = rank of the node; keeps the mappings
  };
  std::vector<Window> windows;
  uint64_t nextWindowId = 1;

  void setup();
  std::vector<RegisteredMemory> exchangeInNode(const RegisteredMemory& mine,
                                               int tag = detail::kCollTagBase);
  bool simpleChosen(const CollOp& op, size_t piece) const;
  int windowOf(const void* ptr, size_t bytes) const;
  bool zeroCopyArgs(const CollOp& op, size_t piece, detail::ZeroCopyArgs& z) const;
  void launchZeroCopy(const CollOp& op, const detail::ZeroCopyArgs& z, size_t piece);
  void setupP2P(const std::vector<RegisteredMemory>& peersScratch);
  void addP2P(bool isSend, const void* buf, size_t count, DataType type, int peer,
              cudaStream_t stream, const char* call);
  void flushP2P();
  detail::Choice choose(size_t bytes) const;
  void enqueue(const CollOp& op);
  void launchChunk(const CollOp& op, detail::KernelArgs a, detail::Path path, int blocks);
  void enqueueInNode(const CollOp& op);
  void enqueueAcrossNodes(const CollOp& op);
};

}  // namespace lccl
