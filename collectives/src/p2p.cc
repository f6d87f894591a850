// Send/recv: collecting a group's operations and launching them as one kernel.
#include <algorithm>
#include <map>

#include "collectives_impl.hpp"

namespace lccl {

// Per peer: the inboxes and chunk counters in both scratches, and the wait
// bound (timeout, error slot) for that peer.
void Collectives::Impl::setupP2P(const std::vector<RegisteredMemory>& peersScratch) {
  Communicator& c = *comm;
  std::vector<detail::P2PChannel> table(nranks);
  char* mine = static_cast<char*>(scratch);
  const size_t box = layout.p2pInboxBytes;
  const size_t flags = detail::kMaxP2PBlocks;
  for (int p = 0; p < nranks; ++p) {
    if (p == rank) continue;
    char* theirs = static_cast<char*>(peersScratch[p].data());
    detail::P2PChannel& ch = table[p];
    ch.bound = DeviceWaitBound{c.deviceErrorDevice(), c.deviceWaitTimeoutNs(), rank, p, 0, 0};
    ch.remoteInbox = theirs + layout.p2pOffset + rank * box;
    ch.localInbox = mine + layout.p2pOffset + p * box;
    ch.remoteReady = reinterpret_cast<uint64_t*>(theirs + layout.p2pReadyOffset) + rank * flags;
    ch.localReady = reinterpret_cast<uint64_t*>(mine + layout.p2pReadyOffset) + p * flags;
    ch.remoteAck = reinterpret_cast<uint64_t*>(theirs + layout.p2pAckOffset) + rank * flags;
    ch.localAck = reinterpret_cast<uint64_t*>(mine + layout.p2pAckOffset) + p * flags;
  }
  LCCL_CUDA_CHECK(cudaMalloc(&p2pTable, sizeof(detail::P2PChannel) * nranks));
  LCCL_CUDA_CHECK(cudaMemcpy(p2pTable, table.data(), sizeof(detail::P2PChannel) * nranks,
                             cudaMemcpyHostToDevice));
  LCCL_CUDA_CHECK(cudaMalloc(&p2pState, sizeof(detail::P2PState)));
  LCCL_CUDA_CHECK(cudaMemset(p2pState, 0, sizeof(detail::P2PState)));
}

void Collectives::Impl::addP2P(bool isSend, const void* buf, size_t count, DataType type, int peer,
                               cudaStream_t stream, const char* call) {
  ErrorSite site{call, rank, peer};
  if (crossNode)
    throw InvalidUsageError(ErrorSite{call, worldRank, peer},
                            "send/recv (and AllToAllv) when ranks span nodes are not supported "
                            "yet");
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
  a.state = p2pState;
  a.slotBytes = layout.p2pInboxBytes / (2 * detail::kMaxP2PBlocks);
  std::map<std::pair<int, int>, int> taskOf;  // (peer, isSend) -> task index
  int ntasks = 0;
  for (const auto& o : ops) {
    if (o.peer == rank || o.bytes == 0) continue;
    auto key = std::make_pair(o.peer, o.isSend ? 1 : 0);
    if (!taskOf.count(key)) {
      taskOf[key] = ntasks;
      a.tasks[ntasks++] = detail::P2PTask{o.peer, o.isSend ? 1 : 0, 0, 0, 0, {}};
    }
    detail::P2PTask& t = a.tasks[taskOf[key]];
    if (t.nops == detail::kMaxP2POps)
      throw InvalidUsageError(ErrorSite{"groupEnd", rank, o.peer},
                              "more than " + std::to_string(detail::kMaxP2POps) +
                                  " transfers in one direction to one peer in a group");
    t.ops[t.nops++] = {o.buf, o.bytes};
  }
  int blocks = 0;
  for (int i = 0; i < ntasks; ++i) {
    size_t bytes = 0;
    for (int k = 0; k < a.tasks[i].nops; ++k) bytes += a.tasks[i].ops[k].bytes;
    a.tasks[i].firstBlock = blocks;
    a.tasks[i].nblocks = detail::p2pBlocks(bytes);
    blocks += a.tasks[i].nblocks;
  }
  a.ntasks = ntasks;
  if (ntasks == 0) return;
  LCCL_INFO("send/recv group: %d transfers, %d peer tasks on %d blocks",
            static_cast<int>(ops.size()), ntasks, blocks);
  detail::launchP2P(a, blocks, ops.front().stream);
  cudaError_t st = cudaGetLastError();
  if (st != cudaSuccess) throw CudaError(ErrorSite{"groupEnd", rank}, "p2p kernel launch", st);
}

}  // namespace lccl
