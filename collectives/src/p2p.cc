// Send/recv: collecting a group's operations and launching them as one kernel.
#include <algorithm>
#include <map>

#include "collectives_impl.hpp"

namespace lccl {

// Two semaphores per peer (data and ack), created in ascending peer order on
// every rank so that both ends of a pair pair up; inboxes in the scratch.
void Collectives::Impl::setupP2P(const std::vector<RegisteredMemory>& peersScratch) {
  Communicator& c = *comm;
  std::vector<detail::P2PChannel> table(nranks);
  for (int p = 0; p < nranks; ++p) {
    if (p == rank) continue;
    auto conn = c.connect(p);
    auto data = std::make_shared<MemoryDevice2DeviceSemaphore>(c, conn);
    auto ack = std::make_shared<MemoryDevice2DeviceSemaphore>(c, conn);
    table[p].data = data->deviceHandle();
    table[p].ack = ack->deviceHandle();
    const size_t box = layout.p2pInboxBytes;
    table[p].remoteInbox = static_cast<char*>(peersScratch[p].data()) + layout.p2pOffset + rank * box;
    table[p].localInbox = static_cast<char*>(scratch) + layout.p2pOffset + p * box;
    p2pSems.push_back(std::move(data));
    p2pSems.push_back(std::move(ack));
  }
  LCCL_CUDA_CHECK(cudaMalloc(&p2pTable, sizeof(detail::P2PChannel) * nranks));
  LCCL_CUDA_CHECK(cudaMemcpy(p2pTable, table.data(), sizeof(detail::P2PChannel) * nranks,
                             cudaMemcpyHostToDevice));
}

void Collectives::Impl::addP2P(bool isSend, const void* buf, size_t count, DataType type, int peer,
                               cudaStream_t stream, const char* call) {
  ErrorSite site{call, rank, peer};
  if (peer < 0 || peer >= nranks)
    throw InvalidArgumentError(site, "peer out of range [0, " + std::to_string(nranks) + ")");
  if (static_cast<int>(type) < 0 || type >= DataType::Count)
    throw InvalidArgumentError(site, "unknown data type " + std::to_string(static_cast<int>(type)));
  if (count > (SIZE_MAX / 16) / dataTypeSize(type))
    throw InvalidArgumentError(site, "count " + std::to_string(count) + " overflows");
  if (count > 0 && buf == nullptr) throw InvalidArgumentError(site, "null buffer");
  if (!pending.empty() && pending.front().stream != stream)
    throw InvalidUsageError(site, "all send/recv of one group must use the same stream");
  pending.push_back({isSend, static_cast<char*>(const_cast<void*>(buf)), count * dataTypeSize(type),
                     peer, stream});
}

// Sends to myself pair with receives from myself, in order: stream-ordered copies.
static void copySelf(std::vector<Collectives::Impl::PendingP2P>& ops, int rank) {
  std::vector<Collectives::Impl::PendingP2P*> sends, recvs;
  for (auto& o : ops)
    if (o.peer == rank) (o.isSend ? sends : recvs).push_back(&o);
  if (sends.size() != recvs.size())
    throw InvalidUsageError(ErrorSite{"groupEnd", rank, rank},
                            "unmatched send/recv to self in the group");
  for (size_t i = 0; i < sends.size(); ++i) {
    if (sends[i]->bytes != recvs[i]->bytes)
      throw InvalidUsageError(ErrorSite{"groupEnd", rank, rank},
                              "send and recv to self differ in size");
    if (sends[i]->bytes && sends[i]->buf != recvs[i]->buf)
      LCCL_CUDA_CHECK(cudaMemcpyAsync(recvs[i]->buf, sends[i]->buf, sends[i]->bytes,
                                      cudaMemcpyDeviceToDevice, sends[i]->stream));
  }
}

void Collectives::Impl::flushP2P() {
  std::vector<PendingP2P> ops;
  ops.swap(pending);
  if (ops.empty()) return;
  copySelf(ops, rank);
  detail::P2PArgs a{};
  a.chans = p2pTable;
  a.slotBytes = layout.p2pInboxBytes / 2;
  std::map<std::pair<int, int>, int> taskOf;  // (peer, isSend) -> task index
  int ntasks = 0;
  for (const auto& o : ops) {
    if (o.peer == rank || o.bytes == 0) continue;
    auto key = std::make_pair(o.peer, o.isSend ? 1 : 0);
    if (!taskOf.count(key)) {
      taskOf[key] = ntasks;
      a.tasks[ntasks++] = detail::P2PTask{o.peer, o.isSend ? 1 : 0, 0, {}};
    }
    detail::P2PTask& t = a.tasks[taskOf[key]];
    if (t.nops == detail::kMaxP2POps)
      throw InvalidUsageError(ErrorSite{"groupEnd", rank, o.peer},
                              "more than " + std::to_string(detail::kMaxP2POps) +
                                  " transfers in one direction to one peer in a group");
    t.ops[t.nops++] = {o.buf, o.bytes};
  }
  if (ntasks == 0) return;
  LCCL_INFO("send/recv group: %d transfers over %d peer tasks", static_cast<int>(ops.size()), ntasks);
  detail::launchP2P(a, ntasks, ops.front().stream);
  cudaError_t st = cudaGetLastError();
  if (st != cudaSuccess) throw CudaError(ErrorSite{"groupEnd", rank}, "p2p kernel launch", st);
}

}  // namespace lccl
