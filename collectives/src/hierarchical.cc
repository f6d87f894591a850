// Host side of the cross-node step of the hierarchical collectives.
#include "hierarchical.hpp"

#include <algorithm>
#include <string>

#include "lccl/errors.hpp"
#include "lccl/logging.hpp"
#include "lccl/primitives/port_channel.hpp"

namespace lccl::detail {

NodeLayout nodeLayout(const Communicator& c) {
  NodeLayout l;
  l.nodes = c.nodeCount();
  const ErrorSite site{"Collectives", c.rank()};
  if (l.nodes > kMaxNodes)
    throw InvalidUsageError(site, std::to_string(l.nodes) + " nodes: at most " +
                                      std::to_string(kMaxNodes) + " are supported");
  if (c.size() % l.nodes != 0)
    throw InvalidUsageError(site, std::to_string(c.size()) + " ranks in " +
                                      std::to_string(l.nodes) +
                                      " nodes: nodes of unequal size are not supported yet");
  l.nodeSize = c.size() / l.nodes;
  for (int r = 0; r < c.size(); ++r)
    if (c.node(r) != r / l.nodeSize)
      throw InvalidUsageError(site, "rank " + std::to_string(r) + " is in node " +
                                        std::to_string(c.node(r)) +
                                        ": nodes must be blocks of contiguous ranks");
  l.node = c.rank() / l.nodeSize;
  l.nodeRank = c.rank() % l.nodeSize;
  return l;
}

// Port connections to the counterparts (ascending rank order on every rank),
// each with region 0 = my stage and region 1 = that counterpart's slot; data
// signals use semaphore 1, acks semaphore 2.
CrossNode::CrossNode(Communicator& c, const NodeLayout& layout)
    : layout_(layout), rank_(c.rank()) {
  service_ = std::make_shared<PortService>(c);
  LCCL_CUDA_CHECK(cudaMalloc(&memory_, (layout.nodes + 1) * kPortChunkBytes));
  args_.stage = static_cast<char*>(memory_);
  args_.slots = args_.stage + kPortChunkBytes;
  args_.nodes = layout.nodes;
  args_.node = layout.node;
  args_.nranks = c.size();
  for (int m = 0; m < layout.nodes; ++m) {
    if (m == layout.node) continue;
    const int peer = m * layout.nodeSize + layout.nodeRank;
    const uint32_t conn = service_->connect(peer);
    service_->registerMemory(conn, 0, args_.stage, kPortChunkBytes);
    service_->registerMemory(conn, 1, args_.slots + m * kPortChunkBytes, kPortChunkBytes);
    args_.data[m] = PortChannel(service_, conn, 1, 0, 1).deviceHandle();
    args_.ack[m] = PortChannel(service_, conn, 2, 0, 2).deviceHandle();
  }
  service_->start();
  LCCL_INFO("cross-node collectives: node %d of %d, %d ranks per node, port channels to %d "
            "counterparts", layout.node, layout.nodes, layout.nodeSize, layout.nodes - 1);
}

CrossNode::~CrossNode() {
  (void)cudaDeviceSynchronize();
  service_->stop();
  service_.reset();
  if (memory_) (void)cudaFree(memory_);
}

void CrossNode::finish(cudaStream_t stream, const char* call) {
  launchPortWaitAcks(args_, stream);
  const cudaError_t st = cudaGetLastError();
  if (st != cudaSuccess) throw CudaError(ErrorSite{call, rank_}, "kernel launch", st);
  service_->rethrowIfError();
}

void CrossNode::allReduce(char* buf, size_t bytes, DataType type, ReduceOp op,
                          cudaStream_t stream) {
  size_t chunk = 0;
  for (size_t off = 0; off < bytes; off += kPortChunkBytes, ++chunk) {
    const size_t n = std::min(kPortChunkBytes, bytes - off);
    launchPortSend(args_, buf + off, n, chunk > 0, stream);
    launchPortReduce(args_, buf + off, n, type, op, stream);
    launchPortAck(args_, stream);
  }
  finish(stream, "allReduce");
}

void CrossNode::allGather(char* recv, size_t blockBytes, cudaStream_t stream) {
  const char* mine = recv + static_cast<size_t>(layout_.node) * blockBytes;
  size_t chunk = 0;
  for (size_t off = 0; off < blockBytes; off += kPortChunkBytes, ++chunk) {
    const size_t n = std::min(kPortChunkBytes, blockBytes - off);
    launchPortSend(args_, mine + off, n, chunk > 0, stream);
    launchPortUnpack(args_, recv, blockBytes, off, n, stream);
    launchPortAck(args_, stream);
  }
  finish(stream, "allGather");
}

}  // namespace lccl::detail
