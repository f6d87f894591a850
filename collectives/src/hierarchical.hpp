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
// no request or signal outstanding. Every wait is bounded and names the
// counterpart (device waits: its rank and the semaphore id, cross_node_plan.hpp).
//
// The send kernel spins until the counterparts' data arrive, which needs the
// proxies of both sides to make progress meanwhile. So the proxy must never
// call CUDA on this path: with a transport that stages GPU memory through the
// proxy (TCP), the stage and slots are host-mapped pinned memory (the kernels
// reach them over PCIe, the proxy sends and receives them in place). A CUDA
// copy on the proxy thread would queue behind any call that waits for the
// device under the context lock (the first launch of a lazily loaded kernel,
// e.g. the reduce kernel right after the send kernel), and neither side's
// data would ever leave. The port kernels are also loaded at setup.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <memory>

#include "cross_node_plan.hpp"
#include "lccl/collectives.hpp"
#include "lccl/communicator.hpp"
#include "lccl/primitives/port_channel_device.hpp"
#include "lccl/proxy.hpp"

namespace lccl::detail {

// Passed by value to the port kernels.
struct PortArgs {
  PortChannelDeviceHandle data[kMaxNodes];  // index = node; [node] unused
  PortChannelDeviceHandle ack[kMaxNodes];
  char* stage;  // my outgoing chunk (region kStageRegion of every connection)
  char* slots;  // node m's chunk lands at slots + m * kPortChunkBytes (region kSlotRegion)
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
  void* memory_ = nullptr;    // stage + slots (host view when hostMemory_)
  bool hostMemory_ = false;   // host-mapped pinned, else device memory
  PortArgs args_{};
};

// Kernel launchers (port_kernels.cu).
void preloadPortKernels();  // loads every port kernel now (lazy module loading)
void launchPortSend(const PortArgs& a, const char* src, size_t bytes, bool waitAcks, cudaStream_t s);
void launchPortReduce(const PortArgs& a, char* buf, size_t bytes, DataType type, ReduceOp op,
                      cudaStream_t s);
void launchPortUnpack(const PortArgs& a, char* recv, size_t blockBytes, size_t offset, size_t bytes,
                      cudaStream_t s);
void launchPortAck(const PortArgs& a, cudaStream_t s);
void launchPortWaitAcks(const PortArgs& a, cudaStream_t s);

}  // namespace lccl::detail
