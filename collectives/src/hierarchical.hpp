// Collectives across nodes (hierarchical): memory channels inside a node,
// port channels between nodes (LCCL_PRETEND_NODES splits one host's ranks).
//
// Shape: N ranks in M nodes of L contiguous ranks each (node n holds ranks
// [n*L, (n+1)*L)); rank n*L+i talks across nodes only to its counterparts
// m*L+i (same index i in every other node m).
//
//   AllReduce  1. inside the node: the single-node AllReduce (Avg runs as
//                 Sum) → every rank of node n holds the node's partial P_n;
//              2. across nodes, in chunks of kPortChunkBytes: each rank puts
//                 its chunk of P_n into every counterpart's slot (one port
//                 put + signal per counterpart), waits for theirs, reduces
//                 P_0..P_{M-1} in node order (Avg divides by N here) and
//                 acknowledges the slots; every rank of every node ends with
//                 the same bits.
//   AllGather  1. inside the node: the single-node AllGather into the node's
//                 block of the output (L pieces);
//              2. across nodes: each rank sends its node's block to its
//                 counterparts and copies theirs into place.
// Every counterpart moves the whole buffer (L-fold redundant traffic across
// nodes): simple and correct rather than fast.
//
// Flow control per chunk, one kernel each (kernel boundaries order them):
//   send   thread 0 waits the counterparts' acks of the previous chunk (their
//          slots are free and my stage was sent), the block copies the chunk
//          into the stage, thread 0 pushes putWithSignal to each counterpart
//          and waits for each counterpart's data signal;
//   reduce / unpack  every block reads the slots;
//   ack    thread 0 signals each counterpart's ack semaphore.
// After the last chunk a kernel waits for the final acks, so a call leaves
// no request or signal outstanding. Every wait is bounded.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <memory>

#include "lccl/collectives.hpp"
#include "lccl/communicator.hpp"
#include "lccl/primitives/port_channel_device.hpp"
#include "lccl/proxy.hpp"

namespace lccl::detail {

constexpr int kMaxNodes = 8;
constexpr size_t kPortChunkBytes = 4u << 20;  // per stage / slot; a multiple of every type size

// Passed by value to the port kernels.
struct PortArgs {
  PortChannelDeviceHandle data[kMaxNodes];  // index = node; [node] unused
  PortChannelDeviceHandle ack[kMaxNodes];
  char* stage;  // my outgoing chunk (region 0 of every connection)
  char* slots;  // node m's chunk lands at slots + m * kPortChunkBytes (region 1)
  int nodes;
  int node;
  int nranks;  // all ranks: Avg divides by it
};

struct NodeLayout {
  int nodes = 1;
  int node = 0;
  int nodeSize = 1;
  int nodeRank = 0;
};

// The node shape of `c`; throws InvalidUsageError when the nodes are not
// equal blocks of contiguous ranks (or more than kMaxNodes).
NodeLayout nodeLayout(const Communicator& c);

class CrossNode {
 public:
  CrossNode(Communicator& c, const NodeLayout& layout);
  ~CrossNode();
  CrossNode(const CrossNode&) = delete;
  CrossNode& operator=(const CrossNode&) = delete;

  // Step 2 of AllReduce on buf (this node's partial, in place).
  void allReduce(char* buf, size_t bytes, DataType type, ReduceOp op, cudaStream_t stream);
  // Step 2 of AllGather: recv holds M blocks of blockBytes; mine is filled.
  void allGather(char* recv, size_t blockBytes, cudaStream_t stream);
  const NodeLayout& layout() const { return layout_; }

 private:
  void finish(cudaStream_t stream, const char* call);
  NodeLayout layout_;
  int rank_ = -1;
  std::shared_ptr<PortService> service_;
  void* memory_ = nullptr;  // stage + slots
  PortArgs args_{};
};

// Kernel launchers (port_kernels.cu).
void launchPortSend(const PortArgs& a, const char* src, size_t bytes, bool waitAcks, cudaStream_t s);
void launchPortReduce(const PortArgs& a, char* buf, size_t bytes, DataType type, ReduceOp op,
                      cudaStream_t s);
void launchPortUnpack(const PortArgs& a, char* recv, size_t blockBytes, size_t offset, size_t bytes,
                      cudaStream_t s);
void launchPortAck(const PortArgs& a, cudaStream_t s);
void launchPortWaitAcks(const PortArgs& a, cudaStream_t s);

}  // namespace lccl::detail
