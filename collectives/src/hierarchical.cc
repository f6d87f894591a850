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
// each with region kStageRegion = my stage and region kSlotRegion = that
// counterpart's slot; data signals use semaphore kDataSemaphore, acks
// kAckSemaphore (cross_node_plan.hpp). The buffers are allocated once the
// transports are known: host-mapped pinned memory when any of them would
// stage GPU memory with CUDA copies on the proxy thread (hierarchical.hpp).
CrossNode::CrossNode(Communicator& c, const NodeLayout& layout)
    : layout_(layout), rank_(c.rank()) {
  preloadPortKernels();
  service_ = std::make_shared<PortService>(c);
  uint32_t conns[kMaxNodes] = {};
  for (int m = 0; m < layout.nodes; ++m) {
    if (m == layout.node) continue;
    conns[m] = service_->connect(m * layout.nodeSize + layout.nodeRank);
    hostMemory_ = hostMemory_ || service_->caps(conns[m]).proxyStagesGpuMemory;
  }
  const size_t bytes = static_cast<size_t>(layout.nodes + 1) * kPortChunkBytes;
  char* host = nullptr;  // what the transports see
  char* dev = nullptr;   // what the kernels see
  if (hostMemory_) {
    LCCL_CUDA_CHECK(cudaHostAlloc(&memory_, bytes, cudaHostAllocMapped | cudaHostAllocPortable));
    void* d = nullptr;
    LCCL_CUDA_CHECK(cudaHostGetDevicePointer(&d, memory_, 0));
    host = static_cast<char*>(memory_);
    dev = static_cast<char*>(d);
  } else {
    LCCL_CUDA_CHECK(cudaMalloc(&memory_, bytes));
    host = dev = static_cast<char*>(memory_);
  }
  args_.stage = dev;
  args_.slots = dev + kPortChunkBytes;
  args_.nodes = layout.nodes;
  args_.node = layout.node;
  args_.nranks = c.size();
  for (int m = 0; m < layout.nodes; ++m) {
    if (m == layout.node) continue;
    const uint32_t conn = conns[m];
    service_->registerMemory(conn, kStageRegion, host, kPortChunkBytes);
    service_->registerMemory(conn, kSlotRegion, host + kPortChunkBytes + m * kPortChunkBytes,
                             kPortChunkBytes);
    args_.data[m] =
        PortChannel(service_, conn, kSlotRegion, kStageRegion, kDataSemaphore).deviceHandle();
    args_.ack[m] =
        PortChannel(service_, conn, kAckSemaphore, kStageRegion, kAckSemaphore).deviceHandle();
  }
  service_->start();
  LCCL_INFO("cross-node collectives: node %d of %d, %d ranks per node, port channels to %d "
            "counterparts, buffers in %s memory", layout.node, layout.nodes, layout.nodeSize,
            layout.nodes - 1, hostMemory_ ? "host-mapped" : "device");
}

CrossNode::~CrossNode() {
  (void)cudaDeviceSynchronize();
  if (service_) service_->stop();
  service_.reset();
  if (memory_ && hostMemory_) (void)cudaFreeHost(memory_);
  else if (memory_) (void)cudaFree(memory_);
}

void CrossNode::finish(cudaStream_t stream, const char* call) {
  launchPortWaitAcks(args_, stream);
  const cudaError_t st = cudaGetLastError();
  if (st != cudaSuccess) throw CudaError(ErrorSite{call, rank_}, "kernel launch", st);
  service_->rethrowIfError();
}

void CrossNode::allReduce(char* buf, size_t bytes, DataType type, ReduceOp op,
                          cudaStream_t stream) {
  const size_t chunks = portChunkCount(bytes);
  if (chunks == 0) return;  // nothing sent, so no acks to wait for
  for (size_t k = 0; k < chunks; ++k) {
    const size_t off = portChunkOffset(k), n = portChunkSize(bytes, k);
    launchPortSend(args_, buf + off, n, k > 0, stream);
    launchPortReduce(args_, buf + off, n, type, op, stream);
    launchPortAck(args_, stream);
  }
  finish(stream, "allReduce");
}

void CrossNode::allGather(char* recv, size_t blockBytes, cudaStream_t stream) {
  const char* mine = recv + static_cast<size_t>(layout_.node) * blockBytes;
  const size_t chunks = portChunkCount(blockBytes);
  if (chunks == 0) return;
  for (size_t k = 0; k < chunks; ++k) {
    const size_t off = portChunkOffset(k), n = portChunkSize(blockBytes, k);
    launchPortSend(args_, mine + off, n, k > 0, stream);
    launchPortUnpack(args_, recv, blockBytes, off, n, stream);
    launchPortAck(args_, stream);
  }
  finish(stream, "allGather");
}

}  // namespace lccl::detail
